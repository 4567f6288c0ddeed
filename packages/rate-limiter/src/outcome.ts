import type { Logger } from '@kit/internal';
import { check } from './checks.js';
import type { RateLimiter, RateLimitResult } from './types.js';

/** Count by outcome: give back what the requests whose outcome does not count were charged. */
export interface OutcomeOptions<Req, Res> {
  /**
   * Gives back what successful requests were charged, so only failures count: a login
   * endpoint's failed attempts, say. Requests are counted first and given back once the
   * response is done, so a flood of concurrent requests never gets past the limit.
   * @default false
   */
  skipSuccessfulRequests?: boolean;
  /** Gives back what failed requests (and requests the client aborted) were charged. @default false */
  skipFailedRequests?: boolean;
  /**
   * Whether a request succeeded, once its response is done. Express: `(req, res)`, Hono:
   * `(c, c)`, Fastify: `(request, reply)`.
   * @default the response status is below 400
   */
  requestWasSuccessful?: (req: Req, res: Res) => boolean | Promise<boolean>;
}

/**
 * What an adapter calls once the response of an admitted request is done: its status, and
 * `completed: false` when the client went away first (a failure).
 */
export type Settle = (
  result: RateLimitResult,
  req: unknown,
  res: unknown,
  status: number,
  completed: boolean,
) => void;

type Checked = Required<Omit<OutcomeOptions<unknown, unknown>, 'requestWasSuccessful'>> &
  Pick<OutcomeOptions<unknown, unknown>, 'requestWasSuccessful'>;

/** Validates the count-by-outcome options. */
export function checkOutcomeOptions<Req, Res>(options: OutcomeOptions<Req, Res>): Checked {
  return {
    skipSuccessfulRequests: check.boolean(
      'skipSuccessfulRequests',
      options.skipSuccessfulRequests,
      false,
    ),
    skipFailedRequests: check.boolean('skipFailedRequests', options.skipFailedRequests, false),
    requestWasSuccessful: check.optionalFunction(
      'requestWasSuccessful',
      options.requestWasSuccessful,
    ) as Checked['requestWasSuccessful'],
  };
}

/** The settle step for these options; `undefined` when every request counts (the default). */
export function settler(
  limiter: RateLimiter,
  options: Checked,
  logger: Logger,
  throttle: { shouldLog(key: string, intervalMs: number): boolean },
): Settle | undefined {
  const { skipSuccessfulRequests, skipFailedRequests, requestWasSuccessful } = options;
  if (!skipSuccessfulRequests && !skipFailedRequests) return undefined;
  const failed = (error: unknown) => {
    if (!throttle.shouldLog('settle', 10_000)) return;
    logger.error(
      { code: 'E_SETTLE_FAILED', cause: error instanceof Error ? error.message : String(error) },
      '[@kit/rate-limiter] could not settle a request by its outcome; it stays counted (logged at most every 10 s)',
    );
  };
  const judge = (succeeded: boolean, result: RateLimitResult) => {
    if (succeeded ? skipSuccessfulRequests : skipFailedRequests) {
      limiter.refund(result).catch(failed);
    }
  };
  return (result, req, res, status, completed) => {
    if (!completed) return judge(false, result);
    if (requestWasSuccessful === undefined) return judge(status < 400, result);
    try {
      const verdict = requestWasSuccessful(req, res);
      if (typeof verdict === 'boolean') return judge(verdict, result);
      Promise.resolve(verdict).then((yes) => judge(yes === true, result), failed);
    } catch (error) {
      failed(error);
    }
  };
}

/** What `watchNodeResponse` needs of Node's `ServerResponse`. */
export interface NodeResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * Calls `done(status, completed)` once, when a Node response has been sent (`finish`) or the
 * connection went away first (`close` before `finish`: not completed). Express and Fastify.
 */
export function watchNodeResponse(
  res: NodeResponse,
  done: (status: number, completed: boolean) => void,
): void {
  let settled = false;
  // By the event, not `writableFinished`: Fastify's inject() responses emit `finish` without it.
  const once = (completed: boolean) => {
    if (settled) return;
    settled = true;
    done(res.statusCode, completed);
  };
  res.once('finish', () => once(true));
  res.once('close', () => once(false));
}
