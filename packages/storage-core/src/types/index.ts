export type { JsonValue, JsonObject, JsonPrimitive, JsonCompatible, JsonShaped } from './json.js';
export type { StoreKind, Consistency, WriteResult, Page, HealthReport, OperationOptions } from './common.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export type { Principal } from './principal.js';
