// Command traefik-labels decodes each service's `traefik.*` labels with Traefik's own label decoder (the
// code its Docker and Swarm providers run), so a misspelt key or a value of the wrong type is an error here
// rather than a route that silently never appears.
//
//	traefik-labels LABELS.json    # {"service": {"traefik.http.routers.x.rule": "...", ...}, ...}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/traefik/traefik/v3/pkg/config/label"
)

// providerLabels is the Docker and Swarm providers' own label set in Traefik v3.1.6
// (pkg/provider/docker/shared_labels.go: configuration), decoded with the same prefixes.
type providerLabels struct {
	Enable bool
	Docker struct {
		Network string
		LBSwarm bool
	}
}

// The label prefixes Traefik v3.1.6 reads on a Swarm service; any other traefik.* label is silently ignored.
var readPrefixes = []string{"traefik.enable", "traefik.docker.", "traefik.http.", "traefik.tcp.", "traefik.udp.", "traefik.tls.stores.default."}

func ignoredLabels(labels map[string]string) []string {
	var ignored []string
	for key := range labels {
		if !strings.HasPrefix(key, "traefik.") {
			continue
		}
		read := false
		for _, prefix := range readPrefixes {
			if key == prefix || strings.HasPrefix(key, prefix) {
				read = true
			}
		}
		if !read {
			ignored = append(ignored, key)
		}
	}
	sort.Strings(ignored)
	return ignored
}

func main() {
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var services map[string]map[string]string
	if err := json.Unmarshal(data, &services); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	names := make([]string, 0, len(services))
	for name := range services {
		names = append(names, name)
	}
	sort.Strings(names)
	failed := false
	for _, name := range names {
		labels := services[name]
		if ignored := ignoredLabels(labels); len(ignored) > 0 {
			fmt.Printf("%s: Traefik ignores %v (it reads traefik.enable, traefik.docker.* and the dynamic configuration's traefik.http/tcp/udp/tls.stores.default.*)\n", name, ignored)
			failed = true
			continue
		}
		var provider providerLabels
		if err := label.Decode(labels, &provider, "traefik.docker.", "traefik.enable"); err != nil {
			fmt.Printf("%s: %v\n", name, err)
			failed = true
			continue
		}
		conf, err := label.DecodeConfiguration(labels)
		if err != nil {
			fmt.Printf("%s: %v\n", name, err)
			failed = true
			continue
		}
		routers := 0
		if conf.HTTP != nil {
			routers = len(conf.HTTP.Routers)
		}
		fmt.Printf("%s: ok (%d routers)\n", name, routers)
	}
	if failed {
		os.Exit(1)
	}
}
