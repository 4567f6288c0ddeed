/** Loads subpaths in the consumer app with plain Node, through `import()` and `require()`. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Consumer } from './consumer.js';
import type { Subpath } from './exports.js';

/** Per specifier: its export names (a JSON file: its `name`), or why it failed to load. */
export type Loaded = Record<string, { names: string[] } | { error: string }>;

// Each specifier is loaded on its own, so one broken subpath does not hide the others.
const body = `
const out = {};
for (const { specifier, json } of JSON.parse(process.argv[2])) {
  try {
    const loaded = await load(specifier, json);
    out[specifier] = { names: json ? [loaded.name] : Object.keys(loaded).sort() };
  } catch (error) {
    out[specifier] = { error: String((error && error.stack) || error) };
  }
}
process.stdout.write(JSON.stringify(out));
`;

const loaders = {
  esm: {
    file: 'load.mjs',
    source: `const load = async (specifier, json) =>
  json ? (await import(specifier, { with: { type: 'json' } })).default : import(specifier);
${body}`,
  },
  cjs: {
    file: 'load.cjs',
    source: `const load = async (specifier) => require(specifier);
(async () => {${body}})();`,
  },
};

export async function loadAll(
  consumer: Consumer,
  format: keyof typeof loaders,
  subpaths: Subpath[],
): Promise<Loaded> {
  const loader = loaders[format];
  await writeFile(join(consumer.dir, loader.file), loader.source);
  const result = await consumer.run('node', [loader.file, JSON.stringify(subpaths)]);
  if (result.code !== 0) {
    throw new Error(`node ${loader.file} exited ${result.code}:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as Loaded;
}

/** The specifiers that failed, with the first lines of their error. */
export function failures(loaded: Loaded): string[] {
  return Object.entries(loaded).flatMap(([specifier, outcome]) =>
    'error' in outcome
      ? [`${specifier}: ${outcome.error.split('\n').slice(0, 3).join(' | ')}`]
      : [],
  );
}
