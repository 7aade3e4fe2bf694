/**
 * Reading a JSON object out of what a language model wrote: fenced in ```json, wrapped in prose,
 * with trailing commas, single quotes, Python literals, raw newlines in strings, or cut off by the
 * token limit. Each fix is named, so callers can tell a clean answer from a mended one.
 */

/** A fix applied to make the text parse. */
export type JsonRepair =
  | 'fence'
  | 'prose'
  | 'trailing-comma'
  | 'single-quotes'
  | 'python-literals'
  | 'control-characters'
  | 'truncated';

/** The outcome: the parsed value and the fixes it took, or why no object could be read. */
export type JsonRepairResult = { ok: true; value: unknown; repairs: JsonRepair[] } | { ok: false; reason: string };

type Token =
  | { kind: 'punct'; text: '{' | '}' | '[' | ']' | ':' | ',' }
  | { kind: 'string'; json: string; complete: boolean }
  | { kind: 'scalar'; text: string; complete: boolean };

const PYTHON_LITERALS: Readonly<Record<string, string>> = { True: 'true', False: 'false', None: 'null' };
const JSON_LITERALS = new Set(['true', 'false', 'null']);

/**
 * Parses the first JSON object in `raw`, repairing what models commonly get wrong. Never guesses
 * beyond that: stray words outside strings, or an object that does not close into valid JSON,
 * give `ok: false`.
 */
export function repairJsonObject(raw: string): JsonRepairResult {
  const text = raw.replace(/^\uFEFF/, '').trim();
  if (!text) return { ok: false, reason: 'the output is empty' };
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? { ok: true, value, repairs: [] } : { ok: false, reason: `the output is JSON but not an object (${describe(value)})` };
  } catch {
    // Fall through to the repairs.
  }

  const repairs = new Set<JsonRepair>();
  let body = text;
  const fenced = /```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)(?:```|$)/.exec(body);
  if (fenced) {
    if (fenced.index > 0) repairs.add('prose');
    body = fenced[1]!.trim();
    repairs.add('fence');
  }
  const start = objectStart(body);
  if (start < 0) return { ok: false, reason: 'no JSON object in the output' };
  if (start > 0) repairs.add('prose');
  body = body.slice(start);

  const lexed = lex(body, repairs);
  if (!lexed.ok) return lexed;
  if (lexed.trailing) repairs.add('prose');
  const rebuilt = rebuild(lexed.tokens, repairs);
  if (!rebuilt.ok) return rebuilt;
  try {
    const value: unknown = JSON.parse(rebuilt.json);
    return isObject(value) ? { ok: true, value, repairs: [...repairs] } : { ok: false, reason: 'no JSON object in the output' };
  } catch (err) {
    return { ok: false, reason: `the output does not parse as JSON even repaired: ${(err as Error).message}` };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Where the object starts: the first `{` that opens a key (or closes at once), not a brace in prose. */
function objectStart(text: string): number {
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) {
    if (/^\{\s*(?:["'}]|$)/.test(text.slice(i, i + 64))) return i;
  }
  return -1;
}

/** Splits the text into tokens up to the end of the first top-level object. */
function lex(text: string, repairs: Set<JsonRepair>): { ok: true; tokens: Token[]; trailing: boolean } | { ok: false; reason: string } {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if ('{}[]:,'.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch as '{' });
      i++;
      if (ch === '{' || ch === '[') depth++;
      if (ch === '}' || ch === ']') {
        depth--;
        // The first object is whole: what follows is prose (or a second answer) and is left out.
        if (depth === 0) return { ok: true, tokens, trailing: text.slice(i).trim().length > 0 };
      }
    } else if (ch === '"' || ch === "'") {
      const s = readString(text, i, ch, repairs);
      tokens.push(s.token);
      i = s.end;
    } else {
      const m = /^[^\s{}[\]:,"']+/.exec(text.slice(i))!;
      const word = m[0];
      i += word.length;
      const complete = i < text.length;
      if (PYTHON_LITERALS[word]) {
        tokens.push({ kind: 'scalar', text: PYTHON_LITERALS[word]!, complete });
        repairs.add('python-literals');
      } else if (JSON_LITERALS.has(word) || /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(word)) {
        tokens.push({ kind: 'scalar', text: word, complete });
      } else if (!complete && /^(?:-|-?\d+\.?\d*[eE]?[+-]?|t|tr|tru|f|fa|fal|fals|n|nu|nul)$/.test(word)) {
        // A literal or number the token limit cut in two.
        tokens.push({ kind: 'scalar', text: word, complete: false });
      } else {
        return { ok: false, reason: `unexpected ${JSON.stringify(word.slice(0, 20))} outside a string` };
      }
    }
  }
  return { ok: true, tokens, trailing: false };
}

/**
 * Reads a string starting at `text[start]` and re-encodes it as a JSON string. A single-quoted
 * one ends at the first `'` that is followed by `,` `}` `]` `:` or the end, so an apostrophe
 * inside (`'it's'`) does not end it. Raw control characters are escaped.
 */
function readString(text: string, start: number, quote: string, repairs: Set<JsonRepair>): { token: Token; end: number } {
  let out = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\\') {
      const next = text[i + 1];
      if (next === undefined) break;
      // `\'` is not a JSON escape: the quote stands for itself.
      out += next === "'" ? "'" : ch + next;
      i += 2;
      continue;
    }
    if (ch === quote && (quote === '"' || /^\s*(?:[,}\]:]|$)/.test(text.slice(i + 1, i + 64)))) {
      if (quote === "'") repairs.add('single-quotes');
      return { token: { kind: 'string', json: `"${out}"`, complete: true }, end: i + 1 };
    }
    if (ch === '"') out += '\\"';
    else if (ch < ' ') {
      out += ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
      repairs.add('control-characters');
    } else out += ch;
    i++;
  }
  if (quote === "'") repairs.add('single-quotes');
  return { token: { kind: 'string', json: `"${out}"`, complete: false }, end: text.length };
}

