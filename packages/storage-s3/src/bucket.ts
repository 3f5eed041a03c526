import type { S3Connection } from './client.js';
import { parseXml, xmlEscape, xmlText } from './xml.js';

// The region S3 creates a bucket in when the request names none (naming it is refused there).
const DEFAULT_REGION = 'us-east-1';

/** ListBuckets: the names of the account's buckets. */
export async function listBuckets(connection: S3Connection): Promise<string[]> {
  const { text } = await connection.requestText({ method: 'GET' });
  const result: Record<string, unknown> = Object.assign({}, parseXml(text)['ListAllMyBucketsResult']);
  // An account without buckets answers an empty <Buckets/> (parsed as '').
  const buckets: Record<string, unknown> = Object.assign({ Bucket: [] }, result['Buckets']);
  return (buckets['Bucket'] as Array<Record<string, unknown>>).map((bucket) => String(bucket['Name']));
}

/** CreateBucket in `region`, with S3 Object Lock enabled when asked (it cannot be turned on later on RGW). */
export async function createBucket(connection: S3Connection, bucket: string, region: string, objectLock: boolean): Promise<void> {
  const body =
    region === DEFAULT_REGION
      ? ''
      : `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>${xmlEscape(region)}</LocationConstraint></CreateBucketConfiguration>`;
  const headers: Record<string, string> = objectLock ? { 'x-amz-bucket-object-lock-enabled': 'true' } : {};
  await connection.requestText({ method: 'PUT', bucketName: bucket, headers }, body);
}

/** Whether the bucket has S3 Object Lock enabled (GetObjectLockConfiguration). */
export async function objectLockEnabled(connection: S3Connection, bucket: string): Promise<boolean> {
  const { text } = await connection.requestText({ method: 'GET', bucketName: bucket, query: 'object-lock' });
  return xmlText(text, 'ObjectLockEnabled') === 'Enabled';
}
