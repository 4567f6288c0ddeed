/**
 * A throwaway app outside the repository that installs the packed tarballs with npm, as a user
 * would: nothing in it can reach the workspace's node_modules or sources.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { packPackages, publishedPackages, repoRoot } from '../../scripts/pack-packages.js';
import type { Manifest } from './exports.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PackedPackage {
  name: string;
  tarball: string;
  /** The tarball's file list, without the `package/` prefix npm puts in front. */
  entries: string[];
  /** Where the tarball was unpacked, to read its files as shipped. */
  unpacked: string;
  manifest: Manifest;
}

export interface Consumer {
  dir: string;
  packages: PackedPackage[];
  run(command: string, args: string[]): Promise<RunResult>;
  remove(): Promise<void>;
}

/** The environment a user's shell would have: pnpm's `npm_*` variables would steer npm. */
function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) || key === 'NODE_PATH' || key === 'NODE_OPTIONS') continue;
    env[key] = value;
  }
  return env;
}

export function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function mustRun(command: string, args: string[], cwd: string): Promise<RunResult> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) {
    const output = `${result.stdout}\n${result.stderr}`.trim();
    throw new Error(`${command} ${args.join(' ')} exited ${result.code} in ${cwd}:\n${output}`);
  }
  return result;
}

/** The version the workspace tests with, so the consumer type-checks against the same peers. */
function workspaceVersion(name: string, from: string): string {
  const manifest = join(from, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

async function unpack(tarball: string, into: string): Promise<PackedPackage> {
  const listing = await mustRun('tar', ['-tzf', tarball], into);
  const entries = listing.stdout
    .split('\n')
    .filter(Boolean)
    .map((entry) => entry.replace(/^package\//, ''));
  const unpacked = join(into, basename(tarball, '.tgz'));
  await mkdir(unpacked, { recursive: true });
  await mustRun('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], into);
  const manifest = JSON.parse(await readFile(join(unpacked, 'package.json'), 'utf8')) as Manifest;
  return { name: manifest.name, tarball, entries, unpacked, manifest };
}

/**
 * Packs the packages as built (`pnpm build` runs first in `pnpm test`), unpacks each tarball,
 * and installs both with typescript and every optional peer into a fresh temp project.
 */
export async function createConsumer(): Promise<Consumer> {
  const published = publishedPackages();
  for (const pkg of published) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` before the packaging test`);
    }
  }
  const dir = realpathSync(await mkdtemp(join(tmpdir(), 'kit-packaging-')));
  if (`${dir}${sep}`.startsWith(realpathSync(repoRoot))) {
    throw new Error(`the consumer must live outside the repository, got ${dir} (set TMPDIR)`);
  }
  try {
    const tarballs = packPackages(join(dir, 'tarballs'), published);
    const packages = await Promise.all(tarballs.map((file) => unpack(file, join(dir, 'tarballs'))));
    const app = join(dir, 'app');
    await mkdir(app);
    await writeFile(
      join(app, 'package.json'),
      `${JSON.stringify({ name: 'kit-packaging-consumer', private: true }, null, 2)}\n`,
    );
    // Each peer at the version installed in the package that has it (the cache has no OpenTelemetry).
    const peersFrom = (name: string) =>
      (
        published.find((p) => existsSync(join(p.dir, 'node_modules', name, 'package.json'))) ??
        published[0]!
      ).dir;
    const versioned = (name: string, from: string) => `${name}@${workspaceVersion(name, from)}`;
    await mustRun(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...tarballs,
        versioned('typescript', repoRoot),
        versioned('@types/node', repoRoot),
        ...[
          'ioredis',
          'express',
          '@types/express',
          'hono',
          'fastify',
          // Augments Fastify's RouteOptions, as many plugins do: the route config must still type.
          '@fastify/compress',
          '@opentelemetry/api',
        ].map((name) => versioned(name, peersFrom(name))),
      ],
      app,
    );
    return {
      dir: app,
      packages,
      run: (command, args) => run(command, args, app),
      remove: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
