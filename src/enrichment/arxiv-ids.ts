import { parseArxivId } from '../sources/arxiv/ids.js';

// The archives of old-style ids (archive/YYMMNNN, 1991 to March 2007): a closed list, so that
// `and/0101001`-like strings in prose are not taken for ids.
const OLD_ARCHIVES =
  'acc-phys|adap-org|alg-geom|ao-sci|astro-ph|atom-ph|bayes-an|chao-dyn|chem-ph|cmp-lg|comp-gas|cond-mat|cs|dg-ga|funct-an|gr-qc|' +
  'hep-ex|hep-lat|hep-ph|hep-th|math|math-ph|mtrl-th|nlin|nucl-ex|nucl-th|patt-sol|physics|plasm-ph|q-alg|q-bio|quant-ph|solv-int|supr-con';

// What may stand right before an id: an arXiv prefix (`arXiv:`, the `arXiv.` of arXiv DOIs, an
// abs/pdf URL), or no word character, dot, slash or hyphen, so that the tail of a DOI
// (`10.1109/X.2011.21486`) or of a version number is not read as an id.
const BEFORE = String.raw`(?:(?<=arxiv[:.]\s?)|(?<=arxiv\.org\/(?:abs|pdf)\/)|(?<![\w./-]))`;
const NEW_STYLE_IN_TEXT = new RegExp(String.raw`${BEFORE}(\d{2})(\d{2})\.(\d{4,5})(?:v\d+)?(?![\w]|\.\d)`, 'gi');
const OLD_STYLE_IN_TEXT = new RegExp(String.raw`${BEFORE}(${OLD_ARCHIVES})(?:\.[a-z]+(?:-[a-z]+)?)?\/(\d{2})(\d{2})(\d{3})(?:v\d+)?(?!\d)`, 'gi');

/**
 * Whether `YY MM` and the sequence length can be a real id: new style began in April 2007 with
 * four digits after the dot and went to five in January 2015; old style ran from 1991 to March 2007.
 */
function plausibleNewStyle(yy: number, mm: number, digits: number): boolean {
  if (mm < 1 || mm > 12 || yy < 7 || (yy === 7 && mm < 4)) return false;
  return digits === (yy < 15 ? 4 : 5);
}

function plausibleOldStyle(yy: number, mm: number): boolean {
  if (mm < 1 || mm > 12) return false;
  return yy >= 91 || yy < 7 || (yy === 7 && mm <= 3);
}

/**
 * The arXiv ids a text mentions, new style (`2101.00001v2`, `arXiv:1607.00533`) and old style
 * (`hep-th/9901001`, `math.AG/0202001`), without version, first mention first, each once. Number
 * pairs that cannot be ids (a month 22, four digits after a 2020 date) are left out.
 */
export function findArxivIds(text: string, options: { exclude?: readonly string[] } = {}): string[] {
  const found: { at: number; id: string }[] = [];
  for (const m of text.matchAll(NEW_STYLE_IN_TEXT)) {
    if (plausibleNewStyle(Number(m[1]), Number(m[2]), m[3]!.length)) found.push({ at: m.index, id: `${m[1]}${m[2]}.${m[3]}` });
  }
  for (const m of text.matchAll(OLD_STYLE_IN_TEXT)) {
    if (plausibleOldStyle(Number(m[2]), Number(m[3]))) found.push({ at: m.index, id: `${m[1]!.toLowerCase()}/${m[2]}${m[3]}${m[4]}` });
  }
  const excluded = new Set(options.exclude ?? []);
  const ids = found.sort((a, b) => a.at - b.at).map((f) => f.id);
  return [...new Set(ids)].filter((id) => !excluded.has(id));
}

/**
 * An arXiv id as stored (`2101.00001`, `hep-th/9901001`: no version, no subject class) from any
 * spelling a model writes (`arXiv:2101.00001v2`, an abs URL); undefined when it is not a plausible id.
 */
export function normaliseArxivId(raw: string): string | undefined {
  const parts = parseArxivId(raw);
  if (!parts) return undefined;
  const id = parts.id;
  const modern = /^(\d{2})(\d{2})\.(\d{4,5})$/.exec(id);
  if (modern) return plausibleNewStyle(Number(modern[1]), Number(modern[2]), modern[3]!.length) ? id : undefined;
  const old = new RegExp(String.raw`^(${OLD_ARCHIVES})\/(\d{2})(\d{2})\d{3}$`).exec(id);
  return old && plausibleOldStyle(Number(old[2]), Number(old[3])) ? id : undefined;
}
