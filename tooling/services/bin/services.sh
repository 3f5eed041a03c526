#!/usr/bin/env bash
# Real backing services for the integration tests, without Docker.
#
#   services.sh up              start (or reuse) the services, write .services.env
#   services.sh down            stop the services this rig started, remove .services.env
#   services.sh status          one line per service
#   services.sh with -- CMD...  up, run CMD, then stop what it started (servers that were already
#                               running stay up); exits with CMD's code
#   services.sh clean           down, then delete .services/ (data dirs, built mock)
#
#   SERVICES=postgres,redis     only these services (postgres, redis, s3, kafka; default: all;
#                               none = start nothing, e.g. when infra/docker-compose.yml provides them)
#
# See tooling/services/README.md.
set -euo pipefail

SVC_TOOL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$SVC_TOOL_DIR/../.." && pwd)"
SVC_DIR="$REPO_ROOT/.services"
ENV_FILE="$REPO_ROOT/.services.env"
ENV_HEADER="# written by tooling/services/bin/services.sh"

# shellcheck source=../lib/common.sh
source "$SVC_TOOL_DIR/lib/common.sh"
# shellcheck source=../lib/postgres.sh
source "$SVC_TOOL_DIR/lib/postgres.sh"
# shellcheck source=../lib/redis.sh
source "$SVC_TOOL_DIR/lib/redis.sh"
# shellcheck source=../lib/kafka.sh
source "$SVC_TOOL_DIR/lib/kafka.sh"
# shellcheck source=../lib/ceph.sh
source "$SVC_TOOL_DIR/lib/ceph.sh"

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Serialise up/down between concurrent invocations (two terminals, parallel CI steps).
locked() {
  mkdir -p "$SVC_DIR"
  [ -f "$SVC_DIR/.gitignore" ] || echo '*' >"$SVC_DIR/.gitignore"
  (
    if ! flock -n 9; then
      log "waiting for another services.sh run to finish (lock: .services/.lock)..."
      flock -w 300 9 || die "timed out after 300s waiting for another services.sh run (.services/.lock; see 'fuser -v .services/.lock')"
    fi
    "$@"
  ) 9>"$SVC_DIR/.lock"
}

ensure_packages() {
  local s pkgs=() missing=() p t0
  for s in "$@"; do
    # shellcheck disable=SC2207
    pkgs+=($("${s}_packages"))
  done
  command -v ss >/dev/null || pkgs+=(iproute2)
  command -v node >/dev/null || die "node is required (the readiness probes are node scripts)"
  for p in "${pkgs[@]}"; do
    if ! pkg_installed "$p" && ! printf '%s\n' "${missing[@]}" | grep -qx "$p"; then missing+=("$p"); fi
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if ! is_root; then
    {
      echo "[services] missing packages: ${missing[*]}"
      echo "[services] install them as root, then run this again:"
      echo "    sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
    } >&2
    exit 1
  fi
  t0=$(now)
  log "installing ${missing[*]} (apt-get, --no-install-recommends)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >"$SVC_DIR/apt.log" 2>&1 || { tail_log "$SVC_DIR/apt.log"; die "apt-get update failed"; }
  # Debian's policy keeps the packaged ceph/redis/postgres services from auto-starting in
  # containers; where they do start (systemd hosts) they use their own default ports, not ours.
  if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$SVC_DIR/apt.log" 2>&1; then
    tail_log "$SVC_DIR/apt.log"
    die "apt-get install ${missing[*]} failed"
  fi
  log "apt install (${#missing[@]} requested packages) took $(since "$t0")s"
}

