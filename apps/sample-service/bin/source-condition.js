// Module resolve hook (node:module `register`): resolve with the `@sanctum/source` export condition.
const CONDITION = '@sanctum/source';

/** @type {import('node:module').ResolveHook} */
export async function resolve(specifier, context, nextResolve) {
  const conditions = context.conditions.includes(CONDITION) ? context.conditions : [...context.conditions, CONDITION];
  return nextResolve(specifier, { ...context, conditions });
}
