import { setTimeout as sleep } from 'node:timers/promises';
import { makePage } from '../cache/page.js';
import { pathsOf } from './catalog.js';
import type { ServerHandle } from './servers.js';

/** What a variant answered before it was loaded: its headers, and anything wrong. */
export interface PreflightResult {
  /** Response header names and values (lower case), from a request after warm-up of the cache. */
  headers: Record<string, string>;
  problem: string | undefined;
}

/**
 * Requests every URL of the variant twice (so each cached page is stored), waits for stores
 * that write after the response, then requests the first URL once more and checks it: status
 * 200, the same JSON body as the bare app, and a cache HIT where the row says so. A row that
 * fails here is still measured, with the problem printed under its table.
 */
export async function preflight(server: ServerHandle): Promise<PreflightResult> {
  const { variant } = server;
  const paths = pathsOf(variant.section);
  const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
  try {
    for (let pass = 0; pass < 2; pass++) {
      for (const path of paths) await (await fetch(url(path))).arrayBuffer();
    }
    await sleep(100);
    const response = await fetch(url(paths[0] as string));
    const text = await response.text();
    const headers = Object.fromEntries(response.headers);
    const expected = variant.section === 'rate-limit' ? { ok: true } : makePage(1);
    let problem: string | undefined;
    if (response.status !== 200) problem = `answered ${response.status}`;
    else if (!sameJson(text, expected))
      problem = `answered an unexpected body: ${text.slice(0, 80)}`;
    else if (
      variant.section === 'cache' &&
      variant.role === 'ours' &&
      headers['x-cache'] !== 'HIT'
    ) {
      problem = `X-Cache was ${headers['x-cache'] ?? 'absent'} after warm-up, not HIT`;
    }
    return { headers, problem };
  } catch (error) {
    return { headers: {}, problem: `request failed: ${(error as Error).message}` };
  }
}

function sameJson(text: string, expected: unknown): boolean {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(expected);
  } catch {
    return false;
  }
}
