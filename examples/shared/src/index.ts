/**
 * `@kit/example-shared`: everything the Express and Hono example apps share. Each app only maps
 * `ctx.routes` to its framework, adding `@kit/rate-limiter` and `@kit/cache` middleware where a
 * route asks for them.
 */
export {
  FAILED_LOGIN_STATUS,
  loginRateLimitOptions,
  loginScope,
} from './auth/login-limit.js';
export { type AppContext, type AppContextOptions, createAppContext } from './context.js';
export { DatabaseTimeoutError, withQueryTimeout } from './db/query-timeout.js';
export { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './http/bounded-input.js';
export { HttpError } from './http/errors.js';
export { isAllowed, methodNotAllowedResponse, methodsByPath } from './http/methods.js';
export type {
  Access,
  ApiResponse,
  ApiRoute,
  Method,
  RawRequest,
  RouteInput,
} from './http/route.js';
export {
  errorResponse,
  executeRoute,
  notFoundResponse,
  type PreparedRequest,
  prepareRoute,
  runRoute,
} from './http/run-route.js';
export { type DocsReply, type DocsRoute, docsRoutes } from './openapi/docs-routes.js';
export { swaggerAsset, swaggerHtml } from './openapi/swagger-ui.js';
export { announce, runServer } from './server.js';
export { loadSettings, projectRoot, type Settings, SettingsError } from './settings.js';
