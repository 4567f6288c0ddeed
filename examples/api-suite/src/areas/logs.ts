import { randomBytes } from 'node:crypto';
import { readdir, readFile, realpath } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../client.js';
import { type ApiSuiteTarget, type RunningApp, SUITE_ENV } from '../fixtures.js';
import type { TestApi } from '../test-api.js';

const freshLogFile = () =>
  join(tmpdir(), `kit-api-suite-logs-${randomBytes(6).toString('hex')}`, 'app.log');

/** The JSON lines of a log file so far (none while it does not exist yet). */
async function logLines(file: string): Promise<Record<string, unknown>[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Sends the head and the start of a body, then drops the connection before the rest. */
async function abandonRequest(baseUrl: string, path: string, contentType: string): Promise<void> {
  const { hostname, port } = new URL(baseUrl);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: ${contentType}\r\n` +
      'Content-Length: 1000\r\n\r\n{"name":',
  );
  // Long enough for the server to be reading the body when the client leaves.
  await new Promise((resolve) => setTimeout(resolve, 150));
  socket.destroy();
}

/** Log levels of client disconnects, and one live log (and link) per running instance. */
export function registerLogs(target: ApiSuiteTarget, t: TestApi) {
  const { afterAll, describe, expect, it } = t;
  describe(`${target.name}: logs`, () => {
    const running: RunningApp[] = [];
    afterAll(async () => {
      for (const app of running) await app.close();
    });

    it('logs a client that leaves mid-request at debug level, never as an error', async () => {
      const logFile = freshLogFile();
      const app = await target.start({ ...SUITE_ENV, LOG_FILE: logFile, LOG_LEVEL: 'debug' });
      running.push(app);
      await abandonRequest(app.baseUrl, '/api/v1/user', 'application/json');
      await abandonRequest(app.baseUrl, '/api/v1/login', 'application/x-www-form-urlencoded');
      const current = join(logFile, '..', 'current.log');
      const gone = await eventually(
        async () => {
          const lines = (await logLines(current)).filter((line) =>
            String(line.msg).includes('client closed'),
          );
          return lines.length >= 2 ? lines : undefined;
        },
        10_000,
        'two "client closed" lines',
      );
      expect(gone.map((line) => line.level)).toEqual([20, 20]);
      // The app still answers, and nothing was logged as a warning or an error.
      expect((await fetch(`${app.baseUrl}/api/v1/tiers`)).status).toBe(200);
      const loud = (await logLines(current)).filter((line) => Number(line.level) >= 40);
      expect(loud).toEqual([]);
    });

    it('gives each of two instances sharing LOG_FILE its own live log and link', async () => {
      const logFile = freshLogFile();
      const dir = join(logFile, '..');
      const first = await target.start({ ...SUITE_ENV, LOG_FILE: logFile, LOG_LEVEL: 'info' });
      running.push(first);
      const second = await target.start({ ...SUITE_ENV, LOG_FILE: logFile, LOG_LEVEL: 'info' });
      running.push(second);
      const own = (await readdir(dir)).filter((name) => name.startsWith('instance-'));
      expect(own, 'the second instance writes into a directory of its own').toHaveLength(1);
      const secondDir = join(dir, own[0]!);
      const links = [join(dir, 'current.log'), join(secondDir, 'current.log')];
      const [firstLines, secondLines] = await Promise.all(
        links.map((link) =>
          eventually(
            async () => {
              const lines = await logLines(link);
              return lines.some((line) => String(line.msg).includes('migrations'))
                ? lines
                : undefined;
            },
            10_000,
            `the startup lines in ${link}`,
          ),
        ),
      );
      const [firstFile, secondFile] = await Promise.all(links.map((link) => realpath(link)));
      expect(firstFile).not.toBe(secondFile);
      expect(await realpath(logFile)).toBe(firstFile);
      expect(await realpath(join(secondDir, 'app.log'))).toBe(secondFile);
      const moved = (lines: Record<string, unknown>[]) =>
        lines.filter((line) => String(line.msg).includes('another instance'));
      expect(moved(firstLines!)).toEqual([]);
      expect(moved(secondLines!)).toHaveLength(1);
    });
  });
}
