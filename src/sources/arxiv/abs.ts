import { MalformedAbsError } from '../../errors.js';
import type { Author, PaperRecord } from '../../protocols/paper.js';
import { archiveOf, parseArxivDate, parseArxivId, primaryDoi, type ArxivVersion } from './ids.js';

/**
 * arXiv's metadata text: the `.abs` file (a `Key: value` header between `\\` lines, then the
 * abstract), and the conventions it shares with arXivRaw and the listings: the one-line author
 * list with affiliations in parentheses, and TeX accents in names.
 */

/** How to read an `.abs` file. */
export interface AbsReadOptions {
  /**
   * The version the file describes, when its name says so (`orig/…/9901001v2.abs`). By default the
   * latest version its `Date` lines list, which is what a current (`ftp/`) file describes.
   */
  readonly version?: number;
  /** Names the file in error messages. */
  readonly file?: string;
}

/**
 * One `PaperRecord` for the version an `.abs` file describes: `published` is v1's date, `updated`
 * that version's. Bytes are read as UTF-8, or as Latin-1 when they are not UTF-8 (old files are).
 * @throws MalformedAbsError for an empty file, missing separators, id or dates, or a version the file does not list.
 */
export function parseAbs(input: string | Uint8Array, options: AbsReadOptions = {}): PaperRecord {
  const doc = readAbs(input, options.file);
  const latest = doc.versions[doc.versions.length - 1]!;
  const described = options.version === undefined ? latest : doc.versions.find((v) => v.version === options.version);
  if (described === undefined) {
    throw new MalformedAbsError(`it lists versions 1 to ${latest.version}, not v${options.version}`, options.file);
  }
  const field = (key: string): string | undefined => doc.fields.get(key) || undefined;
  const categories = field('categories')?.split(/\s+/).filter(Boolean) ?? [];
  // Files from before categories were recorded name none; the archive of an old-style id served as one.
  const archive = archiveOf(doc.id);
  if (categories.length === 0 && archive !== undefined) categories.push(archive);
  return compactRecord({
    id: doc.id,
    version: described.version,
    title: collapseWhitespace(field('title') ?? ''),
    abstract: collapseWhitespace(doc.abstract),
    authors: parseAuthorLine(field('authors') ?? ''),
    categories,
    primaryCategory: categories[0],
    published: doc.versions[0]!.date,
    updated: described.date,
    comment: field('comments'),
    journalRef: field('journal-ref'),
    doi: primaryDoi(field('doi')),
    license: field('license'),
    source: 'abs',
  });
}

/** Every version an `.abs` file lists, oldest first, with its date and size. */
export function absVersions(input: string | Uint8Array, file?: string): ArxivVersion[] {
  return readAbs(input, file).versions;
}

/** The version in an `.abs` file name (`9901001v2.abs` → 2); `undefined` for current files (`9901001.abs`). */
export function absVersionFromFileName(fileName: string): number | undefined {
  const m = /v(\d+)\.abs$/.exec(fileName);
  return m ? Number(m[1]) : undefined;
}

interface AbsDocument {
  readonly id: string;
  /** Header values by lower-cased key, continuation lines joined. */
  readonly fields: ReadonlyMap<string, string>;
  readonly versions: ArxivVersion[];
  readonly abstract: string;
}

const SEPARATOR = '\\\\';
const ID_LINE = /^(?:arXiv|Paper):\s*(\S+)/;
const KEY_LINE = /^([A-Za-z][A-Za-z-]*(?: \(revised v\d+\))?):\s?(.*)$/;
const DATE_VALUE = /^(.+?\bGMT)\s*(?:\(([^),]*)[^)]*\))?\s*$/;

function readAbs(input: string | Uint8Array, file: string | undefined): AbsDocument {
  const text = (typeof input === 'string' ? input : decodeAbsBytes(input)).replace(/\r\n?/g, '\n');
  if (text.trim() === '') throw new MalformedAbsError('the file is empty', file);
  const lines = text.split('\n');
  const separators = lines.flatMap((line, i) => (line.trim() === SEPARATOR ? [i] : []));
  if (separators.length < 2) {
    throw new MalformedAbsError(`expected \\\\ lines around the header, found ${separators.length}`, file);
  }
  // Abstracts may hold TeX line breaks that are themselves a lone `\\` line: the abstract ends at the last one.
  const closing = separators.length > 2 ? separators[separators.length - 1]! : lines.length;
  const { id, fields } = readHeader(lines.slice(separators[0]! + 1, separators[1]!), file);
  return { id, fields, versions: readVersions(fields, file), abstract: lines.slice(separators[1]! + 1, closing).join('\n') };
}

