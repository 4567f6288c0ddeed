/** What is used of Node's `ServerResponse` (or `Http2ServerResponse`). */
export interface NodeResponse {
  headersSent: boolean;
  writeHead(status: number, ...rest: unknown[]): unknown;
  setHeader(name: string, value: string): unknown;
  hasHeader(name: string): boolean;
}

/**
 * The Node response of a Hono request on `@hono/node-server` (`c.env.outgoing`), while its
 * headers are still unsent; `undefined` on other runtimes.
 */
export function honoNodeResponse(env: unknown): NodeResponse | undefined {
  const outgoing = (env as { outgoing?: NodeResponse } | undefined)?.outgoing;
  return typeof outgoing?.writeHead === 'function' && !outgoing.headersSent ? outgoing : undefined;
}

/** What is used of Node's `IncomingMessage`. */
export interface NodeRequest {
  url?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The Node request of a Hono request on `@hono/node-server` (`c.env.incoming`): its plain
 * header object and raw URL cost nothing, where the Fetch `Request` builds a `Headers` object
 * and a full URL the first time either is read.
 */
export function honoNodeRequest(env: unknown): NodeRequest | undefined {
  const incoming = (env as { incoming?: NodeRequest } | undefined)?.incoming;
  return typeof incoming?.headers === 'object' && incoming.headers !== null ? incoming : undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Adds `headers` when the response is written. @hono/node-server writes it with one
 * `writeHead(status, fields)`, whatever Response the handler returned (a raw one too): ours go
 * into a copy of `fields`, which keeps Node's fast path (headers set with `setHeader` before make
 * Node pass every field through `setHeader` again), and a field the response sets itself wins.
 * The `on-headers` package wraps `writeHead` the same way.
 */
export function addWhenWritten(
  outgoing: NodeResponse,
  headers: ReadonlyArray<readonly [string, string]> | Readonly<Record<string, string>>,
): void {
  const pairs = Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, string]>)
    : undefined;
  const record = pairs ? undefined : (headers as Readonly<Record<string, string>>);
  const writeHead = outgoing.writeHead;
  // Explicit parameters, not `...rest`: this runs once per response.
  outgoing.writeHead = function (
    this: NodeResponse,
    status: number,
    fields?: unknown,
    more?: unknown,
  ) {
    if (more === undefined && (fields === undefined || isPlainObject(fields))) {
      // Copied key by key (`{ ...fields }`, then adding keys, measured 20x slower on Node 20),
      // lower-cased as HTTP/2 and Hono's own Headers write them, so a name the response sets
      // in any case is found.
      const merged: Record<string, unknown> = {};
      const own = fields as Record<string, unknown> | undefined;
      for (const key in own) merged[key.toLowerCase()] = own[key];
      if (pairs) {
        for (let i = 0; i < pairs.length; i++) {
          const [name, value] = pairs[i]!;
          if (merged[name] === undefined) merged[name] = value;
        }
      } else {
        for (const name in record) if (merged[name] === undefined) merged[name] = record[name];
      }
      return writeHead.call(this, status, merged);
    }
    // A status message or a raw list of fields: give Node ours the ordinary way.
    const all = pairs ?? Object.entries(record!);
    for (const [name, value] of all) if (!this.hasHeader(name)) this.setHeader(name, value);
    return more === undefined
      ? writeHead.call(this, status, fields)
      : writeHead.call(this, status, fields, more);
  };
}
