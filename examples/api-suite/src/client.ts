/** The API prefix every route of the example API lives under. */
export const API_PREFIX = '/api/v1';

/** One answer, read once: status, headers, the raw text and (when it is JSON) the parsed body. */
export interface ApiResponse {
  status: number;
  headers: Headers;
  /** The final URL, after redirects. */
  url: string;
  /** The body exactly as sent, for byte-for-byte comparisons. */
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  body: any;
}

export interface RequestOptions {
  /** A bearer token for `Authorization`. */
  token?: string;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string>;
  /** Sent as is (with whatever `content-type` the headers say), for malformed bodies. */
  raw?: string;
  headers?: Record<string, string>;
}

/**
 * A small fetch client bound to one running app. Paths are relative to `/api/v1`; use
 * {@link ApiClient.root} for the few routes outside it.
 */
export class ApiClient {
  constructor(readonly baseUrl: string) {}

  /** A request to `baseUrl + /api/v1 + path`. */
  request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    return this.send(method, `${API_PREFIX}${path}`, options);
  }

  /** A request to a path outside `/api/v1` (`/openapi.json`, `/docs`). */
  root(path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    return this.send('GET', path, options);
  }

  get(path: string, token?: string, headers?: Record<string, string>): Promise<ApiResponse> {
    return this.request('GET', path, { token, headers });
  }

  post(path: string, json?: unknown, token?: string): Promise<ApiResponse> {
    return this.request('POST', path, { json, token });
  }

  patch(path: string, json: unknown, token?: string): Promise<ApiResponse> {
    return this.request('PATCH', path, { json, token });
  }

  delete(path: string, token?: string): Promise<ApiResponse> {
    return this.request('DELETE', path, { token });
  }

  /** `POST /login` with the form fields of the original; returns the whole answer. */
  loginResponse(username: string, password: string): Promise<ApiResponse> {
    return this.request('POST', '/login', { form: { username, password } });
  }

  /** Logs in and returns the access token, failing loudly when the login is refused. */
  async login(username: string, password: string): Promise<string> {
    const res = await this.loginResponse(username, password);
    if (res.status !== 200 || typeof res.body?.access_token !== 'string') {
      throw new Error(`login of ${username} failed: ${res.status} ${res.text}`);
    }
    return res.body.access_token;
  }

  /** Any method to any path of the server, `/api/v1` not added. */
  async send(method: string, path: string, options: RequestOptions): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    let body: string | undefined;
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = new URLSearchParams(options.form).toString();
    } else if (options.raw !== undefined) {
      body = options.raw;
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, url: res.url, text, body: parsed };
  }
}

/** Decodes the payload of a JWT without verifying it (the app verifies; tests only read). */
export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (part === undefined) throw new Error(`not a JWT: ${token}`);
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
