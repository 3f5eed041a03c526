import { base, coreBoundaries } from '@sanctum/eslint-config';

export default [...base, ...coreBoundaries];