function readHeader(lines: string[], file: string | undefined): { id: string; fields: Map<string, string> } {
  const fields = new Map<string, string>();
  let idText: string | undefined;
  let current: string | undefined;
  for (const line of lines) {
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    const idLine = idText === undefined ? ID_LINE.exec(line) : null;
    const keyLine = /^\s/.test(line) ? null : KEY_LINE.exec(line);
    if (idLine) {
      idText = idLine[1]!;
      current = undefined;
    } else if (keyLine) {
      current = keyLine[1]!.toLowerCase();
      fields.set(current, keyLine[2]!.trim());
    } else if (current !== undefined) {
      fields.set(current, `${fields.get(current)} ${line.trim()}`.trim());
    }
  }
  if (idText === undefined) throw new MalformedAbsError('no arXiv: (or Paper:) line names the paper', file);
  const parts = parseArxivId(idText);
  if (parts === undefined) throw new MalformedAbsError(`"${idText}" is not an arXiv id`, file);
  return { id: parts.id, fields };
}

function readVersions(fields: ReadonlyMap<string, string>, file: string | undefined): ArxivVersion[] {
  const versions: ArxivVersion[] = [];
  for (const [key, value] of fields) {
    const revised = /^date \(revised v(\d+)\)$/.exec(key);
    if (key !== 'date' && !revised) continue;
    const m = DATE_VALUE.exec(value);
    const date = m ? parseArxivDate(m[1]!) : undefined;
    if (m === null || date === undefined) throw new MalformedAbsError(`unreadable date "${value}"`, file);
    versions.push({ version: revised ? Number(revised[1]) : 1, date, ...(m[2] ? { size: m[2].trim() } : {}) });
  }
  if (!versions.some((v) => v.version === 1)) throw new MalformedAbsError('no Date: line gives the first version', file);
  return versions.sort((a, b) => a.version - b.version);
}

function decodeAbsBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}

/** Runs of whitespace (line breaks, indentation) to one space, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The record without its absent optional fields, so records compare and serialise alike whatever their source. */
export function compactRecord<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

// ── TeX accents in names ────────────────────────────────────────────────────────────────────

const COMBINING: Record<string, string> = {
  "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  u: '\u0306', v: '\u030C', H: '\u030B', c: '\u0327', k: '\u0328', r: '\u030A', d: '\u0323', b: '\u0331',
};
const LETTERS: Record<string, string> = {
  AA: 'Å', aa: 'å', AE: 'Æ', ae: 'æ', OE: 'Œ', oe: 'œ', O: 'Ø', o: 'ø', L: 'Ł', l: 'ł', ss: 'ß', i: 'ı', j: 'ȷ',
};
const SYMBOL_ACCENT = /\\(['`^"~=.])\s*(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij])(?![A-Za-z])\s*|([A-Za-z]))/g;
const LETTER_ACCENT = /\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))/g;
const LETTER_COMMAND = /\\(AA|aa|AE|ae|OE|oe|ss|O|o|L|l|i|j)(?![A-Za-z])(?:\{\}|\s+(?=[A-Za-z]))?/g;

/**
 * TeX accents and special letters to Unicode (`Fr\'{e}d\'{e}ric` → `Frédéric`, `{\O}` → `Ø`), so
 * names from `.abs` and arXivRaw match the Unicode names of the API. Math is left alone: this is
 * for names and affiliations, not titles or abstracts.
 */
