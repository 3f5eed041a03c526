# shellcheck shell=bash
# Redis 7.0 on 127.0.0.1:56379, no persistence.

REDIS_DIR="$SVC_DIR/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_LOG="$REDIS_DIR/redis.log"

redis_packages() { echo redis-server; }

redis_pid() { pidfile_pid "$REDIS_PIDFILE"; }
redis_running() { pid_alive "$(redis_pid)" '^redis-server'; }
redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_env() { echo "STORAGE_TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"; }

redis_start() {
  local t0
  t0=$(now)
  command -v redis-server >/dev/null || die "redis: redis-server not found (apt-get install redis-server)"
  if redis_running; then
    if wait_for 10 redis_ready; then
      log "redis already running (pid $(redis_pid)) on 127.0.0.1:$REDIS_PORT, reused"
      return 0
    fi
    tail_log "$REDIS_LOG"
    die "redis: our server (pid $(redis_pid)) runs but does not answer PING; run 'services.sh down' and try again"
  fi
  require_port_free "$REDIS_PORT" redis
  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PIDFILE"
  : >"$REDIS_LOG"
  if ! daemon redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
    --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" --dir "$REDIS_DIR" \
    --save '' --appendonly no --protected-mode yes --maxclients 4000 >/dev/null 2>&1; then
    tail_log "$REDIS_LOG"
    die "redis: redis-server failed to start"
  fi
  if ! wait_for 15 redis_ready; then
    tail_log "$REDIS_LOG"
    die "redis: no PING answer on 127.0.0.1:$REDIS_PORT"
  fi
  # --daemonize writes the pid file asynchronously; make sure it is there before we report.
  wait_for 5 redis_running || die "redis: answers PING but $REDIS_PIDFILE does not name a redis-server"
  log "redis ready in $(since "$t0")s (pid $(redis_pid), 127.0.0.1:$REDIS_PORT)"
}

redis_stop() {
  local pid
  pid=$(redis_pid)
  if ! pid_alive "$pid" '^redis-server'; then rm -f "$REDIS_PIDFILE"; return 0; fi
  stop_pid "$pid" '^redis-server' redis 15
  rm -f "$REDIS_PIDFILE"
  log "redis stopped (pid $pid)"
}

redis_status() {
  if redis_running; then
    printf '%-9s running  port %-5s pid %s\n' redis "$REDIS_PORT" "$(redis_pid)"
  else
    printf '%-9s stopped  port %-5s\n' redis "$REDIS_PORT"
  fi
}
