/**
 * `pnpm worker`: runs the tasks the API queues on Redis (REDIS_QUEUE_URL, else REDIS_URL), in
 * a process of its own, as the original's ARQ worker did. SIGINT/SIGTERM let running tasks
 * finish within SHUTDOWN_TIMEOUT_SECONDS; a task still running then is run again by the next
 * worker (BullMQ finds it stalled).
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

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  const deadlineMs = settings.SHUTDOWN_TIMEOUT_SECONDS * 1000;
  log.logger.info({ signal, deadlineMs }, 'worker shutting down: finishing running tasks');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), deadlineMs);
  });
  if ((await Promise.race([worker.close(), late])) === 'late') {
    log.logger.warn({ deadlineMs }, 'worker deadline passed: running tasks will be run again');
    await worker.close(true);
  }
  clearTimeout(timer);
  await log.close();
  process.exit(0);
}
// `on`, not `once`: a repeated signal must not kill the worker half-way through its shutdown.
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
