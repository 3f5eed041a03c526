import { StorageError } from '../errors/index.js';
import type { ConfigIssue } from '../config/index.js';
import { LAYER_SLOTS, type SlottedLayer } from '../layers/pipeline.js';

const KINDS: ReadonlySet<unknown> = new Set(['record', 'blob', 'stream']);
const SLOTS: ReadonlySet<unknown> = new Set(LAYER_SLOTS);

/** Checks `runtime.layers`; every problem is reported at once as CONFIG_INVALID. */
export function checkUserLayers(layers: unknown): readonly SlottedLayer[] {
  if (layers === undefined) return [];
  const issues: ConfigIssue[] = [];
  if (!Array.isArray(layers)) {
    issues.push({ path: 'runtime.layers', message: 'must be an array of layers made with defineLayer()' });
  } else {
    layers.forEach((entry: unknown, i) => {
      const at = `runtime.layers[${i}]`;
      const layer = (typeof entry === 'object' && entry !== null ? entry : {}) as Partial<Record<keyof SlottedLayer, unknown>>;
      if (!KINDS.has(layer.kind)) issues.push({ path: `${at}.kind`, message: `must be "record", "blob" or "stream", got ${String(layer.kind)}` });
      if (!SLOTS.has(layer.slot)) issues.push({ path: `${at}.slot`, message: `must be one of ${LAYER_SLOTS.join(', ')}; got ${String(layer.slot)}` });
      if (typeof layer.layer !== 'function') issues.push({ path: `${at}.layer`, message: 'must be a function (next, context) => methods | undefined' });
    });
  }
  if (issues.length > 0) {
    const lines = issues.map((issue) => `  - ${issue.path}: ${issue.message}`).join('\n');
    throw new StorageError('CONFIG_INVALID', `Invalid runtime layers (${issues.length} problem(s)):\n${lines}`, { details: { issues } });
  }
  return layers as readonly SlottedLayer[];
}