/**
 * Joins the tokens back into JSON: trailing commas dropped; output cut off by the token limit
 * ends at its last complete value (a half string, a dangling key, colon or comma is dropped) and
 * its open brackets are closed.
 */
function rebuild(tokens: readonly Token[], repairs: Set<JsonRepair>): { ok: true; json: string } | { ok: false; reason: string } {
  const kept: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'punct' && t.text === ',') {
      const next = tokens[i + 1];
      if (next?.kind === 'punct' && (next.text === '}' || next.text === ']')) {
        repairs.add('trailing-comma');
        continue;
      }
    }
    kept.push(t);
  }

  if (!openBrackets(kept)) return { ok: false, reason: 'mismatched brackets in the output' };
  if (openBrackets(kept)!.length > 0 || kept.some((t) => t.kind !== 'punct' && !t.complete)) {
    repairs.add('truncated');
    dropIncompleteTail(kept);
    if (kept.length === 0) return { ok: false, reason: 'the output was cut off before any value' };
  }
  const stack = openBrackets(kept)!;
  const json = kept.map((t) => (t.kind === 'punct' ? t.text : t.kind === 'string' ? t.json : t.text)).join('');
  const closing = [...stack].reverse().map((b) => (b === '{' ? '}' : ']')).join('');
  return { ok: true, json: json + closing };
}

/** Drops what a cut left half-written at the end: a partial value, then dangling keys, colons and commas. */
function dropIncompleteTail(tokens: Token[]): void {
  const last = tokens[tokens.length - 1];
  if (last && last.kind !== 'punct' && !last.complete) tokens.pop();
  for (;;) {
    const end = tokens[tokens.length - 1];
    if (!end) return;
    if (end.kind === 'punct' && (end.text === ',' || end.text === ':')) {
      tokens.pop();
      continue;
    }
    // A string right after `{` or an object's `,` is a key whose value never came.
    const before = tokens[tokens.length - 2];
    if (end.kind === 'string' && before?.kind === 'punct' && (before.text === '{' || (before.text === ',' && openBrackets(tokens)?.at(-1) === '{'))) {
      tokens.pop();
      continue;
    }
    return;
  }
}

/** The brackets still open after the tokens, innermost last; undefined when one closes the wrong kind. */
function openBrackets(tokens: readonly Token[]): ('{' | '[')[] | undefined {
  const stack: ('{' | '[')[] = [];
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '{' || t.text === '[') stack.push(t.text);
    else if ((t.text === '}' || t.text === ']') && stack.pop() !== (t.text === '}' ? '{' : '[')) return undefined;
  }
  return stack;
}
