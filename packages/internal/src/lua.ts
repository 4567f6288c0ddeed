import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/** A Lua script and its SHA1, run by SHA with a fallback to EVAL on NOSCRIPT. */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

/** Hashes a script once, at module load. */
export function luaScript(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/** True for the error Redis answers when it does not have the script (restart, failover). */
export function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Runs a script by SHA; after NOSCRIPT, runs it with EVAL, which also caches it on the server.
 * One promise layer on the way: the fallback lives in the rejection handler.
 */
export function runLua(
  client: Redis | Cluster,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  return client.evalsha(script.sha, keys.length, ...keys, ...args).then(undefined, (error) => {
    if (!isNoScript(error)) throw error;
    return client.eval(script.source, keys.length, ...keys, ...args);
  });
}
