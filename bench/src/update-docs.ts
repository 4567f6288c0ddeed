import { readFile, writeFile } from 'node:fs/promises';

/*
 * Pastes bench/results/latest.md into docs/benchmarks.md under "## Latest results", one heading
 * level down, so the doc always shows a real run: `pnpm bench && pnpm --filter ./bench docs`.
 */
const MARKER = '## Latest results';
const resultsUrl = new URL('../results/latest.md', import.meta.url);
const docsUrl = new URL('../../docs/benchmarks.md', import.meta.url);

const [results, docs] = await Promise.all([
  readFile(resultsUrl, 'utf8'),
  readFile(docsUrl, 'utf8'),
]);
const [title = '', , stamp = '', ...rest] = results.trim().split('\n');
if (title.includes('--quick')) throw new Error('latest.md is from a --quick run; run pnpm bench');
const at = docs.indexOf(MARKER);
if (at === -1) throw new Error(`docs/benchmarks.md has no "${MARKER}" section`);

const body = rest.map((line) => (line.startsWith('#') ? `#${line}` : line)).join('\n');
const section = [
  MARKER,
  '',
  `Pasted from \`bench/results/latest.md\` of a \`pnpm bench\` run (${stamp.split(' · ')[0]}).`,
  'Re-run and paste again after changes to either package: `pnpm bench && pnpm --filter ./bench docs`.',
  '',
  stamp,
  body,
].join('\n');
await writeFile(docsUrl, `${docs.slice(0, at)}${section.trim()}\n`);
console.log(`docs/benchmarks.md updated from ${resultsUrl.pathname}`);
