// Shared flat config for every package. Package configs spread `base` and may add `coreBoundaries`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Rules every package follows. */
export const base = tseslint.config(
  { ignores: ['dist/**', 'coverage/**', 'node_modules/**', '.stryker-tmp/**', 'reports/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'Use explicit named exports.' }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);

const ADAPTER_IMPORTS = {
  group: ['@sanctum/storage-*', '!@sanctum/storage-core', '!@sanctum/storage-core/*'],
  message: 'storage-core never imports an adapter package (DESIGN §2).',
};

/**
 * Dependency direction inside storage-core: `errors/` and `types/` import nothing else of core,
 * and no core file imports an adapter package.
 */
export const coreBoundaries = [
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [ADAPTER_IMPORTS] }] },
  },
  {
    files: ['src/errors/**/*.ts', 'src/types/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ADAPTER_IMPORTS,
            { group: ['../*', '../../*'], message: 'errors/ and types/ must not import other core modules.' },
          ],
        },
      ],
    },
  },
];
