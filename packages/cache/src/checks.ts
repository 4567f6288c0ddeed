import { createOptionChecks } from '@kit/internal';
import { invalidOption } from './errors.js';

/** The shared option checks, raising `CacheError`. */
export const check = createOptionChecks(invalidOption);
