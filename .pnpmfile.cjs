// Shapes what `pnpm pack` / `pnpm publish` put in a tarball's package.json (ADR-007):
// - the `@sanctum/source` export condition is removed: it points at src/*.ts, which is not shipped and
//   only serves this repository's tests and benches;
// - devDependencies and scripts are removed: they name private workspace packages and repository tools
//   that mean nothing to an installed package.
'use strict';

const SOURCE_CONDITION = '@sanctum/source';

function stripSourceCondition(value) {
  if (Array.isArray(value)) return value.map(stripSourceCondition);
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== SOURCE_CONDITION) out[key] = stripSourceCondition(inner);
  }
  return out;
}

function beforePacking(pkg) {
  if (pkg.exports !== undefined) pkg.exports = stripSourceCondition(pkg.exports);
  delete pkg.devDependencies;
  delete pkg.scripts;
  return pkg;
}

module.exports = { hooks: { beforePacking } };
