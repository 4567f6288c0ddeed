import type { ApiRoute } from '../http/route.js';
import { loginRoutes } from './login.js';
import { postRoutes } from './posts.js';
import { taskRoutes } from './tasks.js';
import { tierRoutes } from './tiers.js';
import { userRoutes } from './users.js';

/**
 * Every API route, in matching order: the original mounted login, users, posts, tasks, tiers and
 * rate limits in this order, which decides ambiguous paths such as `/user/posts`.
 */
export const apiRoutes: readonly ApiRoute[] = [
  ...loginRoutes,
  ...userRoutes,
  ...postRoutes,
  ...taskRoutes,
  ...tierRoutes,
];
