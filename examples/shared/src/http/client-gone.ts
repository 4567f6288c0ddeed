/**
 * Whether an error only says the client went away before its request was read: Node's
 * `aborted` (ECONNRESET) from reading the body of a request whose socket closed, as Hono's
 * `c.req.text()` rethrows it, body-parser's `request.aborted`, or a fetch `AbortError`. No one
 * is left to answer and nothing on the server is wrong, so it is no error to log.
 */
export function isClientGone(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; type?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (e.type === 'request.aborted') return true;
  if (e.name === 'AbortError') return true;
  return e.code === 'ECONNRESET' && e.message === 'aborted';
}
