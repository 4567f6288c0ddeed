/** Type-checks a consumer file importing every subpath, under one `moduleResolution`. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Consumer } from './consumer.js';
import type { Subpath } from './exports.js';

export type Resolution = 'node16' | 'nodenext' | 'bundler' | 'node10';

/**
 * node16 and nodenext check an ESM (.mts) and a CommonJS (.cts) consumer, so both the `import`
 * and the `require` declarations are read; bundler reads `import`; node10 is the pre-exports
 * resolution that TypeScript still accepts.
 */
const setups: Record<Resolution, { module: string; extensions: string[] }> = {
  node16: { module: 'node16', extensions: ['.mts', '.cts'] },
  nodenext: { module: 'nodenext', extensions: ['.mts', '.cts'] },
  bundler: { module: 'esnext', extensions: ['.ts'] },
  node10: { module: 'commonjs', extensions: ['.ts'] },
};

export interface TypeCheck {
  code: number | null;
  /** tsc's error lines: `consumer.mts(2,20): error TS2307: Cannot find module ...` */
  errors: string[];
}

export async function typeCheck(
  consumer: Consumer,
  subpaths: Subpath[],
  resolution: Resolution,
): Promise<TypeCheck> {
  const typed = subpaths.filter((s) => !s.json);
  const source = [
    ...typed.map((s, i) => `import * as m${i} from '${s.specifier}';`),
    // Using every namespace keeps each import a real, checked dependency of the file.
    `export const modules = [${typed.map((_, i) => `m${i}`).join(', ')}];`,
    '',
  ].join('\n');
  return typeCheckSource(consumer, `consumer-${resolution}`, source, resolution);
}

/**
 * Type-checks `source` as a user's file named `name` (one file per extension the resolution
 * reads), strict, with the packages' own declarations checked too.
 */
export async function typeCheckSource(
  consumer: Consumer,
  name: string,
  source: string,
  resolution: Resolution,
): Promise<TypeCheck> {
  const setup = setups[resolution];
  // Files of their own per check: the checks run concurrently.
  const files = setup.extensions.map((extension) => `${name}${extension}`);
  for (const file of files) await writeFile(join(consumer.dir, file), source);
  const config = {
    compilerOptions: {
      module: setup.module,
      moduleResolution: resolution,
      target: 'es2022',
      lib: ['es2023'],
      types: ['node'],
      strict: true,
      noEmit: true,
      // The packages' own .d.ts files are what is under test: a declaration importing a module
      // that is not shipped only errors when library files are checked.
      skipLibCheck: false,
    },
    files,
  };
  const tsconfig = `tsconfig.${name}.json`;
  await writeFile(join(consumer.dir, tsconfig), JSON.stringify(config, null, 2));
  const result = await consumer.run('node', ['node_modules/typescript/bin/tsc', '-p', tsconfig]);
  const errors = result.stdout.split('\n').filter((line) => /error TS\d+:/.test(line));
  // A failure that printed no diagnostic (a crash, a bad option) must not read as "no errors".
  if (result.code !== 0 && errors.length === 0) {
    errors.push(`tsc exited ${result.code}: ${result.stdout}${result.stderr}`.trim());
  }
  return { code: result.code, errors };
}
