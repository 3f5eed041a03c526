#!/usr/bin/env node
// Runs the TypeScript CLI without a build step: tsx compiles it on the fly, and a resolve hook adds
// the `@sanctum/source` condition so workspace packages resolve to their sources instead of `dist`.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./source-condition.js', import.meta.url);
registerTsx();
await import('../src/main.ts');
