import type { TestRunner } from '../../src/index.js';

type Hook = () => unknown;

interface Scope {
  readonly path: readonly string[];
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
  readonly parent: Scope | undefined;
}

/** A test the fake runner collected, with its full name (`outer > inner > test`). */
export interface CollectedTest {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** The outcome of one collected test. */
export interface TestOutcome {
  readonly name: string;
  readonly passed: boolean;
  readonly error?: unknown;
  readonly ms: number;
}

function hooksOf(scope: Scope | undefined, kind: 'beforeEach' | 'afterEach'): Hook[] {
  const chain: Hook[][] = [];
  for (let current = scope; current !== undefined; current = current.parent) chain.unshift(current[kind]);
  return kind === 'beforeEach' ? chain.flat() : chain.reverse().flat();
}

/**
 * Collects what a suite registers through a TestRunner without running anything, so a test can run
 * the suite programmatically and look at each test's outcome.
 */
export function collect(register: (runner: TestRunner) => void): CollectedTest[] {
  const tests: CollectedTest[] = [];
  let scope: Scope = { path: [], beforeEach: [], afterEach: [], parent: undefined };
  const runner: TestRunner = {
    describe(name, body) {
      const parent = scope;
      scope = { path: [...parent.path, name], beforeEach: [], afterEach: [], parent };
      try {
        body();
      } finally {
        scope = parent;
      }
    },
    it(name, body) {
      const owner = scope;
      const fullName = [...owner.path, name].join(' > ');
      if (tests.some((test) => test.name === fullName)) throw new Error(`duplicate test name: ${fullName}`);
      tests.push({
        name: fullName,
        run: async () => {
          for (const hook of hooksOf(owner, 'beforeEach')) await hook();
          try {
            await body();
          } finally {
            for (const hook of hooksOf(owner, 'afterEach')) await hook();
          }
        },
      });
    },
    beforeEach(hook) {
      scope.beforeEach.push(hook);
    },
    afterEach(hook) {
      scope.afterEach.push(hook);
    },
  };
  register(runner);
  return tests;
}

/** Runs collected tests one after another and reports each outcome. */
export async function runAll(tests: readonly CollectedTest[]): Promise<TestOutcome[]> {
  const outcomes: TestOutcome[] = [];
  for (const test of tests) {
    const started = performance.now();
    try {
      await test.run();
      outcomes.push({ name: test.name, passed: true, ms: performance.now() - started });
    } catch (error) {
      outcomes.push({ name: test.name, passed: false, error, ms: performance.now() - started });
    }
  }
  return outcomes;
}

/** Collects and runs a suite; returns the names of the failed tests and every outcome. */
export async function runSuite(register: (runner: TestRunner) => void): Promise<{ failed: string[]; outcomes: TestOutcome[] }> {
  const outcomes = await runAll(collect(register));
  return { failed: outcomes.filter((outcome) => !outcome.passed).map((outcome) => outcome.name), outcomes };
}
