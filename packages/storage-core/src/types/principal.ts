/**
 * Who is acting. Passed per call (`options.principal`) or bound to a scope (`storage.as(principal)`);
 * the access policy sees it before the cache or the adapter is touched.
 */
export interface Principal {
  /** Stable id of the user or service. Appears in logs and audit events only as a keyed hash. */
  readonly id: string;
  /** The tenant the principal belongs to; binds `{tenant}` in key patterns. */
  readonly tenant?: string;
  /** Roles the rule policy matches against. */
  readonly roles?: readonly string[];
  /** Further values for `{attr.NAME}` placeholders in key patterns. */
  readonly attributes?: Readonly<Record<string, string>>;
}
