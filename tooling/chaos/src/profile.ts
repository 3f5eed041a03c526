/** How long and how often the chaos scenarios fault things (`CHAOS_PROFILE`). */
export interface ChaosProfile {
  readonly name: 'short' | 'long';
  /** Load before the first fault, ms. */
  readonly warmupMs: number;
  /** How long a stall (SIGSTOP or black hole) lasts, ms. */
  readonly stallMs: number;
  /** How long a crashed server or killed link stays down, ms. */
  readonly downMs: number;
  /** How long the lossy or slow link lasts, ms. */
  readonly lossyMs: number;
  /** Fault rounds per scenario (each round: fault, recovery, checks). */
  readonly rounds: number;
  /** Longest wait for the client to recover after a fault ends, ms. */
  readonly recoveryMs: number;
}

const PROFILES: Record<ChaosProfile['name'], ChaosProfile> = {
  // CI: the whole suite within about three minutes on a 2-core machine.
  short: { name: 'short', warmupMs: 500, stallMs: 3_000, downMs: 2_000, lossyMs: 3_000, rounds: 1, recoveryMs: 15_000 },
  // Nightly: longer outages, more rounds.
  long: { name: 'long', warmupMs: 1_000, stallMs: 15_000, downMs: 10_000, lossyMs: 20_000, rounds: 3, recoveryMs: 30_000 },
};

/** The profile named by `value` (the `CHAOS_PROFILE` environment variable); `short` when unset. */
export function chaosProfile(value: string | undefined): ChaosProfile {
  if (value === undefined || value === '') return PROFILES.short;
  if (!Object.hasOwn(PROFILES, value)) throw new Error(`CHAOS_PROFILE must be "short" or "long" (got "${value}"); unset means short`);
  return PROFILES[value as ChaosProfile['name']];
}
