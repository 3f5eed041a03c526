import { base } from '@sanctum/eslint-config';

const nodeGlobals = Object.fromEntries(
  ['process', 'URL', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance', 'console', 'Buffer'].map((name) => [name, 'readonly']),
);

export default [...base, { files: ['scripts/**/*.mjs'], languageOptions: { globals: nodeGlobals } }];
