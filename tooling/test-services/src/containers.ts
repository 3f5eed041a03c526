// Fallback for machines with a Docker engine but without tooling/services: start the service with
// testcontainers (an optional dependency, loaded only here). Containers live as long as the test
// process; testcontainers' reaper removes them afterwards.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

import type * as TestcontainersModule from 'testcontainers';

import { dockerSocketAnswers } from './reachable.js';
import type { ServiceInfoMap, ServiceName } from './types.js';

type Testcontainers = typeof TestcontainersModule;

export const IMAGES = {
  postgres: 'postgres:15',
  redis: 'redis:7',
  s3: 'minio/minio:RELEASE.2025-09-07T16-13-09Z',
  // kafkajs 2.2.4 speaks request versions that Kafka 4.x removed: stay on 3.9.
  kafka: 'apache/kafka:3.9.1',
} as const;

const S3_ACCESS_KEY = 'sanctumtestaccess';
const S3_SECRET_KEY = 'sanctumtestsecret0123456789';

/** Cheap check before loading testcontainers: is a Docker engine plausibly reachable? */
export async function dockerReachable(): Promise<boolean> {
  const env = process.env;
  if (env['DOCKER_HOST'] || env['TESTCONTAINERS_HOST_OVERRIDE'] || env['TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE']) {
    return true; // remote or custom engine: let testcontainers decide
  }
  const candidates = [
    '/var/run/docker.sock',
    join(homedir(), '.docker/run/docker.sock'),
    join(homedir(), '.docker/desktop/docker.sock'),
    ...(env['XDG_RUNTIME_DIR'] ? [join(env['XDG_RUNTIME_DIR'], 'docker.sock'), join(env['XDG_RUNTIME_DIR'], 'podman/podman.sock')] : []),
  ];
  for (const socketPath of candidates) {
    if (existsSync(socketPath) && (await dockerSocketAnswers(socketPath))) return true;
  }
  return false;
}

export async function loadTestcontainers(): Promise<Testcontainers | undefined> {
  try {
    return await import('testcontainers');
  } catch {
    return undefined; // optional dependency not installed
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startContainer<N extends ServiceName>(tc: Testcontainers, name: N): Promise<ServiceInfoMap[N]> {
  const { GenericContainer, Wait } = tc;
  switch (name) {
    case 'postgres': {
      const c = await new GenericContainer(IMAGES.postgres)
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'sanctum_test' })
        .withCommand(['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'])
        .withExposedPorts(5432)
        // the entrypoint starts a temporary server for init scripts first: wait for the second start
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      const url = `postgres://postgres@${c.getHost()}:${c.getMappedPort(5432)}/sanctum_test`;
      return { name: 'postgres', url, source: 'testcontainers' } as ServiceInfoMap[N];
    }
    case 'redis': {
      const c = await new GenericContainer(IMAGES.redis)
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage(/Ready to accept connections/))
        .start();
      const url = `redis://${c.getHost()}:${c.getMappedPort(6379)}`;
      return { name: 'redis', url, source: 'testcontainers' } as ServiceInfoMap[N];
    }
    case 's3': {
      const c = await new GenericContainer(IMAGES.s3)
        .withEnvironment({ MINIO_ROOT_USER: S3_ACCESS_KEY, MINIO_ROOT_PASSWORD: S3_SECRET_KEY, MINIO_REGION: 'us-east-1' })
        .withCommand(['server', '/data'])
        .withExposedPorts(9000)
        .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
        .start();
      const endPoint = c.getHost();
      const port = c.getMappedPort(9000);
      return {
        name: 's3',
        endPoint,
        port,
        useSSL: false,
        accessKey: S3_ACCESS_KEY,
        secretKey: S3_SECRET_KEY,
        region: 'us-east-1',
        pathStyle: true,
        url: `http://${endPoint}:${port}`,
        source: 'testcontainers',
      } as ServiceInfoMap[N];
    }
    case 'kafka': {
      // Kafka hands out its advertised address in metadata, so the host port must be known before
      // the broker starts: pick a free one and bind it explicitly.
      const host = (await tc.getContainerRuntimeClient()).info.containerRuntime.host;
      const port = await freePort();
      await new GenericContainer(IMAGES.kafka)
        .withEnvironment({
          CLUSTER_ID: '4L6g3nShT-eMCtK--X86sw',
          KAFKA_NODE_ID: '1',
          KAFKA_PROCESS_ROLES: 'broker,controller',
          KAFKA_LISTENERS: 'HOST://0.0.0.0:9092,INTERNAL://0.0.0.0:19092,CONTROLLER://0.0.0.0:9093',
          KAFKA_ADVERTISED_LISTENERS: `HOST://${host}:${port},INTERNAL://localhost:19092`,
          KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'HOST:PLAINTEXT,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
          KAFKA_INTER_BROKER_LISTENER_NAME: 'INTERNAL',
          KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
          KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
          KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
          KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
          KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
          KAFKA_GROUP_MIN_SESSION_TIMEOUT_MS: '1000', // tests use short sessions
          KAFKA_NUM_PARTITIONS: '4',
          KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
        })
        .withExposedPorts({ container: 9092, host: port })
        .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
        .withStartupTimeout(120_000)
        .start();
      return { name: 'kafka', brokers: [`${host}:${port}`], source: 'testcontainers' } as ServiceInfoMap[N];
    }
    default:
      throw new Error(`unknown service: ${String(name)}`);
  }
}
