/**
 * One app instance in its own process, for the two-process bus tests: a layered store
 * (memory l1, Redis l2, Redis bus) driven over the IPC channel of `child_process.fork`.
 * Requests `{ id, op, args }` answer `{ id, result }` or `{ id, error }`; each message from the
 * other instance is reported as `{ event: 'remote', message }`.
 */
import { Redis } from 'ioredis';
import { createLayeredStore } from '../../src/layered-store.js';
import { memoryStore } from '../../src/stores/memory.js';
import { redisStore } from '../../src/stores/redis.js';
import { redisBus } from '../../src/stores/redis-bus.js';
import { lifetimeOf } from './values.js';

const { KIT_REDIS_URL, KIT_BUS_URL, KIT_PREFIX, KIT_CHANNEL, KIT_L1_TTL_MS } = process.env;
if (!KIT_REDIS_URL || !KIT_PREFIX || !KIT_CHANNEL) throw new Error('KIT_* variables missing');
const send = (message: unknown) => process.send?.(message);

const client = new Redis(KIT_REDIS_URL);
// The bus may go through another link (a TCP proxy the test cuts), its l2 staying direct.
const busClient = KIT_BUS_URL ? new Redis(KIT_BUS_URL, { maxRetriesPerRequest: 1 }) : client;
busClient.on('error', () => {});
const store = createLayeredStore({
  l1: memoryStore(),
  l2: redisStore({ client, prefix: KIT_PREFIX }),
  bus: redisBus({ client: busClient, channel: KIT_CHANNEL, heartbeat: '100 ms' }),
  l1TtlMs: Number(KIT_L1_TTL_MS ?? 60_000),
  logger: { warn: () => {}, error: (details, message) => console.error(message, details) },
  lifetimeOf,
  onRemoteInvalidation: (message) => send({ event: 'remote', message }),
});
await store.start();

type Op =
  | 'get'
  | 'set'
  | 'delete'
  | 'deletePattern'
  | 'deleteTags'
  | 'clear'
  | 'coherent'
  | 'close';
process.on('message', async ({ id, op, args }: { id: number; op: Op; args: unknown[] }) => {
  try {
    if (op === 'coherent') {
      send({ id, result: store.coherent });
      return;
    }
    if (op === 'close') {
      await store.close();
      client.disconnect();
      busClient.disconnect();
      send({ id, result: null });
      process.disconnect();
      return;
    }
    const run = store[op] as (...values: unknown[]) => Promise<unknown>;
    send({ id, result: (await run(...args)) ?? null });
  } catch (error) {
    send({ id, error: String(error) });
  }
});
send({ event: 'ready', coherent: store.coherent });
