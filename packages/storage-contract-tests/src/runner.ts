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
}
