import { fork } from 'node:child_process';
import type { BusMessage } from '../../src/types.js';

/** An app instance in another process (see `instance-process.ts`), driven from the test. */
export interface ForkedInstance {
  call(op: string, ...args: unknown[]): Promise<unknown>;
  /** The messages it heard from other instances, in order. */
  readonly remote: BusMessage[];
  close(): Promise<void>;
}

/** Forks `instance-process.ts` under tsx on the given Redis, prefix and channel. */
export async function forkInstance(env: {
  redisUrl: string;
  /** Where its bus connects, when not `redisUrl` (a TCP proxy the test cuts). */
  busUrl?: string;
  prefix: string;
  channel: string;
  l1TtlMs?: number;
}): Promise<ForkedInstance> {
  const child = fork(new URL('./instance-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      KIT_REDIS_URL: env.redisUrl,
      KIT_PREFIX: env.prefix,
      KIT_CHANNEL: env.channel,
      ...(env.busUrl ? { KIT_BUS_URL: env.busUrl } : {}),
      ...(env.l1TtlMs ? { KIT_L1_TTL_MS: String(env.l1TtlMs) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const remote: BusMessage[] = [];
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)));
    child.on(
      'message',
      (reply: {
        id?: number;
        event?: string;
        message?: BusMessage;
        result?: unknown;
        error?: string;
      }) => {
        if (reply.event === 'ready') resolve();
        if (reply.event === 'remote' && reply.message) remote.push(reply.message);
        if (reply.id === undefined) return;
        const call = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) call?.reject(new Error(reply.error));
        else call?.resolve(reply.result === null ? undefined : reply.result);
      },
    );
  });
  await ready;
  const call = (op: string, ...args: unknown[]) => {
    const id = next++;
    return new Promise<unknown>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      child.send({ id, op, args });
    });
  };
  return {
    remote,
    call,
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => {});
      const late = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(late);
    },
  };
}
