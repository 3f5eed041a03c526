import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { servicesEnv } from '@sanctum/test-services';

/** The rig's servers as the variables `configs/rig.json` references (a missing service fails the file). */
export const RIG_ENV: Readonly<Record<string, string>> = await servicesEnv(['postgres', 'redis', 's3', 'kafka']);

/** The documented rig config (the README's one-liner uses it). */
export const RIG_CONFIG = fileURLToPath(new URL('../../configs/rig.json', import.meta.url));

/** A key prefix unique to this test process. */
export const RUN = `it-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
