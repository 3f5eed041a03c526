import { base } from '@sanctum/eslint-config';

export default [...base, { ignores: ['test-results/**'] }];
