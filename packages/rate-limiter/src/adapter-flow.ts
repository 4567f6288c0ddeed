import type { Decision } from './middleware.js';
import { type NodeResponse, watchNodeResponse } from './outcome.js';
import type { RateLimitResult } from './types.js';

type Decided = Decision | undefined | Promise<Decision | undefined>;

/**
 * Runs `decide` and hands its decision to `finish`: in the same turn when it answered without a
 * promise (the memory store), so the request goes on with no promise made; later otherwise. A
 * throw of `decide`, and anything `finish` throws once the decision came late (a response sent
 * meanwhile makes setting headers throw), goes to `fail`, never to an unhandled rejection.
 */
export function whenDecided<T>(
  decide: () => Decided,
  finish: (decision: Decision | undefined) => T,
  fail: (error: unknown) => T,
): T | Promise<Awaited<T>> {
  let decided: Decided;
  try {
    decided = decide();
  } catch (error) {
    return fail(error);
  }
  if (!(decided instanceof Promise)) return finish(decided);
  return decided.then(finish).catch(fail) as Promise<Awaited<T>>;
}

/**
 * The app's own refusal for `decision`: a promise of what `onLimit(result)` returned, for a 429
 * with a result when the app set `onLimit`; `undefined` when the default refusal applies (no
 * `onLimit`, or the 503 of `onIdentifyError: 'deny'`). A throw of `onLimit` rejects it.
 */
export function customRefusal(
  decision: Decision,
  onLimit: ((result: RateLimitResult) => unknown) | undefined,
): Promise<unknown> | undefined {
  const { result } = decision;
  if (onLimit === undefined || decision.status !== 429 || result === undefined) return undefined;
  return new Promise((resolve) => resolve(onLimit(result)));
}

/**
 * Counts by outcome on a Node response (Express, Fastify, Hono on Node): once it is sent or its
 * client left, hands the status to the decision's `settle`, when it has one.
 */
export function settleOnNodeResponse(
  decision: Decision,
  response: NodeResponse,
  req: unknown,
  res: unknown,
): void {
  const { settle, result } = decision;
  if (settle === undefined || result === undefined) return;
  watchNodeResponse(response, (status, completed) => settle(result, req, res, status, completed));
}
