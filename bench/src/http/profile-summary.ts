import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * Where a server's CPU went, from a V8 profile written by `--cpu-prof` (the HTTP section's
 * `--cpu-prof` flag): `pnpm --filter ./bench profile:summary <file.cpuprofile> [--top N]`.
 * Prints the share of samples by package (our packages by source file, mapped through the
 * `// src/<file>.ts` markers tsup's bundler leaves in dist), then the functions with the most
 * self time, then our packages' functions by inclusive time (self plus what they call).
 * `--callees <name>` adds what the functions named `name` spend their inclusive time in,
 * callee by callee (for a middleware, this splits its own work from `next()`).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [--top N]');
const topAt = args.indexOf('--top');
const TOP = topAt === -1 ? 25 : Number(args[topAt + 1]);
const calleesAt = args.indexOf('--callees');
const CALLEES = calleesAt === -1 ? undefined : args[calleesAt + 1];
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

// The source file of a line in a bundled dist file: the last `// src/...` marker above it.
const markers = new Map<string, { line: number; source: string }[]>();
function sourceOf(url: string, line: number): string | undefined {
  if (!url.startsWith('file://')) return undefined;
  let list = markers.get(url);
  if (!list) {
    list = [];
    try {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
      for (const [n, text] of lines.entries()) {
        const match = /^\/\/ (src\/\S+|\.\.\/internal\/src\/\S+)$/.exec(text);
        if (match) list.push({ line: n, source: match[1] as string });
      }
    } catch {}
    markers.set(url, list);
  }
  let found: string | undefined;
  for (const m of list) {
    if (m.line > line) break;
    found = m.source;
  }
  return found;
}

/** `@kit/rate-limiter src/frameworks/hono.ts`, `hono`, `node:internal/http`, `(gc)`. */
function groupOf(frame: CallFrame): string {
  const { url } = frame;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : '(native)';
  const ours = /\/packages\/(rate-limiter|cache)\/dist\//.exec(url);
  if (ours) {
    return `@kit/${ours[1]} ${sourceOf(url, frame.lineNumber) ?? url.slice(url.lastIndexOf('/') + 1)}`;
  }
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
  if (dep) return dep[1] as string;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/([^/]+).*$/, 'node:$1');
  if (url.includes('/bench/src/')) return `bench ${url.slice(url.indexOf('/bench/src/') + 11)}`;
  return url;
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
let total = 0;
for (const [i, id] of profile.samples.entries()) {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
}
const idle = [...selfUs].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)');
const busy = total - idle.reduce((a, [, us]) => a + us, 0);
const pct = (us: number) => `${((us / busy) * 100).toFixed(1)}%`;

function add(map: Map<string, number>, key: string, us: number): void {
  map.set(key, (map.get(key) ?? 0) + us);
}
function top(map: Map<string, number>, n: number): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
}

const groups = new Map<string, number>();
const functions = new Map<string, number>();
const inclusive = new Map<string, number>();
const keyOf = (frame: CallFrame) =>
  `${groupOf(frame)}:${frame.functionName || '(anonymous)'}:${frame.lineNumber + 1}`;
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (!frame || frame.functionName === '(idle)') continue;
  add(groups, groupOf(frame), us);
  add(functions, keyOf(frame), us);
  // Inclusive: once per distinct frame on the stack, so recursion does not count twice.
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const f = byId.get(at)?.callFrame;
    if (!f || !/^@kit\//.test(groupOf(f))) continue;
    const key = keyOf(f);
    if (!seen.has(key)) {
      seen.add(key);
      add(inclusive, key, us);
    }
  }
}

/** Inclusive time of every node: its own samples plus its subtree's. */
const subtree = new Map<number, number>();
function inclusiveOf(id: number): number {
  const cached = subtree.get(id);
  if (cached !== undefined) return cached;
  const node = byId.get(id);
  let us = selfUs.get(id) ?? 0;
  for (const c of node?.children ?? []) us += inclusiveOf(c);
  subtree.set(id, us);
  return us;
}

const calleeLines: string[] = [];
if (CALLEES) {
  const callees = new Map<string, number>();
  let own = 0;
  let all = 0;
  // Outermost matching frames only, so a recursive or re-entered function counts once.
  const inside = (id: number) => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      if (byId.get(at)?.callFrame.functionName === CALLEES) return true;
    }
    return false;
  };
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== CALLEES || inside(node.id)) continue;
    all += inclusiveOf(node.id);
    own += selfUs.get(node.id) ?? 0;
    for (const c of node.children ?? []) {
      const frame = byId.get(c)?.callFrame;
      if (frame) add(callees, keyOf(frame), inclusiveOf(c));
    }
  }
  calleeLines.push(
    '',
    `Inside ${CALLEES} (${pct(all)} inclusive, ${pct(own)} self), by callee:`,
    ...top(callees, TOP).map(([f, us]) => `  ${pct(us).padStart(6)}  ${f}`),
  );
}

const out = [
  `${file}: ${(busy / 1000).toFixed(0)} ms busy of ${(total / 1000).toFixed(0)} ms sampled`,
  '',
  'Self time by package / our source file:',
  ...top(groups, TOP).map(([g, us]) => `  ${pct(us).padStart(6)}  ${g}`),
  '',
  'Functions by self time:',
  ...top(functions, TOP).map(([f, us]) => `  ${pct(us).padStart(6)}  ${f}`),
  '',
  'Our functions by inclusive time (self + callees):',
  ...top(inclusive, TOP).map(([f, us]) => `  ${pct(us).padStart(6)}  ${f}`),
  ...calleeLines,
];
process.stdout.write(`${out.join('\n')}\n`);
