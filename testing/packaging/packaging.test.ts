/**
 * The packages as a user meets them: packed, installed with npm into an app outside the
 * repository, loaded from ESM and CommonJS, and type-checked under each `moduleResolution`. The
 * subpaths come from each tarball's own `exports` map, so a new subpath is covered when it lands.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishedPackages } from '../../scripts/pack-packages.js';
import { type Consumer, createConsumer, type PackedPackage } from './consumer.js';
import { exportedSubpaths, moduleSpecifiers, type Subpath, targetFiles } from './exports.js';
import { failures, type Loaded, loadAll } from './load.js';
import { type Resolution, typeCheck, typeCheckSource } from './typecheck.js';

const ctx = {} as { consumer: Consumer };
beforeAll(async () => {
  ctx.consumer = await createConsumer();
});
afterAll(async () => {
  await ctx.consumer?.remove();
});

const packed = (name: string): PackedPackage => {
  const pkg = ctx.consumer.packages.find((p) => p.name === name);
  if (!pkg) throw new Error(`${name} was not packed`);
  return pkg;
};
const names = (loaded: Loaded, s: Subpath) => {
  const outcome = loaded[s.specifier];
  return outcome && 'names' in outcome ? outcome.names : undefined;
};
const allSubpaths = () => ctx.consumer.packages.flatMap((p) => exportedSubpaths(p.manifest));

it('packs both public packages and never the private @kit/internal', () => {
  const packedNames = ctx.consumer.packages.map((p) => p.name);
  expect(packedNames).toEqual(expect.arrayContaining(['@kit/rate-limiter', '@kit/cache']));
  expect(packedNames).not.toContain('@kit/internal');
});

describe.each(publishedPackages())('$name', ({ name }) => {
  it('ships README.md, LICENSE, package.json and dist/ only', () => {
    const { entries, manifest } = packed(name);
    const shipped = new Set(entries);
    const outside = entries.filter(
      (e) => !['README.md', 'LICENSE', 'package.json'].includes(e) && !e.startsWith('dist/'),
    );
    expect(outside, 'files outside README.md, LICENSE, package.json and dist/').toEqual([]);
    for (const file of ['README.md', 'LICENSE', 'package.json']) expect(entries).toContain(file);
    const unshipped = targetFiles(manifest.exports)
      .map((file) => file.replace(/^\.\//, ''))
      .filter((file) => !shipped.has(file));
    expect(unshipped, 'files the exports map names but the tarball lacks').toEqual([]);
  });

  it('ships a README that works outside the repository and the MIT license', async () => {
    const { unpacked } = packed(name);
    const readme = await readFile(join(unpacked, 'README.md'), 'utf8');
    expect(readme.startsWith(`# ${name}\n`), 'README starts with the package name').toBe(true);
    // npm shows the README alone: a relative link there points at nothing.
    const relativeLinks = [...readme.matchAll(/\]\(([^)\s]+)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^(https?:|mailto:|#)/.test(target));
    expect(relativeLinks, 'relative links in the README').toEqual([]);
    const license = await readFile(join(unpacked, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the @kit authors\n/);
  });

  it('references @kit/internal nowhere in its code, types or dependencies', async () => {
    const { entries, unpacked, manifest } = packed(name);
    const code = entries.filter((e) => /\.[cm]?js$|\.d\.[cm]?ts$/.test(e));
    expect(code.length).toBeGreaterThan(0);
    const offenders: string[] = [];
    for (const file of code) {
      const text = await readFile(join(unpacked, file), 'utf8');
      // The name anywhere (even a comment), or a relative import of its sources that tsup did
      // not inline. esbuild's `// ../internal/src/log.ts` markers above inlined code are fine.
      const intoInternal = moduleSpecifiers(text).filter((s) => /(^|\/)internal\//.test(s));
      if (text.includes('@kit/internal') || intoInternal.length > 0) offenders.push(file);
    }
    expect(offenders, 'shipped files that still reach into @kit/internal').toEqual([]);
    const installed = { ...manifest.dependencies, ...manifest.peerDependencies };
    Object.assign(installed, manifest.optionalDependencies);
    expect(Object.keys(installed)).not.toContain('@kit/internal');
    expect(JSON.stringify(manifest), 'an unrewritten workspace: range').not.toContain('workspace:');
  });

  it('loads every exported subpath with import()', async () => {
    const subpaths = exportedSubpaths(packed(name).manifest);
    expect(subpaths.map((s) => s.subpath)).toContain('.');
    const esm = await loadAll(ctx.consumer, 'esm', subpaths);
    expect(failures(esm), 'import() failures').toEqual([]);
    for (const s of subpaths) {
      expect(names(esm, s), `${s.specifier} exports nothing`).not.toEqual([]);
      if (s.json) expect(names(esm, s)).toEqual([name]);
    }
  });

  it('loads every exported subpath with require(), with the same exports as import()', async () => {
    const subpaths = exportedSubpaths(packed(name).manifest);
    const [esm, cjs] = await Promise.all([
      loadAll(ctx.consumer, 'esm', subpaths),
      loadAll(ctx.consumer, 'cjs', subpaths),
    ]);
    expect(failures(cjs), 'require() failures').toEqual([]);
    for (const s of subpaths) {
      expect(names(cjs, s), `${s.specifier}: require() and import() disagree`).toEqual(
        names(esm, s),
      );
    }
  });
});

// Each check is one tsc process (about 4 s of CPU alone): run together, with room for a busy
// machine, where one took over 60 s.
describe.concurrent('types of every subpath of both packages', { timeout: 150_000 }, () => {
  it.for<Resolution>(['node16', 'nodenext', 'bundler'])(
    'type-check under moduleResolution %s',
    async (resolution, { expect }) => {
      const result = await typeCheck(ctx.consumer, allSubpaths(), resolution);
      expect(result.errors).toEqual([]);
      expect(result.code).toBe(0);
    },
  );

  it('node10 finds the root imports only, as the READMEs say', async ({ expect }) => {
    const subpaths = allSubpaths().filter((s) => !s.json);
    const result = await typeCheck(ctx.consumer, subpaths, 'node10');
    const unresolved = result.errors
      .map((line) => /error TS2307: Cannot find module '([^']+)'/.exec(line)?.[1] ?? line)
      .sort();
    const deepImports = subpaths.filter((s) => s.subpath !== '.').map((s) => s.specifier);
    expect(unresolved).toEqual(deepImports.sort());
  });
});

// Another plugin that augments Fastify's `RouteOptions` (here @fastify/compress) once made
// `config.cache` resolve to Fastify's own RouteOptions inside the package's `declare module`.
it('types config.cache and config.rateLimit on a Fastify app that also uses @fastify/compress', {
  timeout: 150_000,
}, async () => {
  const source = `
import fastifyCompress from '@fastify/compress';
import Fastify from 'fastify';
import { createCache } from '@kit/cache';
import { cachePlugin } from '@kit/cache/fastify';
import { memoryStore as cacheMemory } from '@kit/cache/memory';
import { createRateLimiter } from '@kit/rate-limiter';
import { rateLimitPlugin } from '@kit/rate-limiter/fastify';
import { memoryStore } from '@kit/rate-limiter/memory';

const app = Fastify();
await app.register(cachePlugin, { cache: createCache({ store: cacheMemory() }) });
await app.register(fastifyCompress);
const limiter = createRateLimiter({ store: memoryStore(), defaultRule: { limit: 10, period: 60 } });
await app.register(rateLimitPlugin, { limiter });
app.get<{ Params: { id: string } }>(
  '/posts/:id',
  { config: { cache: { keyPrefix: 'post', resourceIdName: 'id', expiration: '1 h' }, rateLimit: { cost: 2 } } },
  async (request) => ({ id: request.params.id.toUpperCase() }),
);
// @ts-expect-error: a typo in a cache option is caught
app.get('/typo', { config: { cache: { keyPrefx: 'x' } } }, async () => ({}));
export {};
`;
  const result = await typeCheckSource(ctx.consumer, 'fastify-plugins', source, 'bundler');
  expect(result.errors).toEqual([]);
  expect(result.code).toBe(0);
});
