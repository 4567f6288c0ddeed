/**
 * `pnpm worker`: runs the tasks the API queues on Redis (REDIS_QUEUE_URL, else REDIS_URL), in
 * a process of its own, as the original's ARQ worker did. SIGINT/SIGTERM let running tasks
 * finish within SHUTDOWN_TIMEOUT_SECONDS; a task still running then is cancelled and put back
 * in the queue for the next worker. If even that cannot reach Redis, the worker exits anyway
 * and the task runs again once its lock (TASK_LOCK_SECONDS) expires.
 */
import { createLogger } from '../logger.js';
import { queueConfig } from '../services/task-queue.js';
import { startTaskWorker } from '../services/task-worker.js';
import { loadSettings, SettingsError } from '../settings.js';

let settings: ReturnType<typeof loadSettings>;
try {
  // Its own log file unless one is named: two processes must not roll the same files.
  settings = loadSettings({ LOG_FILE: process.env.LOG_FILE ?? 'logs/worker.log' });
} catch (error) {
  console.error(error instanceof SettingsError ? error.message : error);
  process.exit(1);
}
const config = queueConfig(settings);
if (!config) {
  console.error(
    'pnpm worker needs REDIS_URL (or REDIS_QUEUE_URL): without it tasks run in the API process',
  );
  process.exit(1);
}
const log = createLogger(settings);
const worker = startTaskWorker(config, log.logger, settings.TASK_DELAY_MS);
await worker.waitUntilReady();
log.logger.info(
  { queue: config.name, prefix: config.prefix, redis: config.location },
  'worker ready',
);
console.log(
  `\n  Kit example worker: running tasks of queue "${config.name}" on ${config.location}\n`,
);

/** After the deadline, how long cancelled tasks get to go back to the queue (Redis may be gone). */
const HAND_BACK_MS = 2000;

/** Resolves `'late'` if `work` is not done within `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<'done' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'done' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  const deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  log.logger.info({ signal, deadlineMs }, 'worker shutting down: finishing running tasks');
  // Errors of the close are the worker's 'error' events, logged there.
  const closing = worker.close().catch(() => {});
  if ((await within(closing, deadlineMs)) === 'late') {
    log.logger.warn({ deadlineMs }, 'worker deadline passed: running tasks go back to the queue');
    // Not `close(true)`: BullMQ hands back the close already under way, which still waits.
    worker.cancelAllJobs('worker shutdown deadline');
    if ((await within(closing, HAND_BACK_MS)) === 'late') {
      log.logger.warn(
        { lockSeconds: settings.TASK_LOCK_SECONDS },
        'worker exits with tasks not handed back: they run again once their lock expires',
      );
    }
  }
  await log.close();
  process.exit(0);
}
// `on`, not `once`: a repeated signal must not kill the worker half-way through its shutdown.
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
