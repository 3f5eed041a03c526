#!/usr/bin/env node
// Runs the TypeScript service without a build step (tsx), with workspace packages from their sources.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

register('./source-condition.js', import.meta.url);
registerTsx();
await import('../src/main.ts');
