// Command connect-proxy is the Nomad e2e's Connect sidecar: Envoy cannot be obtained here, so each sidecar task
// runs Consul's built-in Connect proxy (real mutual TLS with the Connect CA's leaf certificates, real intention
// checks on every inbound connection), configured from the sidecar registration Nomad made for the allocation.
//
// Nomad registers the sidecar for Envoy: its address is the host's and its port the host port, where Envoy binds
// the in-namespace port in the registration's bind_address/bind_port. Consul's `-sidecar-for` mode binds the
// registered host address, which does not exist inside the allocation's namespace, so this program reads the
// registration and starts the proxy with explicit flags instead. Envoy also serves the registration's expose
// paths (health checks and metrics of mesh services, without mTLS); the built-in proxy has no such listener, so
// this program serves each exposed path itself, that path only.
//
// Inputs, all from Nomad: $NOMAD_SECRETS_DIR/envoy_bootstrap.json (written by Nomad's Envoy bootstrap hook; its
// node id is the sidecar's service ID), $NOMAD_SECRETS_DIR/si_token (the sidecar's Consul service identity
// token), and CONSUL_HTTP_ADDR / CONSUL_CACERT set through the job's sidecar_task env.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type registration struct {
	Service string
	Proxy   struct {
		DestinationServiceName string
		LocalServiceAddress    string
		LocalServicePort       int
		Config                 map[string]any
		Upstreams              []struct {
			DestinationName string
			LocalBindPort   int
		}
		Expose struct {
			Paths []struct {
				Path          string
				LocalPathPort int
				ListenerPort  int
			}
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "connect-proxy: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	secrets := os.Getenv("NOMAD_SECRETS_DIR")
	if secrets == "" {
		fail("NOMAD_SECRETS_DIR is not set: not started by Nomad")
	}
	proxyID := sidecarID(filepath.Join(secrets, "envoy_bootstrap.json"))
	tokenFile := filepath.Join(secrets, "si_token")
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		fail("no service identity token: %v", err)
	}
	reg := fetchRegistration(proxyID, strings.TrimSpace(string(token)))

	for _, p := range reg.Proxy.Expose.Paths {
		go serveExposedPath(p.ListenerPort, p.Path, p.LocalPathPort)
	}

	bindPort, ok := reg.Proxy.Config["bind_port"].(float64)
	if !ok {
		fail("registration %s has no bind_port in its proxy config", proxyID)
	}
	args := []string{"connect", "proxy", "-service", reg.Proxy.DestinationServiceName, "-token-file", tokenFile}
	for _, u := range reg.Proxy.Upstreams {
		args = append(args, "-upstream", fmt.Sprintf("%s:%d", u.DestinationName, u.LocalBindPort))
	}
	listen := net.JoinHostPort("0.0.0.0", strconv.Itoa(int(bindPort)))
	if reg.Proxy.LocalServicePort > 0 {
		local := reg.Proxy.LocalServiceAddress
		if local == "" {
			local = "127.0.0.1"
		}
		args = append(args, "-listen", listen, "-service-addr", net.JoinHostPort(local, strconv.Itoa(reg.Proxy.LocalServicePort)))
	} else {
		// A pure client has no local service: inbound connections are accepted and closed, as Envoy's are.
		go refuseInbound(listen)
	}
	fmt.Fprintf(os.Stderr, "connect-proxy: %s for %s: consul %s\n", proxyID, reg.Proxy.DestinationServiceName, strings.Join(args, " "))
	run(args)
}

func sidecarID(bootstrapFile string) string {
	var bootstrap struct {
		Node struct{ ID string } `json:"node"`
	}
	// Nomad writes the bootstrap file before the task starts; a restart of the hook may still be writing it.
	for attempt := 0; ; attempt++ {
		raw, err := os.ReadFile(bootstrapFile)
		if err == nil && json.Unmarshal(raw, &bootstrap) == nil && bootstrap.Node.ID != "" {
			return bootstrap.Node.ID
		}
		if attempt == 20 {
			fail("no sidecar id in %s: %v", bootstrapFile, err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func fetchRegistration(proxyID, token string) registration {
	ca, err := os.ReadFile(os.Getenv("CONSUL_CACERT"))
	if err != nil {
		fail("CONSUL_CACERT: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		fail("CONSUL_CACERT holds no certificate")
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	endpoint := strings.TrimSuffix(os.Getenv("CONSUL_HTTP_ADDR"), "/") + "/v1/agent/service/" + url.PathEscape(proxyID)
	var last error
	for attempt := 0; attempt < 40; attempt++ {
		req, _ := http.NewRequest(http.MethodGet, endpoint, nil)
		req.Header.Set("X-Consul-Token", token)
		resp, err := client.Do(req)
		if err == nil {
			var reg registration
			decodeErr := json.NewDecoder(resp.Body).Decode(&reg)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && decodeErr == nil {
				return reg
			}
			err = fmt.Errorf("%s: %s", endpoint, resp.Status)
		}
		// Nomad registers the sidecar while its task starts: wait for the registration to appear.
		last = err
		time.Sleep(500 * time.Millisecond)
	}
	fail("sidecar registration %s: %v", proxyID, last)
	return registration{}
}

func serveExposedPath(listenerPort int, path string, localPort int) {
	target := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(localPort))}
	proxy := httputil.NewSingleHostReverseProxy(target)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		proxy.ServeHTTP(w, r)
	})
	server := &http.Server{Addr: net.JoinHostPort("0.0.0.0", strconv.Itoa(listenerPort)), Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	fail("expose listener %d for %s: %v", listenerPort, path, server.ListenAndServe())
}

func refuseInbound(listen string) {
	listener, err := net.Listen("tcp", listen)
	if err != nil {
		fail("listener %s: %v", listen, err)
	}
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("listener %s: %v", listen, err)
		}
		conn.Close()
	}
}

func run(args []string) {
	cmd := exec.Command("consul", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fail("consul: %v", err)
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	if err := cmd.Wait(); err != nil {
		if exit, ok := err.(*exec.ExitError); ok {
			os.Exit(exit.ExitCode())
		}
		fail("consul: %v", err)
	}
}
