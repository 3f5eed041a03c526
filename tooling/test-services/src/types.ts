export type ServiceName = 'postgres' | 'redis' | 's3' | 'kafka';

/** Where the connection details came from. */
export type ServiceSource = 'env' | 'env-file' | 'testcontainers';

interface ServiceInfoBase {
  source: ServiceSource;
  /** The `.services.env` file used, when `source` is `env-file`. */
  envFile?: string;
}

export interface PostgresServiceInfo extends ServiceInfoBase {
  name: 'postgres';
  /** postgres://user@host:port/database */
  url: string;
}

export interface RedisServiceInfo extends ServiceInfoBase {
  name: 'redis';
  /** redis://host:port */
  url: string;
}

/** Field names follow the `minio` client options (`new Client({ endPoint, port, … })`). */
export interface S3ServiceInfo extends ServiceInfoBase {
  name: 's3';
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  /** Always true: the local RGW and MinIO are addressed path-style. */
  pathStyle: true;
  /** e.g. http://127.0.0.1:57480 (for clients that take an endpoint URL, like @aws-sdk/client-s3). */
  url: string;
}

export interface KafkaServiceInfo extends ServiceInfoBase {
  name: 'kafka';
  /** host:port bootstrap brokers */
  brokers: string[];
}

export interface ServiceInfoMap {
  postgres: PostgresServiceInfo;
  redis: RedisServiceInfo;
  s3: S3ServiceInfo;
  kafka: KafkaServiceInfo;
}

export type ServiceInfo = ServiceInfoMap[ServiceName];
