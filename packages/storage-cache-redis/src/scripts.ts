import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, for EVALSHA with an EVAL fallback. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * A fenced fill: refuses to overwrite another instance's tombstone (a NUL byte and the deleting
 * instance's id, left by a delete within the fill fence), else SETs the entry with its TTL
 * (ARGV[2] = 0: no expiry). ARGV[3] is the caller's own tombstone: core's fence has already
 * refused a fill of ours that raced our own write, and our commands reach Redis in order, so our
 * own tombstone does not block us. Returns 1 when stored.
 */
export const FENCED_SET: Script = script(`
if redis.call('GETRANGE', KEYS[1], 0, 0) == '\\0' and redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
if ARGV[2] == '0' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1
`);