write_env() {
  local s tmp lines=()
  for s in "${SVC_ALL[@]}"; do
    if "${s}_running"; then
      while IFS= read -r l; do lines+=("$l"); done < <("${s}_env")
    fi
  done
  if [ ${#lines[@]} -eq 0 ]; then
    # only remove a file we wrote (a copy of infra/services.docker.env is left alone)
    if [ -f "$ENV_FILE" ] && head -n1 "$ENV_FILE" | grep -qF "$ENV_HEADER"; then rm -f "$ENV_FILE"; fi
    return 0
  fi
  if [ -f "$ENV_FILE" ] && ! head -n1 "$ENV_FILE" | grep -qF "$ENV_HEADER"; then
    log "replacing .services.env (not written by this script) with the servers started here"
  fi
  tmp="$ENV_FILE.tmp.$$"
  {
    echo "$ENV_HEADER; removed by 'services.sh down'"
    printf '%s\n' "${lines[@]}"
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

do_up() {
  local s t0
  t0=$(now)
  # even when a service fails, .services.env lists what does run (do_up runs in the locked subshell)
  trap 'write_env || true' EXIT
  if [ $# -eq 0 ]; then
    log "up: nothing to start (SERVICES=none)"
    return 0
  fi
  ensure_packages "$@"
  for s in "$@"; do "${s}_start"; done
  write_env
  log "up: $* ready in $(since "$t0")s; wrote .services.env"
}

do_down() {
  local list=("$@") i
  for ((i = ${#list[@]} - 1; i >= 0; i--)); do "${list[i]}_stop"; done
  write_env
}

# A manual up/down owns these services from now on: a running `with` will not stop them.
manual_up() { with_unclaim "$@"; do_up "$@"; }
manual_down() { with_unclaim "$@"; do_down "$@"; }

cmd_status() {
  local s
  for s in "${SVC_ALL[@]}"; do "${s}_status"; done
  if [ -f "$ENV_FILE" ]; then echo "env file: .services.env"; else echo "env file: (none)"; fi
}

# --- with: shared bookkeeping so that overlapping `with` runs (two terminals, CI steps) do not stop
# servers under each other. Each run holds a lease (.services/with/leases/PID); services that a
# `with` run had to start are listed in .services/with/started; the last run to leave stops them.
WITH_DIR="$SVC_DIR/with"
WITH_STARTED="$WITH_DIR/started"
WITH_LEASES="$WITH_DIR/leases"

with_started_list() { [ -f "$WITH_STARTED" ] && cat "$WITH_STARTED" || true; }

# with_unclaim SERVICE...: a manual up/down takes these services over from `with` bookkeeping.
with_unclaim() {
  [ -f "$WITH_STARTED" ] || return 0
  local s keep
  keep=$(with_started_list)
  for s in "$@"; do keep=$(grep -vx "$s" <<<"$keep" || true); done
  printf '%s\n' "$keep" | sed '/^$/d' >"$WITH_STARTED"
}

# live leases other than ours
with_other_leases() {
  local f pid
  [ -d "$WITH_LEASES" ] || return 0
  for f in "$WITH_LEASES"/*; do
    [ -e "$f" ] || continue
    pid=${f##*/}
    if [ "$pid" = "$$" ]; then continue; fi
    if kill -0 "$pid" 2>/dev/null && grep -q 'services.sh' "/proc/$pid/cmdline" 2>/dev/null; then
      echo "$pid"
    else
      rm -f "$f" # its run is gone
    fi
  done
}

# runs under the lock
with_begin() {
  local s
  mkdir -p "$WITH_LEASES"
  touch "$WITH_LEASES/$$"
  for s in "$@"; do
    if with_started_list | grep -qx "$s"; then
      if "${s}_running"; then log "with: $s was started by another 'with' run; the last run to finish stops it"; fi
    elif "${s}_running"; then
      log "with: $s is already running (started by 'up'); it is left running"
    else
      echo "$s" >>"$WITH_STARTED"
    fi
  done
  do_up "$@"
}

# runs under the lock
with_end() {
  local others to_stop=() s
  rm -f "$WITH_LEASES/$$"
  others=$(with_other_leases | paste -sd' ' -)
  mapfile -t to_stop < <(with_started_list)
  [ ${#to_stop[@]} -gt 0 ] || return 0
  if [ -n "$others" ]; then
    log "with: leaving ${to_stop[*]} running for the other services.sh with run(s) (pid $others); the last one stops them"
    return 0
  fi
  # canonical order, so do_down stops them in reverse start order
  local ordered=()
  for s in "${SVC_ALL[@]}"; do
    if printf '%s\n' "${to_stop[@]}" | grep -qx "$s"; then ordered+=("$s"); fi
  done
  do_down "${ordered[@]}"
  rm -f "$WITH_STARTED"
}

with_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  locked with_end || log "with: stopping the services this run started failed"
  exit "$rc"
}

cmd_with() {
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || die "usage: services.sh with -- CMD [ARGS...]"
  local sel=() rc
  mapfile -t sel < <(selected_services)
  trap with_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  locked with_begin "${sel[@]}"
  # Also hand the contract to CMD through its environment (tools that filter env vars, like
  # turbo's strict mode, still get it from .services.env).
  if [ -f "$ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090
    source "$ENV_FILE"
    set +a
  fi
  set +e
  "$@"
  rc=$?
  set -e
  exit "$rc"
}

main() {
  local cmd=${1:-}
  [ $# -gt 0 ] && shift
  local sel=()
  case "$cmd" in
    up)
      mapfile -t sel < <(selected_services)
      locked manual_up "${sel[@]}"
      ;;
    down)
      mapfile -t sel < <(selected_services)
      locked manual_down "${sel[@]}"
      ;;
    status) cmd_status ;;
    with) cmd_with "$@" ;;
    clean)
      locked manual_down "${SVC_ALL[@]}"
      rm -rf "$SVC_DIR"
      log "removed .services/"
      ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
