/**
 * `pnpm pack:packages`: builds the published packages and writes their tarballs to `packed/`
 * (`packed/kit-cache-<version>.tgz`, ...), which is how a user installs them until they are on the
 * registry. The packaging test imports `packPackages` to pack the same way.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot: string = fileURLToPath(new URL('..', import.meta.url));
export const packedDir: string = join(repoRoot, 'packed');

export interface PublishedPackage {
  name: string;
  version: string;
  dir: string;
  /** The file name `pnpm pack` gives the tarball: `@kit/cache` 0.1.0 is `kit-cache-0.1.0.tgz`. */
  tarball: string;
}

/**
 * Every `packages/*` that is not private. Read from disk rather than listed, so a new package is
 * packed (and tested) without editing this file; `@kit/internal` is private and never packed.
 */
export function publishedPackages(): PublishedPackage[] {
  const root = join(repoRoot, 'packages');
  const found: PublishedPackage[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const manifestPath = join(root, entry.name, 'package.json');
    if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      name: string;
      version: string;
      private?: boolean;
    };
    if (manifest.private === true) continue;
    const tarball = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}.tgz`;
    found.push({ ...manifest, dir: join(root, entry.name), tarball });
  }
  return found;
}

/**
 * Packs each package as it is on disk (no build) into `destination` and returns the tarball
 * paths. `pnpm pack`, not `npm pack`: it is what `pnpm publish` ships, and it rewrites
 * `workspace:` ranges that npm would leave in the manifest.
 */
export function packPackages(destination: string, packages = publishedPackages()): string[] {
  mkdirSync(destination, { recursive: true });
  return packages.map((pkg) => {
    execFileSync('pnpm', ['pack', '--pack-destination', destination], {
      cwd: pkg.dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const file = join(destination, pkg.tarball);
    if (!existsSync(file)) throw new Error(`pnpm pack in ${pkg.dir} wrote no ${file}`);
    return file;
  });
}

function main(): void {
  const packages = publishedPackages();
  const filters = packages.flatMap((pkg) => ['--filter', pkg.name]);
  execFileSync('pnpm', [...filters, 'run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  // Drop tarballs of earlier versions: `npm install packed/*.tgz` must not get two of a package.
  if (existsSync(packedDir)) {
    for (const file of readdirSync(packedDir)) {
      if (file.endsWith('.tgz')) rmSync(join(packedDir, file));
    }
  }
  const tarballs = packPackages(packedDir, packages);
  console.log(`\nWrote ${tarballs.map((file) => relative(repoRoot, file)).join(', ')}.`);
  console.log('Install them in your app (peers as you need them: ioredis, express, hono):\n');
  console.log(`  npm install ${tarballs.join(' ')}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
