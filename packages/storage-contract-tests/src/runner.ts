/**
 * The slice of a test framework the suites need. vitest and jest (`{ describe, it }`), node:test
 * (`import { describe, it } from 'node:test'`) and mocha's globals all fit as they are. Test bodies
 * take no parameters, so mocha does not mistake them for callback-style tests.
 */
export interface TestRunner {
  describe(name: string, body: () => void): unknown;
  it(name: string, body: () => Promise<void>): unknown;
  /** Accepted for symmetry with the frameworks; the suites open and close stores inside each test. */
  beforeEach?(hook: () => unknown): unknown;
  /** Accepted for symmetry with the frameworks; the suites open and close stores inside each test. */
  afterEach?(hook: () => unknown): unknown;
}

/** Options every suite takes. */
export interface SuiteOptions<Store> {
  /** The test framework's `describe` / `it`. */
  readonly runner: TestRunner;
  /**
   * Makes a fresh, unopened store. Called once per test (sometimes twice, for a second process's
   * view); the suite calls `open()` before and `close()` after using it.
   */
  readonly create: () => Store | Promise<Store>;
  /** Title of the outer `describe`. @default the suite's name, e.g. `RecordStore contract` */
  readonly title?: string;
  /**
   * Start of every namespace the suite uses (each test adds a random suffix), so runs against a
   * shared server never collide and leftovers are easy to find. @default `contract`
   */
  readonly namespacePrefix?: string;
  /**
   * Removes what one test stored. Called once per test of the record, blob and stream suites, after
   * the test's store was closed, whether the test passed or failed, with the test's namespace. Remove
   * that namespace and every namespace that starts with it: a test may also use names derived from
   * it (`<namespace>-tx`, `<namespace>-other`, the dead-letter stream `<namespace>.dead-letter`).
   * A cleanup that throws fails a test that passed. The cache and facade suites do not call it.
   * @default none: data stays behind (use a disposable server, or remove by `namespacePrefix`)
   */
  readonly cleanup?: (namespace: string) => unknown;
}
