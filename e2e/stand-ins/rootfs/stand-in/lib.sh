# Shared by the stand-ins (bash; busybox provides nc, sha256sum, nslookup ...).
# Every stand-in stops at SIGTERM at once, as the real services do, so stop-first updates are not slowed down.

log() { echo "[$STAND_IN_SERVICE] $*"; }
fail() { log "fatal: $*" >&2; exit 1; }

# Serves HTTP on a port: every path answers 200 with the service's name and image (the health paths too).
serve_http() {
  local port=$1
  # A slow but healthy start (STAND_IN_START_DELAY_SEC), to show that a rollout waits for it.
  [ -z "${STAND_IN_START_DELAY_SEC:-}" ] || { log "starting slowly: ${STAND_IN_START_DELAY_SEC} s"; sleep "$STAND_IN_START_DELAY_SEC"; }
  log "listening on :$port"
  nc -ll -p "$port" -e /stand-in/http-responder &
  local server=$!
  trap 'kill $server 2>/dev/null; exit 0' TERM INT
  wait "$server"
  fail "HTTP listener on :$port exited"
}

# Serves a line protocol on a port with a session program.
serve_lines() {
  local port=$1 session=$2
  log "listening on :$port"
  nc -ll -p "$port" -e "$session" &
  local server=$!
  trap 'kill $server 2>/dev/null; exit 0' TERM INT
  wait "$server"
  fail "listener on :$port exited"
}

# One request line, one answer line, on a connection kept open in both directions until the answer arrives (a
# client that half-closes after its request, as `nc` does, loses the answer behind a proxy that closes both
# directions at the first end-of-stream, as Consul's built-in Connect proxy does).
ask() {
  local host=$1 port=$2 request=$3 answer=""
  exec 3<>"/dev/tcp/$host/$port" 2>/dev/null || return 0
  printf '%s\n' "$request" >&3
  IFS= read -r -t 5 answer <&3
  exec 3<&-
  printf '%s' "${answer%$'\r'}"
}

# The database stand-in's authentication: as a real client, the caller must know the password.
db_login() {
  local host=$1 port=$2 user=$3 db=$4 password=$5
  [ -n "$password" ] || fail "no database password (the secret was not delivered)"
  local answer
  # The request travels in the environment, not on a command line.
  answer=$(REQUEST="AUTH $user $db $password" timeout 6 bash -c '. /stand-in/lib.sh; ask "$1" "$2" "$REQUEST"' _ "$host" "$port")
  [ "$answer" = "OK" ] || fail "cannot log in to $db at $host:$port as $user (answer: ${answer:-none})"
  log "logged in to $db at $host:$port as $user"
}

# A secret as the real images take it: from the file named by <VAR><suffix> (suffix _FILE, Grafana's __FILE),
# or else from <VAR> itself (the Nomad jobs render secrets into the environment); never both, never empty.
secret_value() {
  local name=$1 suffix=$2
  local file_var="$name$suffix"
  local file=${!file_var:-} value=${!name:-}
  if [ -n "$file" ] && [ -n "$value" ]; then fail "both $name and $file_var are set"; fi
  if [ -n "$file" ]; then
    require_file "$file" "$file_var"
    cat "$file"
  else
    [ -n "$value" ] || fail "neither $name nor $file_var is set (the secret was not delivered)"
    printf '%s' "$value"
  fi
}

require_file() {
  [ -s "$1" ] || fail "$2: $1 is missing or empty"
}

# The Docker API socket the service is told to use (unix://path) must appear as a socket within 30 s (a proxy on
# the node may start after the service); the real service reads the engine through it.
require_docker_socket() {
  local endpoint=$1 waited=0
  [[ "$endpoint" == unix://* ]] || fail "Docker endpoint $endpoint is not unix://"
  until [ -S "${endpoint#unix://}" ]; do
    [ "$waited" -lt 30 ] || fail "no Docker API socket at ${endpoint#unix://} after 30 s"
    sleep 1; waited=$((waited + 1))
  done
  log "Docker API socket ${endpoint#unix://} present"
}
