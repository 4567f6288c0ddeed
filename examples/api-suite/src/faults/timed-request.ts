import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_PREFIX } from '../client.js';
import type { TestApi } from '../test-api.js';

/** A request's answer and how long it took, or `status: 0` when it hung past the client's limit. */
export interface TimedAnswer {
  status: number;
  retryAfter: string | null;
  // biome-ignore lint/suspicious/noExplicitAny: JSON body
  body: any;
  ms: number;
}

/**
 * One request under `/api/v1`, aborted after `limitMs`, so a hanging server fails the test
 * with `status: 0` instead of hanging it.
 */
export async function timedRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; form?: Record<string, string>; limitMs?: number } = {},
): Promise<TimedAnswer> {
  const started = Date.now();
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  }
  try {
    const res = await fetch(`${baseUrl}${API_PREFIX}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(options.limitMs ?? 15_000),
    });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    const retryAfter = res.headers.get('retry-after');
    return { status: res.status, retryAfter, body: parsed, ms: Date.now() - started };
  } catch {
    return { status: 0, retryAfter: null, body: undefined, ms: Date.now() - started };
  }
}

/** Every log line written so far under `dir` (pino-roll's numbered files; links skipped). */
export function readLogLines(dir: string): string[] {
  const lines: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const info = lstatSync(file, { throwIfNoEntry: false });
    if (!info?.isFile()) continue;
    lines.push(...readFileSync(file, 'utf8').split('\n').filter(Boolean));
  }
  return lines;
}

/** How soon an outage must be answered: the apps' bounded waits (about 5 s) plus slack. */
export const ANSWER_WITHIN_MS = 6000;

/** Every answer is the outage's 503 `{"detail":"Service unavailable"}`, with Retry-After, in time. */
export function expectUnavailable(expect: TestApi['expect'], answers: TimedAnswer[]): void {
  for (const answer of answers) {
    expect(answer, JSON.stringify(answer)).toMatchObject({
      status: 503,
      body: { detail: 'Service unavailable' },
    });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(answer.ms).toBeLessThan(ANSWER_WITHIN_MS);
  }
}
