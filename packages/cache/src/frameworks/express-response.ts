import type { Response } from 'express';
import { spoilsLate } from '../http/headers.js';
import type { Captured } from '../http/types.js';

/**
 * Runs `hook` when the response ends, before anything is written (Express has set its final
 * headers by then): it may change headers and status, replace the body, and make the end wait.
 */
export function beforeEnd(
  res: Response,
  hook: (body: unknown, encoding: unknown) => { body: unknown; wait?: Promise<void> | undefined },
): void {
  const end = res.end as (...args: unknown[]) => Response;
  res.end = function endAfterHook(this: Response, ...args: unknown[]) {
    res.end = end as Response['end'];
    const callback = args.find((arg) => typeof arg === 'function');
    const chunk = typeof args[0] === 'function' ? undefined : args[0];
    const encoding = typeof args[1] === 'function' ? undefined : args[1];
    const { body, wait } = hook(chunk, encoding);
    const finish = () =>
      body === chunk
        ? end.apply(this, args)
        : end.call(this, body, ...(callback ? [callback] : []));
    if (!wait) return finish();
    void wait.finally(finish);
    return this;
  } as Response['end'];
}

/**
 * Resolves to the entry to store once the response is out, or to `undefined` when a header
 * that spoils it joined on the way (session middleware sets its cookie as the headers are
 * written, after the core judged the response): the cache's headers then come off too.
 */
export function storeAtFinish(
  res: Response,
  captured: Captured,
  resolve: (captured: Captured | undefined) => void,
): void {
  const setHeader = res.setHeader;
  let spoiled = false;
  res.setHeader = function watch(this: Response, name: string, value: unknown) {
    if (!spoiled && spoilsLate(name)) {
      spoiled = true;
      for (const header in captured.headers) res.removeHeader(header);
    }
    return setHeader.call(this, name, value as string);
  } as Response['setHeader'];
  res.once('finish', () => {
    res.setHeader = setHeader;
    resolve(spoiled ? undefined : captured);
  });
}
