import { createOptionChecks } from '@kit/internal';
import { invalidOption } from './errors.js';

/** The shared option checks, raising `RateLimiterError`. */
export const check = createOptionChecks(invalidOption);
