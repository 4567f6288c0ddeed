import type { CaseResult } from './cases.js';

/** A checked ratio or value: what, how much, and the target it must meet. */
export interface Check {
  label: string;
  /** Undefined when a side of it could not be measured (the reason says why). */
  value: number | undefined;
  direction: '>=' | '<=';
  target: number;
  unit?: string;
  reason?: string;
}

/** True when the check has a value and it meets the target. */
export function passes(check: Check): boolean {
  if (check.value === undefined || Number.isNaN(check.value)) return false;
  return check.direction === '>=' ? check.value >= check.target : check.value <= check.target;
}

/** `pick(a) / pick(b)` of two rows, undefined when either row is missing. */
function relative(
  results: ReadonlyMap<string, CaseResult>,
  a: string,
  b: string,
  pick: (row: CaseResult) => number,
): number | undefined {
  const top = results.get(a);
  const bottom = results.get(b);
  return top === undefined || bottom === undefined ? undefined : pick(top) / pick(bottom);
}

/** `a / b` of the throughputs of two rows, undefined when either row is missing. */
export const ratio = (results: ReadonlyMap<string, CaseResult>, a: string, b: string) =>
  relative(results, a, b, (row) => row.opsPerSec);

/**
 * How many times cheaper row `a` is than row `b` per operation, in what both processes spent
 * (Node CPU plus Redis CPU); undefined when either row is missing. Throughput of a closed loop
 * on two cores also measures how the two processes' work overlaps: pipelining makes Node and
 * Redis take turns on one batch, so a row that costs less can still finish fewer per second.
 */
export const cheaper = (results: ReadonlyMap<string, CaseResult>, a: string, b: string) =>
  relative(results, a, b, (row) => 1 / row.costUsPerOp);

/** A markdown table of throughput rows, with each row's throughput relative to `baselineId`. */
export function throughputTable(
  rows: readonly CaseResult[],
  unit: string,
  baselineId: string,
  baselineName = 'floor',
): string {
  const baseline = rows.find((r) => r.id === baselineId)?.opsPerSec;
  const lines = [
    `| Row | What it measures | In flight | ${unit}/s | p50 ms | p99 ms | vs ${baselineName} | ` +
      'Node CPU µs/op | Redis µs/op | cost µs/op |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const relative = baseline ? `${(r.opsPerSec / baseline).toFixed(2)}x` : '';
    lines.push(
      `| ${r.label} | ${r.what} | ${r.concurrency} | ${formatCount(r.opsPerSec)} | ` +
        `${formatMs(r.p50Ms)} | ${formatMs(r.p99Ms)} | ${relative} | ` +
        `${formatUs(r.nodeUsPerOp)} | ${formatUs(r.redisUsPerOp)} | ${formatUs(r.costUsPerOp)} |`,
    );
  }
  return lines.join('\n');
}

/** Markdown list lines, one per check: PASS/FAIL, the value and the target. */
export function checkLines(checks: readonly Check[]): string {
  return checks
    .map((c) => {
      const unit = c.unit ?? 'x';
      if (c.value === undefined) {
        return `- **FAIL** ${c.label}: not measured (${c.reason ?? 'missing row'}); target ${c.direction} ${c.target}${unit}`;
      }
      const verdict = passes(c) ? 'PASS' : 'FAIL';
      // Three decimals for ratios, so a value just under its target never prints as equal to it.
      const digits = unit === 'x' ? 3 : 1;
      return `- **${verdict}** ${c.label}: ${c.value.toFixed(digits)}${unit} (target ${c.direction} ${c.target}${unit})`;
    })
    .join('\n');
}

/** Microseconds per operation; blank when not measured. */
function formatUs(us: number): string {
  return Number.isNaN(us) ? '' : us.toFixed(2);
}

/** 1234567 -> "1,234,567". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with enough digits for both in-process and network latencies. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return 'n/a';
  if (ms < 0.01) return ms.toFixed(4);
  if (ms < 1) return ms.toFixed(3);
  return ms.toFixed(2);
}
