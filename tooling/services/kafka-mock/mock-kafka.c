/*
 * Mock Kafka cluster for tests, built on librdkafka's built-in mock cluster
 * (the emulator librdkafka uses for its own test suite; not Apache Kafka).
 *
 *   mock-kafka [BROKERS] [TOPIC:PARTITIONS ...]
 *
 * Starts BROKERS (default 1) mock brokers on loopback, optionally pre-creates
 * topics, writes its pid to $MOCK_KAFKA_PIDFILE (when set), prints the bootstrap
 * servers ("127.0.0.1:port,...") as the first line of stdout and then runs
 * until SIGTERM/SIGINT. Topics are auto-created on first
 * produce/metadata request (4 partitions by default).
 *
 * Build: gcc -O2 -o mock-kafka mock-kafka.c -lrdkafka
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t running = 1;

static void on_signal(int sig) {
  (void)sig;
  running = 0;
}

int main(int argc, char **argv) {
  char errstr[512];
  int brokers = 1;
  int i;
  rd_kafka_conf_t *conf;
  rd_kafka_t *rk;
  rd_kafka_mock_cluster_t *mcluster;
  struct sigaction sa;

  if (argc > 1) {
    brokers = atoi(argv[1]);
    if (brokers < 1 || brokers > 16) {
      fprintf(stderr, "mock-kafka: BROKERS must be 1..16, got '%s'\n", argv[1]);
      return 2;
    }
  }

  conf = rd_kafka_conf_new();
  /* The handle only hosts the mock cluster's thread; keep it quiet. */
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (!rk) {
    fprintf(stderr, "mock-kafka: rd_kafka_new failed: %s\n", errstr);
    return 1;
  }

  mcluster = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mcluster) {
    fprintf(stderr, "mock-kafka: rd_kafka_mock_cluster_new failed\n");
    rd_kafka_destroy(rk);
    return 1;
  }

  for (i = 2; i < argc; i++) {
    char name[256];
    int partitions = 1;
    const char *colon = strchr(argv[i], ':');
    size_t len = colon ? (size_t)(colon - argv[i]) : strlen(argv[i]);
    rd_kafka_resp_err_t err;
    if (len == 0 || len >= sizeof(name)) {
      fprintf(stderr, "mock-kafka: bad topic spec '%s'\n", argv[i]);
      return 2;
    }
    memcpy(name, argv[i], len);
    name[len] = '\0';
    if (colon) partitions = atoi(colon + 1);
    if (partitions < 1) partitions = 1;
    err = rd_kafka_mock_topic_create(mcluster, name, partitions,
                                     brokers < 3 ? brokers : 3);
    if (err) {
      fprintf(stderr, "mock-kafka: creating topic %s failed: %s\n", name,
              rd_kafka_err2str(err));
      return 1;
    }
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  if (getenv("MOCK_KAFKA_PIDFILE") && *getenv("MOCK_KAFKA_PIDFILE")) {
    FILE *pf = fopen(getenv("MOCK_KAFKA_PIDFILE"), "w");
    if (!pf) {
      perror("mock-kafka: cannot write MOCK_KAFKA_PIDFILE");
      return 1;
    }
    fprintf(pf, "%ld\n", (long)getpid());
    fclose(pf);
  }

  printf("%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
  fflush(stdout);

  while (running) usleep(100 * 1000);

  rd_kafka_mock_cluster_destroy(mcluster);
  rd_kafka_destroy(rk);
  return 0;
}
