/**
 * Finds the ```ts / ```typescript blocks of a markdown file and the markers written right above
 * them, in HTML comments a reader of the rendered page does not see:
 *
 *   <!-- snippet-prelude: declare function findRule(tier: string | null, path: string): null; -->
 *     Code prepended to the block when it is checked: the app's own names the snippet uses.
 *     It may span lines, up to the closing `-->`.
 *   <!-- snippet-skip: a shape sketch, not a statement -->
 *     Not checked. The reason is required.
 *
 * Only blank lines may stand between a marker and its block; several markers may stack.
 */

export interface Snippet {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  prelude: string;
  /** Set by `snippet-skip`. */
  skip: string | undefined;
}

export interface MarkerError {
  file: string;
  line: number;
  message: string;
}

interface Marker {
  line: number;
  kind: 'prelude' | 'skip';
  text: string;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;
const TS_LANGS = new Set(['ts', 'typescript']);

export function extractSnippets(
  file: string,
  markdown: string,
): { snippets: Snippet[]; errors: MarkerError[] } {
  const lines = markdown.split('\n');
  const snippets: Snippet[] = [];
  const errors: MarkerError[] = [];
  let pending: Marker[] = [];
  const orphan = (why: string) => {
    for (const m of pending)
      errors.push({ file, line: m.line, message: `snippet-${m.kind} ${why}` });
    pending = [];
  };

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const marker = /^\s*<!--\s*snippet-([\w-]*)\s*(:?)/.exec(text);
    if (marker) {
      const start = i;
      let comment = text.slice(marker.index + marker[0].length);
      while (!comment.includes('-->') && i + 1 < lines.length) comment += `\n${lines[++i]}`;
      const body = comment.slice(0, comment.indexOf('-->')).trim();
      const kind = marker[1];
      if (kind !== 'prelude' && kind !== 'skip') {
        errors.push({ file, line: start + 1, message: `unknown marker snippet-${kind}` });
      } else if (marker[2] !== ':' || body === '') {
        const what = kind === 'skip' ? 'a reason' : 'code';
        errors.push({ file, line: start + 1, message: `snippet-${kind} needs ${what} after ':'` });
      } else {
        pending.push({ line: start + 1, kind, text: body });
      }
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      if (text.trim() !== '') orphan('is not followed by a ```ts block');
      continue;
    }
    const close = new RegExp(`^ {0,3}${fence[1]![0]}{${fence[1]!.length},}\\s*$`);
    const start = i;
    const body: string[] = [];
    while (i + 1 < lines.length && !close.test(lines[i + 1]!)) body.push(lines[++i]!);
    i++; // the closing fence (or the end of the file, for an unclosed block)
    if (!TS_LANGS.has(fence[2]!.toLowerCase())) {
      orphan('is not followed by a ```ts block');
      continue;
    }
    const preludes = pending.filter((m) => m.kind === 'prelude').map((m) => m.text);
    const skip = pending.find((m) => m.kind === 'skip')?.text;
    snippets.push({
      file,
      line: start + 1,
      code: body.join('\n'),
      prelude: preludes.join('\n'),
      skip,
    });
    pending = [];
  }
  orphan('is not followed by a ```ts block');
  return { snippets, errors };
}
