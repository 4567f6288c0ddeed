import type { Redis, RedisOptions } from 'ioredis';
import type { Operation } from '../measure.js';

/** What a row's factory is handed in its own process. */
export interface HostContext {
  /** A fresh connection to the run's Redis, closed when the process ends. */
  connect(options?: RedisOptions): Promise<Redis>;
  redisUrl: string;
}

/** Builds one row's operation; its arguments after the context are JSON values. */
export type RowFactory = (context: HostContext, ...args: never[]) => Operation | Promise<Operation>;

/**
 * Where a row's operation is built: a module, the name of a `RowFactory` it exports, and that
 * factory's JSON arguments. A row given this way is built and timed in a process of its own.
 */
export interface RowRef {
  module: string;
  factory: string;
  args: unknown[];
}

/**
 * A `RowRef` to `factory` of the module at `moduleUrl` (pass `import.meta.url` of a module next
 * to it, or `new URL('./rows.ts', import.meta.url).href`).
 *
 * @example
 * { id: 'rlm', label: '...', what: '...', build: rowRef(ROWS, 'rateLimiterMemory', k) }
 */
export function rowRef(moduleUrl: string, factory: string, ...args: unknown[]): RowRef {
  return { module: moduleUrl, factory, args };
}

/** Imports `ref`'s module and runs its factory with `context`. */
export async function buildRow(ref: RowRef, context: HostContext): Promise<Operation> {
  const module = (await import(ref.module)) as Record<string, unknown>;
  const factory = module[ref.factory];
  if (typeof factory !== 'function') {
    throw new Error(`bench: ${ref.module} exports no row factory ${ref.factory}`);
  }
  return (factory as (c: HostContext, ...a: unknown[]) => Operation | Promise<Operation>)(
    context,
    ...ref.args,
  );
}
