import { describe, expect, it } from 'vitest';
import { chaosProfile } from '../../src/index.js';

describe('chaosProfile (CHAOS_PROFILE)', () => {
  it('is short when unset or empty, long when asked', () => {
    expect(chaosProfile(undefined).name).toBe('short');
    expect(chaosProfile('').name).toBe('short');
    expect(chaosProfile('short')).toMatchObject({ name: 'short', rounds: 1 });
    expect(chaosProfile('long')).toMatchObject({ name: 'long', rounds: 3 });
  });

  it('the long profile faults longer than the short one', () => {
    const short = chaosProfile('short');
    const long = chaosProfile('long');
    for (const field of ['stallMs', 'downMs', 'lossyMs', 'rounds', 'recoveryMs'] as const) expect(long[field]).toBeGreaterThan(short[field]);
  });

  it('refuses any other value, naming the accepted ones (also names inherited from Object)', () => {
    for (const bad of ['Long', 'nightly', 'toString', '__proto__']) {
      expect(() => chaosProfile(bad)).toThrow(`CHAOS_PROFILE must be "short" or "long" (got "${bad}"); unset means short`);
    }
  });
});
