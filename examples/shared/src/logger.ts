import { lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import pino, { type Logger } from 'pino';
import { claimLogDirectory, type LogPlacement } from './log-directory.js';
import { resolveProjectPath, type Settings } from './settings.js';

export type { Logger } from 'pino';

/** Bytes before `logs/app.log` rolls over, and how many files are kept in all. */
const ROTATE_SIZE = '10m';
const KEPT_FILES = 5;
const CLOSE_TIMEOUT_MS = 2000;

/**
 * pino to stdout and, unless `LOG_FILE` is empty, to a rotating file (10 MB, 5 files kept) written
 * by pino-roll in a worker thread so logging never blocks a request.
 *
 * @example
 * const { logger, close } = createLogger(settings);
 */
export function createLogger(settings: Settings): { logger: Logger; close(): Promise<void> } {
  const level = settings.LOG_LEVEL;
  if (level === 'silent') return { logger: pino({ level }), close: async () => {} };

  const targets: pino.TransportTargetOptions[] = [
    { target: 'pino/file', level, options: { destination: 1 } },
  ];
  let placement: LogPlacement | undefined;
  if (settings.LOG_FILE !== '') {
    placement = claimLogDirectory(resolveProjectPath(settings.LOG_FILE));
    const file = placement.file;
    const { name, ext } = parse(file);
    // pino-roll links current.log before its own mkdir has run: make the directory first.
    mkdirSync(dirname(file), { recursive: true });
    linkStableName(file);
    targets.push({
      target: 'pino-roll',
      level,
      options: {
        // pino-roll numbers the files (app.1.log, app.2.log, ...) and keeps current.log pointing
        // at the one being written.
        file: join(dirname(file), name),
        extension: ext || '.log',
        size: ROTATE_SIZE,
        limit: { count: KEPT_FILES - 1, removeOtherLogFiles: true },
        symlink: true,
        mkdir: true,
      },
    });
  }
  const transport = pino.transport({ targets });
  // A failing log file (disk full, permissions) must not bring the server down.
  transport.on('error', (error: Error) => console.error('[logger]', error.message));
  const logger = pino({ level }, transport);
  if (placement?.moved) {
    logger.info({ logFile: placement.file }, 'another instance logs to LOG_FILE: logging here');
  }
  return {
    logger,
    close: () =>
      new Promise<void>((resolvePromise) => {
        // The transport's worker is unref'd: without this timer the process could exit (or a
        // top-level await be left unsettled) before the worker has written its last lines.
        const timer = setTimeout(resolvePromise, CLOSE_TIMEOUT_MS);
        const done = () => {
          clearTimeout(timer);
          resolvePromise();
        };
        logger.flush(() => {
          transport.once('close', done);
          transport.end();
        });
      }).finally(() => placement?.release()),
  };
}

/**
 * pino-roll numbers its files (app.1.log, ...) and keeps `current.log` pointing at the active
 * one; `app.log` links to that link, so the configured name always reads the live log.
 */
function linkStableName(file: string): void {
  try {
    lstatSync(file);
    return; // Already there: our link from an earlier start, or a file we leave alone.
  } catch {}
  try {
    symlinkSync('current.log', file);
  } catch (error) {
    console.error('[logger] could not link', file, (error as Error).message);
  }
}