export function decodeTexAccents(text: string): string {
  if (!/[\\{~]/.test(text)) return text;
  const accent = (command: string, ...bases: (string | undefined)[]): string => {
    const base = bases.find((b) => b !== undefined)!;
    const letter = base === '\\i' ? 'i' : base === '\\j' ? 'j' : base;
    return letter + COMBINING[command]!;
  };
  let out = text
    .replace(SYMBOL_ACCENT, (_m, cmd: string, braced?: string, dotless?: string, bare?: string) => accent(cmd, braced, dotless, bare))
    .replace(LETTER_ACCENT, (_m, cmd: string, braced?: string, spaced?: string) => accent(cmd, braced, spaced))
    .replace(LETTER_COMMAND, (_m, name: string) => LETTERS[name]!)
    .replace(/\\[,;: ]|~/g, ' ')
    .replace(/\\([&%$#_])/g, '$1')
    .replace(/\\-/g, '');
  for (let previous = ''; previous !== out; ) {
    previous = out;
    out = out.replace(/\{([^{}\\]*)\}/g, '$1');
  }
  return out.normalize('NFC');
}

// ── the one-line author list ────────────────────────────────────────────────────────────────

const NAME_SUFFIX = /^(?:Jr|Sr|Jnr|Snr|II|III|IV)\.?$/;
const REFERENCE_GROUP = /^\s*\d+(?:\s*(?:,|;|and|&)\s*\d+)*\s*$/;

/**
 * Splits arXiv's one-line author list into authors: separated by commas, semicolons, `and` and
 * `&`; a parenthesised group after a name is that author's affiliation; numbered affiliations
 * (`A (1), B (1,2) ((1) Univ X, (2) Lab Y)`) are resolved; `et al.` is dropped and `Jr.` stays
 * with its name. Collaboration prefixes (`LHCb collaboration: R. Aaij, …`) become an entry of their own.
 */
export function parseAuthorLine(line: string): Author[] {
  const text = balanceParentheses(collapseWhitespace(decodeTexAccents(line)));
  if (text === '') return [];
  const { rest, numbered } = takeNumberedAffiliations(text);
  const authors: { name: string; affiliations: string[] }[] = [];
  for (const piece of splitTopLevel(rest)) {
    const { name, groups } = nameAndGroups(piece);
    const affiliations = groups.flatMap((g) => (REFERENCE_GROUP.test(g) ? g.match(/\d+/g)!.flatMap((n) => numbered.get(n) ?? []) : [collapseWhitespace(g)]));
    const cleaned = collapseWhitespace(name).replace(/\bet\.?\s*al\.?$/i, '').replace(/^[\s.,;:]+|[\s,;:]+$/g, '');
    const previous = authors[authors.length - 1];
    if (previous !== undefined && (cleaned === '' || NAME_SUFFIX.test(cleaned))) {
      if (cleaned !== '') previous.name += ` ${cleaned}`;
      previous.affiliations.push(...affiliations.filter((a) => !previous.affiliations.includes(a)));
    } else if (cleaned !== '') {
      authors.push({ name: cleaned, affiliations: [...new Set(affiliations.filter(Boolean))] });
    }
  }
  return authors;
}

/** Drops parentheses that have no partner, which would otherwise swallow the rest of the list. */
function balanceParentheses(text: string): string {
  const unmatched = new Set<number>();
  const open: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') open.push(i);
    else if (text[i] === ')' && open.pop() === undefined) unmatched.add(i);
  }
  for (const i of open) unmatched.add(i);
  return unmatched.size === 0 ? text : [...text].filter((_, i) => !unmatched.has(i)).join('');
}

/** The trailing `((1) X, (2) Y)` or `(1 X; 2 Y)` block, as number → affiliation, and the text before it. */
function takeNumberedAffiliations(text: string): { rest: string; numbered: Map<string, string> } {
  const numbered = new Map<string, string>();
  const trimmed = text.replace(/[\s.;,]+$/, '');
  if (!trimmed.endsWith(')')) return { rest: text, numbered };
  let depth = 0;
  let start = trimmed.length - 1;
  for (; start >= 0; start--) {
    if (trimmed[start] === ')') depth++;
    else if (trimmed[start] === '(' && --depth === 0) break;
  }
  const inside = trimmed.slice(start + 1, -1);
  let parts: string[];
  if (/^\s*\(\s*\d+\s*\)/.test(inside)) parts = inside.split(/\(\s*(\d+)\s*\)/).slice(1);
  else if (/^\s*\d+\s*-?\s*[A-Za-z]/.test(inside)) parts = inside.split(/(?:^|[;,])\s*(\d+)\s*-?\s*(?=[A-Za-z])/).slice(1);
  else return { rest: text, numbered };
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const affiliation = collapseWhitespace(parts[i + 1]!).replace(/[\s,;]+$/, '');
    if (affiliation !== '') numbered.set(parts[i]!, affiliation);
  }
  return numbered.size === 0 ? { rest: text, numbered } : { rest: trimmed.slice(0, start).replace(/[\s;,]+$/, ''), numbered };
}

const AND = /\s+and\s+/y;

/** Splits on `,` `;` `:` `&` and the word `and`, outside parentheses only. */
function splitTopLevel(text: string): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && ',;:&'.includes(ch)) {
      pieces.push(current);
      current = '';
      continue;
    } else if (depth === 0 && /\s/.test(ch)) {
      AND.lastIndex = i;
      const and = AND.exec(text);
      if (and) {
        pieces.push(current);
        current = '';
        i += and[0].length - 1;
        continue;
      }
    }
    current += ch;
  }
  pieces.push(current);
  return pieces;
}

/** A piece's name (text outside parentheses) and the contents of its top-level groups. */
function nameAndGroups(piece: string): { name: string; groups: string[] } {
  let name = '';
  const groups: string[] = [];
  let depth = 0;
  let group = '';
  for (const ch of piece) {
    if (ch === '(' && depth++ === 0) continue;
    if (ch === ')' && --depth === 0) {
      groups.push(group);
      group = '';
      continue;
    }
    if (depth > 0) group += ch;
    else name += ch;
  }
  return { name, groups };
}
