import type { PGlite } from '@electric-sql/pglite';

/** A query that did not answer in time (`outageKind` makes it a 503). */
export class DatabaseTimeoutError extends Error {
  override name = 'DatabaseTimeoutError';
  readonly code = 'E_DB_TIMEOUT';
  constructor(ms: number) {
    super(`query timed out after ${ms} ms`);
  }
}

/** Rejects with {@link DatabaseTimeoutError} when `promise` takes longer than `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeoutError(ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * PGlite with a deadline on `query` and `exec`. PGlite runs one statement at a time on the
 * process's own thread: a statement that has started cannot be interrupted (it ignores
 * `statement_timeout`, and `pg_sleep` blocks the event loop), but a request waiting behind
 * others for the one connection gives up after `ms` instead of queueing without end. The
 * abandoned statement still runs when its turn comes.
 */
export function withQueryTimeout(client: PGlite, ms: number): PGlite {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'query' || property === 'exec') {
        return (...args: unknown[]) =>
          withDeadline((value as (...a: unknown[]) => Promise<unknown>).apply(target, args), ms);
      }
      // PGlite keeps its state in #private fields: its methods must run on the real instance.
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
