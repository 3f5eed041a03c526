# shellcheck shell=bash disable=SC2034  # constants are used by the service files
# Shared helpers for tooling/services/bin/services.sh. Sourced, never executed.

SVC_ALL=(postgres redis kafka s3)

# Fixed loopback ports (the env contract in tooling/services/README.md).
PG_PORT=55432
REDIS_PORT=56379
S3_PORT=57480
CEPH_MON_PORT=57389          # ceph-mon msgr2 (internal)
CEPH_MS_PORT_MIN=57400       # ceph-osd messenger ports (internal)
CEPH_MS_PORT_MAX=57470

S3_ACCESS_KEY=sanctumtestaccess
S3_SECRET_KEY=sanctumtestsecret0123456789
S3_REGION=us-east-1

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
# since START -> "1.2"
since() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1f", e - s }'; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the unprivileged owner of a data dir when we are root.
as_user() {
  local user=$1; shift
  if is_root; then runuser -u "$user" -- "$@"; else "$@"; fi
}

# pid_alive PID COMM_REGEX: process exists and its executable name matches.
pid_alive() {
  local pid=$1 re=$2 comm
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ "$comm" =~ $re ]] || return 1
  # a zombie (exited, not yet reaped by its parent) is not running
  [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

pid_gone() { ! pid_alive "$@"; }

# daemon CMD...: run CMD with the services.sh lock descriptor closed, so that servers which
# daemonise do not keep holding the lock after we return.
daemon() { "$@" 9>&-; }

# pidfile_pid FILE -> first line of the pid file (empty if missing).
pidfile_pid() { [ -f "$1" ] && head -n1 "$1" | tr -dc '0-9' || true; }

# port_holder PORT -> description of whatever listens on 127.0.0.1/any:PORT (empty if free).
port_holder() {
  local port=$1 line
  line=$(ss -Hltnp "( sport = :$port )" 2>/dev/null | head -n1 || true)
  [ -n "$line" ] || return 0
  local users
  # users:(("python3",pid=5946,fd=3),("python3",pid=5947,fd=3)) -> python3 (pid 5946), python3 (pid 5947)
  users=$(grep -o '("[^"]*",pid=[0-9]*' <<<"$line" | sed -E 's/^\("([^"]*)",pid=([0-9]+)$/\1 (pid \2)/' | paste -sd, - | sed 's/,/, /g' || true)
  if [ -n "$users" ]; then
    printf '%s' "$users"
  else
    printf 'unknown process (run as root to see it): %s' "$(awk '{print $4}' <<<"$line")"
  fi
}

# require_port_free PORT SERVICE: fail clearly if something else listens on PORT.
require_port_free() {
  local port=$1 svc=$2 holder
  holder=$(port_holder "$port")
  if [ -n "$holder" ]; then
    die "$svc: port 127.0.0.1:$port is already in use by $holder, which this rig did not start. Stop that process (or free the port) and run 'services.sh up' again."
  fi
}

# wait_for TIMEOUT_S CMD... : retry CMD every 0.1-0.5 s until it succeeds or the timeout passes.
wait_for() {
  local timeout=$1; shift
  local deadline delay=0.1
  deadline=$(awk -v n="$(now)" -v t="$timeout" 'BEGIN { printf "%.3f", n + t }')
  while :; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if awk -v n="$(now)" -v d="$deadline" 'BEGIN { exit !(n > d) }'; then return 1; fi
    sleep "$delay"
    delay=$(awk -v d="$delay" 'BEGIN { d = d * 1.5; if (d > 0.5) d = 0.5; print d }')
  done
}

# tail_log FILE [LINES]: print the end of a server log to stderr.
tail_log() {
  local f=$1 n=${2:-40}
  if [ -f "$f" ]; then
    printf '[services] ---- last %s lines of %s ----\n' "$n" "$f" >&2
    tail -n "$n" "$f" >&2 || true
    printf '[services] ---- end of log ----\n' >&2
  else
    printf '[services] (no log file at %s)\n' "$f" >&2
  fi
}

# stop_pid PID COMM_REGEX NAME [TIMEOUT_S]: SIGTERM, wait, then SIGKILL.
stop_pid() {
  local pid=$1 re=$2 name=$3 timeout=${4:-20}
  pid_alive "$pid" "$re" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for "$timeout" pid_gone "$pid" "$re"; then
    log "$name (pid $pid) did not stop within ${timeout}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_for 5 pid_gone "$pid" "$re" || true
  fi
}

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# selected_services -> the services named in $SERVICES (default: all), validated.
selected_services() {
  local raw=${SERVICES:-} s out=()
  if [ -z "$raw" ] || [ "$raw" = all ]; then
    printf '%s\n' "${SVC_ALL[@]}"
    return
  fi
  # none: start nothing (services provided elsewhere, e.g. infra/docker-compose.yml)
  [ "$raw" = none ] && return 0
  IFS=', ' read -r -a parts <<<"$raw"
  for s in "${parts[@]}"; do
    [ -n "$s" ] || continue
    case "$s" in
      postgres | redis | kafka | s3) out+=("$s") ;;
      ceph | rgw | minio) out+=(s3) ;;
      pg | postgresql) out+=(postgres) ;;
      *) die "unknown service '$s' in SERVICES (known: postgres, redis, s3, kafka, all, none)" ;;
    esac
  done
  # keep canonical order, drop duplicates
  for s in "${SVC_ALL[@]}"; do
    if printf '%s\n' "${out[@]}" | grep -qx "$s"; then printf '%s\n' "$s"; fi
  done
}
