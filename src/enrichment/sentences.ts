// Words after which a period does not end a sentence in scientific prose.
const ABBREVIATIONS = new Set(
  'al approx cf e.g eg eq eqs etc fig figs i.e ie no nos ref refs resp sec secs vs viz w.r.t wrt'.split(' '),
);

/**
 * The sentences of a paragraph, whitespace collapsed. A sentence ends at `.`, `!` or `?` followed
 * by a space and something that can start one, except after an abbreviation (`e.g.`, `et al.`,
 * `Fig.`) or an initial (`J. Smith`).
 */
export function splitSentences(text: string): string[] {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (!clean) return [];
  const out: string[] = [];
  let start = 0;
  for (const m of clean.matchAll(/[.!?]["')\]]*\s+(?=["'(\[$\\]?[\p{Lu}\p{N}])/gu)) {
    const end = m.index + m[0].trimEnd().length;
    const before = clean.slice(start, m.index + 1);
    const word = /(\S+)\.$/.exec(before)?.[1]?.replace(/^[("'[]+/, '');
    if (m[0].startsWith('.') && word && (ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word))) continue;
    out.push(clean.slice(start, end).trim());
    start = m.index + m[0].length;
  }
  const rest = clean.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

/**
 * The text within `maxChars`: whole when it fits; else up to its last sentence end within the
 * limit, when that keeps most of it; else cut at a word boundary with an ellipsis.
 */
export function shortenText(text: string, maxChars: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  if (clean.length <= maxChars) return clean;
  let sentences = '';
  for (const s of splitSentences(clean)) {
    const next = sentences ? `${sentences} ${s}` : s;
    if (next.length > maxChars) break;
    sentences = next;
  }
  if (sentences.length >= maxChars * 0.6) return sentences;
  const room = clean.slice(0, maxChars - 1);
  const space = room.lastIndexOf(' ');
  return `${(space > maxChars / 2 ? room.slice(0, space) : room).replace(/[\s,;:.-]+$/, '')}…`;
}
