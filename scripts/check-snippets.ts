/**
 * `pnpm check:snippets [file.md ...]`: type-checks every ```ts / ```typescript block of
 * README.md, docs/*.md and packages/*\/README.md, each as its own module, with strict settings
 * against the built packages (`@kit/rate-limiter`, `@kit/cache` resolve to their dist through
 * the `exports` map, as for a user), the framework and ioredis types, and the example apps'
 * shared package. Markers are described
 * in `scripts/snippets/extract.ts`. Errors are reported at the markdown file and line.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { publishedPackages, repoRoot } from './pack-packages.js';
import { extractSnippets, type MarkerError, type Snippet } from './snippets/extract.js';

/**
 * What a snippet may import besides our packages, each linked from the workspace package that
 * has it installed. `@kit/example-shared` lets docs/examples.md quote the apps' real types;
 * vitest is the runner the store conformance suites are shown with.
 */
const OTHER_MODULES = [
  '@kit/example-shared',
  'express',
  '@types/express',
  'hono',
  '@hono/node-server',
  'fastify',
  'ioredis',
  '@opentelemetry/api',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-prometheus',
  '@types/node',
  'vitest',
];

// The house settings (tsconfig.base.json), as strict as the packages' own code.
const COMPILER_OPTIONS = {
  target: 'ES2022',
  lib: ['ES2023'],
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  noUncheckedIndexedAccess: true,
  noImplicitOverride: true,
  verbatimModuleSyntax: true,
  esModuleInterop: true,
  // Each block is a module of its own, even one without import or export.
  moduleDetection: 'force',
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
};

function markdownFiles(args: string[]): string[] {
  if (args.length > 0) return args.map((file) => relative(repoRoot, resolve(file)));
  const docs = readdirSync(join(repoRoot, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`);
  const readmes = publishedPackages().map((pkg) => `${relative(repoRoot, pkg.dir)}/README.md`);
  return ['README.md', ...docs.sort(), ...readmes];
}

/** The first workspace package (root first) that has `name` installed. */
function installedDir(name: string): string {
  const roots = [repoRoot];
  for (const group of ['packages', 'examples']) {
    for (const entry of readdirSync(join(repoRoot, group)))
      roots.push(join(repoRoot, group, entry));
  }
  for (const root of roots) {
    const dir = join(root, 'node_modules', name);
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
  }
  throw new Error(`no workspace package has ${name} installed: run \`pnpm install\``);
}

/** A temp project whose node_modules links the built packages and the third-party types. */
function createProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kit-snippets-'));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  const link = (name: string, target: string) => {
    const path = join(dir, 'node_modules', name);
    mkdirSync(dirname(path), { recursive: true });
    symlinkSync(target, path, 'dir');
  };
  for (const pkg of publishedPackages()) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      throw new Error(`${pkg.name} has no dist/: run \`pnpm build\` first`);
    }
    link(pkg.name, pkg.dir);
  }
  for (const name of OTHER_MODULES) link(name, installedDir(name));
  return dir;
}

function moduleName(snippet: Snippet): string {
  return `${snippet.file.replace(/[^\w.-]+/g, '_')}_L${snippet.line}.ts`;
}

/** Prelude first, then the block: a block line maps back to `fence line + 1 + offset`. */
function moduleSource(snippet: Snippet): { source: string; preludeLines: number } {
  const prelude = snippet.prelude === '' ? [] : snippet.prelude.split('\n');
  return { source: [...prelude, snippet.code, ''].join('\n'), preludeLines: prelude.length };
}

function main(): void {
  const files = markdownFiles(process.argv.slice(2));
  const snippets: Snippet[] = [];
  const markerErrors: MarkerError[] = [];
  for (const file of files) {
    const found = extractSnippets(file, readFileSync(join(repoRoot, file), 'utf8'));
    snippets.push(...found.snippets);
    markerErrors.push(...found.errors);
  }
  const checked = snippets.filter((s) => s.skip === undefined);
  const skipped = snippets.filter((s) => s.skip !== undefined);

  const dir = createProject();
  try {
    const byPath = new Map<string, { snippet: Snippet; preludeLines: number }>();
    for (const snippet of checked) {
      const path = join(dir, moduleName(snippet));
      const { source, preludeLines } = moduleSource(snippet);
      writeFileSync(path, source);
      byPath.set(path, { snippet, preludeLines });
    }
    const { options, errors } = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, dir);
    if (errors.length > 0)
      throw new Error(ts.flattenDiagnosticMessageText(errors[0]!.messageText, '\n'));
    const program = ts.createProgram([...byPath.keys()], options);

    const failedBlocks = new Set<Snippet>();
    // [markdown file, line, text], sorted for the report; the line of a prelude error is its block's.
    const reports: Array<[string, number, string]> = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n  ');
      const owner = diagnostic.file && byPath.get(diagnostic.file.fileName);
      if (!owner || diagnostic.start === undefined) {
        reports.push(['', 0, `error TS${diagnostic.code}: ${message}`]);
        continue;
      }
      const { snippet, preludeLines } = owner;
      failedBlocks.add(snippet);
      const at = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start);
      const inPrelude = at.line < preludeLines;
      const line = inPrelude ? snippet.line : snippet.line + 1 + at.line - preludeLines;
      const where = inPrelude
        ? `${snippet.file}:${line} (snippet-prelude line ${at.line + 1})`
        : `${snippet.file}:${line}:${at.character + 1}`;
      reports.push([snippet.file, line, `${where} error TS${diagnostic.code}: ${message}`]);
    }
    for (const error of markerErrors) {
      reports.push([error.file, error.line, `${error.file}:${error.line} ${error.message}`]);
    }
    reports.sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1]);
    for (const [, , text] of reports) console.log(text);

    console.log(
      `\ncheck:snippets: ${snippets.length} TypeScript blocks in ${files.length} files: ` +
        `${checked.length - failedBlocks.size} compile, ${failedBlocks.size} fail, ` +
        `${skipped.length} skipped by marker.`,
    );
    for (const s of skipped) console.log(`  skipped ${s.file}:${s.line}: ${s.skip}`);
    const failed = [...failedBlocks].sort(
      (a, b) => a.file.localeCompare(b.file) || a.line - b.line,
    );
    for (const s of failed) console.log(`  failed  ${s.file}:${s.line}`);
    if (markerErrors.length > 0) console.log(`  ${markerErrors.length} marker errors`);
    if (reports.length > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
