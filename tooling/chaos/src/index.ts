// Public surface of @sanctum/chaos (private tooling). Everything exported is listed here by name.
export { createChaosProxy } from './proxy.js';
export type { ChaosProxy, ChaosProxyOptions, ProxyStats, Toxics } from './proxy.js';
export { chaosProfile } from './profile.js';
export type { ChaosProfile } from './profile.js';
