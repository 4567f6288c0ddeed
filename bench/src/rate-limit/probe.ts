import { oursRateLimit as ours } from './ours.js';
import { rateLimiterMemory } from './peers.js';

/*
 * One in-memory rate-limit row under callgrind: `probe.ts <row> <keySpace>`, forked by
 * instructions.ts with an IPC channel. It builds the row's operation, reports `ready`, then
 * answers each `{ run: n }` by running n operations one after another (each awaited, as the
 * throughput rows do) and reporting `done`; the driver zeroes and dumps the counters around it.
 */

/** The rows, by the ids of the throughput section. */
export const PROBE_ROWS = {
  'ours-memory-store': (k: number) => ours.memoryStoreConsume(k),
  'ours-memory-store-3w': (k: number) => ours.memoryStoreConsumeThree(k),
  'ours-memory-check': (k: number) => ours.memoryCheck(k),
  'ours-memory-check-user': (k: number) => ours.memoryCheckUser(k),
  'ours-memory-check-user-default': (k: number) => ours.memoryCheckUserDefault(k),
  'ours-memory-check-controls': (k: number) => ours.memoryCheckControls(k),
  'ours-memory-check-3w': (k: number) => ours.memoryCheckThree(k),
  rlm: (k: number) => rateLimiterMemory(k),
} as const;
export type ProbeRow = keyof typeof PROBE_ROWS;

export type ProbeMessage = { type: 'ready' } | { type: 'done' };

if (process.send) {
  const [row = '', keySpace = '10000'] = process.argv.slice(2);
  const build = PROBE_ROWS[row as ProbeRow];
  if (build === undefined) throw new Error(`unknown probe row ${row}`);
  const op = build(Number(keySpace));
  let i = 0;
  process.on('message', async (message: { run: number }) => {
    for (const end = i + message.run; i < end; i++) await op(i);
    process.send!({ type: 'done' } satisfies ProbeMessage);
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' } satisfies ProbeMessage);
}
