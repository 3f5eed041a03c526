# shellcheck shell=bash
# PostgreSQL 15 on 127.0.0.1:55432, data in .services/postgres (kept between runs; tests create
# their own schemas/tables). trust auth on loopback, fsync off: for tests only.

PG_DIR="$SVC_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_RUN="$PG_DIR/run"
PG_LOG="$PG_DIR/postgres.log"
PG_DB=sanctum_test

postgres_packages() { echo postgresql; }

pg_bindir() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

pg_user() { if is_root; then echo postgres; else id -un; fi; }

postgres_pid() { pidfile_pid "$PG_DATA/postmaster.pid"; }
postgres_running() { pid_alive "$(postgres_pid)" '^postgres$'; }

pg_psql() {
  "$(pg_bindir)/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 "$@"
}

postgres_ready() { pg_psql -d postgres -tAc 'select 1' 2>/dev/null | grep -qx 1; }

postgres_env() {
  echo "STORAGE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$PG_PORT/$PG_DB"
}

postgres_start() {
  local bin user t0
  t0=$(now)
  bin=$(pg_bindir) || die "postgres: no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)"
  if postgres_running && postgres_ready; then
    log "postgres already running (pid $(postgres_pid)) on 127.0.0.1:$PG_PORT, reused"
    return 0
  fi
  if postgres_running; then
    # Our server, but not answering: give it a moment (it may be starting or recovering).
    if wait_for 15 postgres_ready; then
      log "postgres already running (pid $(postgres_pid)) on 127.0.0.1:$PG_PORT, reused"
      return 0
    fi
    tail_log "$PG_LOG"
    die "postgres: our server (pid $(postgres_pid)) runs but does not answer on 127.0.0.1:$PG_PORT; run 'services.sh down' and try again"
  fi
  require_port_free "$PG_PORT" postgres
  user=$(pg_user)

  mkdir -p "$PG_DIR" "$PG_RUN"
  if is_root; then
    chown "$user": "$PG_DIR" "$PG_RUN"
    if ! runuser -u "$user" -- test -x "$PG_DIR"; then
      die "postgres: user '$user' cannot reach $PG_DIR (a parent directory is not world-executable); chmod o+x the parent directories or move the checkout"
    fi
  fi

  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    rm -rf "$PG_DATA"
    as_user "$user" "$bin/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --locale=C.UTF-8 -N \
      >"$PG_DIR/initdb.log" 2>&1 || { tail_log "$PG_DIR/initdb.log"; die "postgres: initdb failed"; }
    cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- sanctum test rig (tooling/services) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_RUN'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    log "postgres: initialised $PG_DATA in $(since "$t0")s"
  fi

  # pg_ctl refuses to start when a stale postmaster.pid points at a live unrelated process;
  # a stale file with a dead pid is handled by postgres itself.
  if ! daemon as_user "$user" "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 30 start >"$PG_DIR/pg_ctl.log" 2>&1; then
    cat "$PG_DIR/pg_ctl.log" >&2 || true
    tail_log "$PG_LOG"
    die "postgres: server did not start on 127.0.0.1:$PG_PORT"
  fi
  if ! wait_for 30 postgres_ready; then
    tail_log "$PG_LOG"
    die "postgres: server started but 'select 1' does not succeed on 127.0.0.1:$PG_PORT"
  fi
  if [ "$(pg_psql -d postgres -tAc "select 1 from pg_database where datname = '$PG_DB'")" != 1 ]; then
    pg_psql -d postgres -c "create database $PG_DB" >/dev/null || die "postgres: could not create database $PG_DB"
  fi
  pg_psql -d "$PG_DB" -tAc 'select 1' >/dev/null || die "postgres: database $PG_DB does not answer"
  log "postgres ready in $(since "$t0")s (pid $(postgres_pid), 127.0.0.1:$PG_PORT, database $PG_DB)"
}

postgres_stop() {
  local pid bin
  pid=$(postgres_pid)
  if ! pid_alive "$pid" '^postgres$'; then return 0; fi
  bin=$(pg_bindir) || true
  if [ -n "$bin" ]; then
    as_user "$(pg_user)" "$bin/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  stop_pid "$pid" '^postgres$' postgres 10
  log "postgres stopped (pid $pid)"
}

postgres_status() {
  if postgres_running; then
    printf '%-9s running  port %-5s pid %s\n' postgres "$PG_PORT" "$(postgres_pid)"
  else
    printf '%-9s stopped  port %-5s\n' postgres "$PG_PORT"
  fi
}
