/**
 * One benchmark row in a process of its own (forked by `RowHost`): builds the row's operation
 * from its `RowRef`, then runs the rounds the parent asks for and reports each with this
 * process's CPU time. Alone in its process, a row's code is compiled for that row only: run in
 * one process, the rows of one library share their functions' type feedback, and each row is
 * measured with the others' shapes mixed in (the reason Node's own benchmark runner gives every
 * configuration a process).
 */
import { Redis, type RedisOptions } from 'ioredis';
import { type Operation, runRound } from '../measure.js';
import type { HostReply, HostRequest } from './protocol.js';
import { buildRow, type HostContext, type RowRef } from './ref.js';

const clients: Redis[] = [];
let op: Operation | undefined;

function reply(message: HostReply): void {
  process.send?.(message);
}

async function build(ref: RowRef, redisUrl: string): Promise<Operation> {
  const context: HostContext = {
    redisUrl,
    async connect(options: RedisOptions = {}) {
      const client = new Redis(redisUrl, { maxRetriesPerRequest: 3, ...options });
      clients.push(client);
      await client.ping();
      return client;
    },
  };
  return buildRow(ref, context);
}

process.on('message', async (message: HostRequest) => {
  try {
    if (message.type === 'build') {
      op = await build(message.ref, message.redisUrl);
      reply({ type: 'built' });
    } else if (message.type === 'round') {
      if (op === undefined) throw new Error('bench: round before build');
      if (message.gc) globalThis.gc?.();
      const before = process.cpuUsage();
      const result = await runRound(op, message.concurrency, message.durationMs);
      const cpu = process.cpuUsage(before);
      reply({ type: 'round', result, cpuUs: cpu.user + cpu.system });
    } else {
      await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
      process.exit(0);
    }
  } catch (error) {
    reply({ type: 'failed', message: (error as Error)?.stack ?? String(error) });
  }
});
reply({ type: 'up' });
