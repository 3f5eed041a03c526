import { z } from 'zod';
import { StorageError } from '../../errors/index.js';

const rate = z.number().min(0).max(1);

/** What the chaos layer injects; validated on every change. */
export const chaosSettings = z
  .object({
    /** Master switch. @default false */
    enabled: z.boolean().default(false),
    /** Share of calls delayed by `latencyMs` before they run. @default 0 */
    latencyRate: rate.default(0),
    /** @default 100 */
    latencyMs: z.number().int().nonnegative().default(100),
    /** Share of calls failed at once with `errorCode`. @default 0 */
    errorRate: rate.default(0),
    /** @default 'UNAVAILABLE' */
    errorCode: z.enum(['UNAVAILABLE', 'TIMEOUT', 'INTERNAL']).default('UNAVAILABLE'),
    /** Share of calls that never answer (until their deadline or the caller's signal ends them). @default 0 */
    stallRate: rate.default(0),
    /** Adapter names affected (e.g. `postgres`); absent = every adapter. */
    adapters: z.array(z.string().min(1)).optional(),
  })
  .strict();

/** Chaos settings as given to `set`. */
export type ChaosSettingsInput = z.input<typeof chaosSettings>;
/** Chaos settings with every default filled. */
export type ChaosSettings = z.output<typeof chaosSettings>;

/** The runtime switch of the chaos layer, passed as `runtime.chaos`; shared by every namespace. */
export interface ChaosControl {
  /** The current settings. */
  readonly settings: ChaosSettings;
  /** Replaces the settings (unset fields take their defaults); CONFIG_INVALID names every bad field. */
  set(settings: ChaosSettingsInput): void;
  /** Stops injecting; calls run untouched again. */
  disable(): void;
}

function parse(input: unknown): ChaosSettings {
  const result = chaosSettings.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new StorageError('CONFIG_INVALID', `invalid chaos settings: ${problems.join('; ')}`, { details: { issues: problems } });
}

/**
 * Creates the chaos switch for game days. Off unless `initial.enabled` is true; turn it on and off at
 * runtime with `set` / `disable`. A client given no control has no chaos layer at all.
 */
export function createChaosControl(initial: ChaosSettingsInput = {}): ChaosControl {
  let current = parse(initial);
  return {
    get settings() {
      return current;
    },
    set(settings) {
      current = parse(settings);
    },
    disable() {
      current = { ...current, enabled: false };
    },
  };
}
