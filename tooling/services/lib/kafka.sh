# shellcheck shell=bash
# Kafka protocol on loopback via librdkafka's mock cluster (an emulator, not Apache Kafka).
# librdkafka 2.0.2 cannot pin the mock's ports: the bootstrap it prints is stored in
# .services/kafka/bootstrap and written to .services.env.
#   SANCTUM_KAFKA_MOCK_BROKERS  number of mock brokers (default 1, max 16)
#   SANCTUM_KAFKA_MOCK_TOPICS   optional topics to pre-create, "name:partitions,name2:partitions"
#                               (otherwise topics are auto-created with 4 partitions)

KAFKA_DIR="$SVC_DIR/kafka"
KAFKA_PIDFILE="$KAFKA_DIR/mock-kafka.pid"
KAFKA_BOOTSTRAP_FILE="$KAFKA_DIR/bootstrap"
KAFKA_LOG="$KAFKA_DIR/mock-kafka.log"
KAFKA_BIN="$SVC_DIR/bin/mock-kafka"
KAFKA_SRC="$SVC_TOOL_DIR/kafka-mock/mock-kafka.c"

kafka_packages() { echo librdkafka-dev gcc; }

kafka_pid() { pidfile_pid "$KAFKA_PIDFILE"; }
kafka_running() { pid_alive "$(kafka_pid)" '^mock-kafka'; }
kafka_bootstrap() { [ -s "$KAFKA_BOOTSTRAP_FILE" ] && head -n1 "$KAFKA_BOOTSTRAP_FILE" || true; }
kafka_brokers() { echo "${SANCTUM_KAFKA_MOCK_BROKERS:-1}"; }

kafka_ready() {
  local bs
  bs=$(kafka_bootstrap)
  [ -n "$bs" ] || return 1
  node "$SVC_TOOL_DIR/probes/kafka-probe.mjs" "$bs" "${1:-}"
}

kafka_env() { echo "STORAGE_TEST_KAFKA_BROKERS=$(kafka_bootstrap)"; }

kafka_build() {
  if [ -x "$KAFKA_BIN" ] && [ "$KAFKA_BIN" -nt "$KAFKA_SRC" ]; then return 0; fi
  local t0
  t0=$(now)
  mkdir -p "$(dirname "$KAFKA_BIN")"
  command -v gcc >/dev/null || die "kafka: gcc not found (apt-get install gcc librdkafka-dev)"
  if ! gcc -O2 -Wall -o "$KAFKA_BIN.tmp" "$KAFKA_SRC" -lrdkafka 2>"$KAFKA_DIR/build.log"; then
    tail_log "$KAFKA_DIR/build.log"
    die "kafka: building the mock cluster failed (needs librdkafka-dev)"
  fi
  mv -f "$KAFKA_BIN.tmp" "$KAFKA_BIN"
  log "kafka: built $KAFKA_BIN in $(since "$t0")s"
}

kafka_start() {
  local t0 brokers topics=() pid
  t0=$(now)
  brokers=$(kafka_brokers)
  mkdir -p "$KAFKA_DIR"
  if kafka_running; then
    if wait_for 10 kafka_ready; then
      log "kafka mock already running (pid $(kafka_pid)) at $(kafka_bootstrap), reused"
      return 0
    fi
    tail_log "$KAFKA_LOG"
    die "kafka: our mock cluster (pid $(kafka_pid)) runs but does not answer metadata requests; run 'services.sh down' and try again"
  fi
  kafka_build
  rm -f "$KAFKA_PIDFILE" "$KAFKA_BOOTSTRAP_FILE"
  if [ -n "${SANCTUM_KAFKA_MOCK_TOPICS:-}" ]; then
    IFS=', ' read -r -a topics <<<"$SANCTUM_KAFKA_MOCK_TOPICS"
  fi
  # setsid: detach from our process group so a Ctrl-C in the terminal that ran `up` does not
  # reach it later; the mock writes its own pid file.
  MOCK_KAFKA_PIDFILE="$KAFKA_PIDFILE" setsid "$KAFKA_BIN" "$brokers" "${topics[@]}" \
    >"$KAFKA_BOOTSTRAP_FILE" 2>"$KAFKA_LOG" </dev/null 9>&- &
  if ! wait_for 10 bash -c "[ -s '$KAFKA_BOOTSTRAP_FILE' ] && [ -s '$KAFKA_PIDFILE' ]"; then
    tail_log "$KAFKA_LOG"
    die "kafka: the mock cluster did not print its bootstrap servers"
  fi
  pid=$(kafka_pid)
  if ! wait_for 20 kafka_ready "$brokers"; then
    tail_log "$KAFKA_LOG"
    die "kafka: the mock cluster (pid $pid) does not answer Metadata requests at $(kafka_bootstrap)"
  fi
  log "kafka ready in $(since "$t0")s (pid $pid, librdkafka mock, $brokers broker(s) at $(kafka_bootstrap))"
}

kafka_stop() {
  local pid
  pid=$(kafka_pid)
  if ! pid_alive "$pid" '^mock-kafka'; then rm -f "$KAFKA_PIDFILE" "$KAFKA_BOOTSTRAP_FILE"; return 0; fi
  stop_pid "$pid" '^mock-kafka' kafka 10
  rm -f "$KAFKA_PIDFILE" "$KAFKA_BOOTSTRAP_FILE"
  log "kafka stopped (pid $pid)"
}

kafka_status() {
  if kafka_running; then
    printf '%-9s running  port %-5s pid %s  (%s)\n' kafka "$(kafka_bootstrap | sed 's/^[^:]*://; s/,.*//')" "$(kafka_pid)" "$(kafka_bootstrap)"
  else
    printf '%-9s stopped  port -\n' kafka
  fi
}
