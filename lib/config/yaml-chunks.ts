/**
 * A large YAML config parsed a piece at a time. The yaml library holds a whole document's
 * syntax tree and nodes at once, about 120 times the text: 5,000 monitors (550 KB) took a
 * cold start from 46 MB to 136 MB before the first check ran. Parsed one top-level key, and
 * one `monitors` item, at a time, each piece's tree is garbage before the next is made.
 *
 * Only for plain block-style configs, where a piece means what it means in the whole: anything
 * that could tie pieces together or change how they read (an alias to an anchor in another
 * piece, directives, several documents, a flow-style top level, a repeated key) returns
 * undefined, and so does any piece that does not parse cleanly; the caller then parses the
 * whole text, which also gives the errors their line numbers.
 */
import type * as Yaml from 'yaml';

/** Below this the whole document costs little; the piecewise path is for configs at scale. */
export const CHUNKED_MIN_BYTES = 64 * 1024;

const DIRECTIVE_OR_MARKER = /^(?:%|---|\.\.\.)/m;
/** A top-level key starts in column 0 (comments and sequence items do not). */
const TOP_KEY = /^[^\s#-]/;

export function parseYamlInChunks(text: string, yaml: typeof Yaml): Record<string, unknown> | undefined {
  if (text.length < CHUNKED_MIN_BYTES || DIRECTIVE_OR_MARKER.test(text)) return undefined;
  const lines = text.split('\n');
  const piece = (from: number, to: number, dedent = ''): unknown => {
    const part = lines.slice(from, to).map((l) => (dedent && l.startsWith(dedent) ? l.slice(dedent.length) : l));
    // Each line keeps its own ending; a last line without one would keep a bare CR.
    const doc = yaml.parseDocument(`${part.join('\n')}\n`, { prettyErrors: false });
    if (doc.errors.length) return FAILED;
    try {
      return doc.toJS();
    } catch {
      // An alias whose anchor is in another piece (`<<: *defaults` across monitors).
      return FAILED;
    }
  };

  const out: Record<string, unknown> = {};
  let i = 0;
  // Leading comments and blank lines.
  while (i < lines.length && !TOP_KEY.test(lines[i]!)) {
    if (!/^\s*(#.*)?\r?$/.test(lines[i]!)) return undefined;
    i++;
  }
  while (i < lines.length) {
    const start = i++;
    while (i < lines.length && !TOP_KEY.test(lines[i]!)) i++;
    const head = /^monitors:\s*(#.*)?\r?$/.test(lines[start]!) ? monitorsPiece(lines, start, i, piece) : piece(start, i);
    if (head === FAILED || head === null || typeof head !== 'object' || Array.isArray(head)) return undefined;
    for (const [k, v] of Object.entries(head)) {
      if (Object.hasOwn(out, k)) return undefined;
      out[k] = v;
    }
  }
  return out;
}

const FAILED = Symbol('failed');

/** `monitors:` followed by a block sequence, one item at a time. */
function monitorsPiece(
  lines: string[],
  start: number,
  end: number,
  piece: (from: number, to: number, dedent?: string) => unknown,
): Record<string, unknown> | typeof FAILED {
  let first = start + 1;
  while (first < end && /^\s*(#.*)?\r?$/.test(lines[first]!)) first++;
  const m = /^( *)- /.exec(lines[first] ?? '') ?? /^( *)-\r?$/.exec(lines[first] ?? '');
  if (!m) return FAILED;
  const indent = m[1]!;
  const isItem = (l: string) => l.startsWith(`${indent}-`) && (l.length === indent.length + 1 || /^[ \r]/.test(l.slice(indent.length + 1)));
  const items: unknown[] = [];
  let i = first;
  while (i < end) {
    const from = i++;
    while (i < end && !isItem(lines[i]!)) {
      // Anything less indented than the items that is not blank or a comment: not a plain list.
      const l = lines[i]!;
      if (!l.startsWith(indent) && !/^\s*(#.*)?\r?$/.test(l)) return FAILED;
      i++;
    }
    const value = piece(from, i, indent);
    if (!Array.isArray(value) || value.length !== 1) return FAILED;
    items.push(value[0]);
  }
  return { monitors: items };
}
