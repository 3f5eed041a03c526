import { createHash } from 'node:crypto';

/** A Lua script and its SHA-1, run with EVALSHA (EVAL after a NOSCRIPT). */
export interface Script {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

function script(name: string, source: string): Script {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// Ids compare as (ms, seq) pairs; ms fits a Lua double exactly.
const ID_HELPERS = `
local function split(id)
  local dash = string.find(id, '-', 1, true)
  if not dash then return tonumber(id), 0 end
  return tonumber(string.sub(id, 1, dash - 1)), tonumber(string.sub(id, dash + 1))
end
local function less(a, b)
  local am, as = split(a)
  local bm, bs = split(b)
  return am < bm or (am == bm and as < bs)
end
local function successor(id)
  local ms, seq = split(id)
  if seq >= 9007199254740992 then return string.format('%.0f-0', ms + 1) end
  return string.format('%.0f-%.0f', ms, seq + 1)
end
local function field(flat, name)
  for i = 1, #flat, 2 do if flat[i] == name then return flat[i + 1] end end
  return nil
end
`;

/**
 * Batch publish, atomic (and cheaper than MULTI or a pipeline of XADDs). KEYS[1] stream. ARGV:
 * bound (0 = none), retention (0 = none), count, then per message payload, key ('' = none, else
 * '=' .. key), headers JSON ('' = none). When the stream would pass `bound`, first trims what every
 * group has acked (everything when no group exists); returns `{0, length}` when it still does not
 * fit, else `{1, id1, id2, ...}`.
 */
export const PUBLISH = script(
  'publish',
  `${ID_HELPERS}
local key = KEYS[1]
local bound = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local len = 0
if bound > 0 then len = redis.call('XLEN', key) end
if bound > 0 and len + n > bound then
  local groups = {}
  if len > 0 then groups = redis.call('XINFO', 'GROUPS', key) end
  if #groups == 0 then
    redis.call('XTRIM', key, 'MAXLEN', 0)
  else
    local floor = nil
    for _, g in ipairs(groups) do
      local name = field(g, 'name')
      local lowest
      if tonumber(field(g, 'pending')) > 0 then
        lowest = redis.call('XPENDING', key, name)[2]
      else
        lowest = successor(field(g, 'last-delivered-id'))
      end
      if floor == nil or less(lowest, floor) then floor = lowest end
    end
    redis.call('XTRIM', key, 'MINID', floor)
  end
  len = redis.call('XLEN', key)
  if len + n > bound then return {0, len} end
end
local out = {1}
for i = 0, n - 1 do
  local p, k, h = ARGV[4 + 3 * i], ARGV[5 + 3 * i], ARGV[6 + 3 * i]
  if retention == 0 and h == '' then
    -- The common shapes without building an argument table.
    if k == '' then
      out[i + 2] = redis.call('XADD', key, '*', 'p', p)
    else
      out[i + 2] = redis.call('XADD', key, '*', 'p', p, 'k', string.sub(k, 2))
    end
  else
    local args = {'XADD', key}
    if retention > 0 then
      args[#args + 1] = 'MAXLEN'
      args[#args + 1] = '~'
      args[#args + 1] = retention
    end
    args[#args + 1] = '*'
    args[#args + 1] = 'p'
    args[#args + 1] = p
    if k ~= '' then
      args[#args + 1] = 'k'
      args[#args + 1] = string.sub(k, 2)
    end
    if h ~= '' then
      args[#args + 1] = 'h'
      args[#args + 1] = h
    end
    out[i + 2] = redis.call(unpack(args))
  end
end
return out`,
);

/**
 * Takes entries idle in any consumer for at least min-idle. KEYS[1] stream. ARGV: group, consumer,
 * min-idle ms, cursor, count. Returns `{next-cursor, entries, delivery-counts}` (counts include this
 * claim).
 */
export const RECLAIM = script(
  'reclaim',
  `local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local entries, counts = {}, {}
for _, e in ipairs(r[2]) do
  if e then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    entries[#entries + 1] = e
    counts[#counts + 1] = (p[1] and p[1][4]) or 1
  end
end
return {r[1], entries, counts}`,
);

/**
 * Takes back this consumer's own pending entries (left by an earlier process with the same name).
 * KEYS[1] stream. ARGV: group, consumer, exclusive start id ('-' at first), count. Returns
 * `{last-id-scanned or '', entries, delivery-counts}`.
 */
export const CLAIM_OWN = script(
  'claim-own',
  `local start = ARGV[3]
if start ~= '-' then start = '(' .. start end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], start, '+', tonumber(ARGV[4]), ARGV[2])
local entries, counts, last = {}, {}, ''
for _, p in ipairs(pending) do
  last = p[1]
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, p[1])
  if claimed[1] then
    entries[#entries + 1] = claimed[1]
    counts[#counts + 1] = p[4] + 1
  end
end
return {last, entries, counts}`,
);

/**
 * Dead-letters one entry atomically, only while this consumer still owns it. KEYS[1] stream,
 * KEYS[2] dead-letter stream. ARGV: group, consumer, id, retention (0 = none), then the dead
 * letter's field/value pairs. Returns the dead letter's id, or false when the entry moved on.
 */
export const DEAD_LETTER = script(
  'dead-letter',
  `local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if not p[1] or p[1][2] ~= ARGV[2] then return false end
local args = {'XADD', KEYS[2]}
if tonumber(ARGV[4]) > 0 then
  args[#args + 1] = 'MAXLEN'
  args[#args + 1] = '~'
  args[#args + 1] = ARGV[4]
end
args[#args + 1] = '*'
for i = 5, #ARGV do args[#args + 1] = ARGV[i] end
local id = redis.call(unpack(args))
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
return id`,
);

/** Removes a consumer from its group when it owns nothing any more. KEYS[1] stream. ARGV: group, consumer. */
export const LEAVE = script(
  'leave',
  `local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1`,
);
