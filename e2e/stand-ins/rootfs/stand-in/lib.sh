# Shared by the stand-ins (bash; busybox provides nc, sha256sum, nslookup ...).
# Every stand-in stops at SIGTERM at once, as the real services do, so stop-first updates are not slowed down.

log() { echo "[$STAND_IN_SERVICE] $*"; }
fail() { log "fatal: $*" >&2; exit 1; }

# Serves HTTP on a port: every path answers 200 with the service's name and image (the health paths too).
serve_http() {
  local port=$1
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

# The database stand-in's authentication: as a real client, the caller must know the password.
db_login() {
  local host=$1 port=$2 user=$3 db=$4 password=$5
  [ -n "$password" ] || fail "no database password (the secret was not delivered)"
  local answer
  answer=$(printf 'AUTH %s %s %s\n' "$user" "$db" "$password" | timeout 5 nc -w 3 "$host" "$port" 2>/dev/null)
  [ "$answer" = "OK" ] || fail "cannot log in to $db at $host:$port as $user (answer: ${answer:-none})"
  log "logged in to $db at $host:$port as $user"
}

require_file() {
  [ -s "$1" ] || fail "$2: $1 is missing or empty"
}
