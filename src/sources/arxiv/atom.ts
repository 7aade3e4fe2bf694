import { ArxivApiError, UnexpectedDocumentError } from '../../errors.js';
import type { Author, PaperRecord } from '../../protocols/paper.js';
import { collapseWhitespace, compactRecord, parseAuthorLine } from './abs.js';
import { normaliseTimestamp, parseArxivId, primaryDoi } from './ids.js';
import { attributeOf, childElement, childElements, childText, NS, parseXml, textOf, type XmlElement } from './xml.js';

/**
 * arXiv's Atom feeds: answers of the export API (`/api/query`) and the announcement listings
 * (`rss.arxiv.org/atom/{categories}`), read into `PaperRecord`s.
 */

/** Which Atom feed a document is; detected when not given. */
export type AtomSource = 'arxiv-api' | 'arxiv-listing';

/** An entry that could not become a record, and why; the rest of the page is kept. */
export interface RejectedEntry {
  /** 0-based position among the feed's entries. */
  readonly index: number;
  readonly reason: string;
}

/** One page of an Atom feed. */
export interface AtomPage {
  readonly source: AtomSource;
  /** Matches of the whole query; a listing, which has no paging, reports its own entry count. */
  readonly totalResults: number;
  readonly startIndex: number;
  readonly itemsPerPage: number;
  /** When arXiv generated the feed; for a listing, the announcement it carries. */
  readonly updated?: string;
  readonly entries: PaperRecord[];
  readonly rejected: RejectedEntry[];
}

const ANNOUNCE_TYPES = new Set(['new', 'cross', 'replace', 'replace-cross']);
/** Listings put `arXiv:2402.01234v1 Announce Type: new Abstract: …` in front of the abstract. */
const ANNOUNCE_PREFIX = /^\s*arXiv:\S+\s+Announce Type:\s*([A-Za-z-]+)\s*(?:Abstract:\s*)?/;
const ERROR_ENTRY_ID = /^https?:\/\/(?:export\.)?arxiv\.org\/api\/errors/i;

/**
 * Reads an arXiv Atom feed. A feed with no entries is a valid empty page.
 * @throws ArxivApiError when arXiv answered with its error feed (HTTP 400 carries one too).
 * @throws UnexpectedDocumentError when the document is not an Atom feed or its paging is not numeric.
 * @throws MalformedXmlError | UnsafeXmlError from the XML layer.
 */
export function parseArxivAtom(input: string | Uint8Array, options: { source?: AtomSource } = {}): AtomPage {
  const feed = parseXml(input);
  if (feed.namespace !== NS.atom || feed.localName !== 'feed') {
    throw new UnexpectedDocumentError(`an Atom <feed> (${NS.atom})`, describeElement(feed));
  }
  const entryElements = childElements(feed, NS.atom, 'entry');
  throwIfErrorFeed(entryElements);
  const source = options.source ?? detectSource(feed, entryElements);
  const entries: PaperRecord[] = [];
  const rejected: RejectedEntry[] = [];
  entryElements.forEach((entry, index) => {
    const result = readEntry(entry, source);
    if (typeof result === 'string') rejected.push({ index, reason: result });
    else entries.push(result);
  });
  const updated = normaliseTimestamp(childText(feed, NS.atom, 'updated'));
  return {
    source,
    totalResults: pagingNumber(feed, 'totalResults') ?? entryElements.length,
    startIndex: pagingNumber(feed, 'startIndex') ?? 0,
    itemsPerPage: pagingNumber(feed, 'itemsPerPage') ?? entryElements.length,
    ...(updated === undefined ? {} : { updated }),
    entries,
    rejected,
  };
}

function throwIfErrorFeed(entries: XmlElement[]): void {
  for (const entry of entries) {
    const id = childText(entry, NS.atom, 'id')?.trim() ?? '';
    if (!ERROR_ENTRY_ID.test(id)) continue;
    const message = collapseWhitespace(childText(entry, NS.atom, 'summary') ?? childText(entry, NS.atom, 'title') ?? '');
    throw new ArxivApiError(message || 'unspecified error', id.slice(id.indexOf('#') + 1) || id);
  }
}

function detectSource(feed: XmlElement, entries: XmlElement[]): AtomSource {
  const listing = entries.some(
    (e) => childElement(e, NS.arxiv, 'announce_type') !== undefined || /^oai:/i.test(childText(e, NS.atom, 'id')?.trim() ?? ''),
  );
  return listing || /rss\.arxiv\.org/i.test(childText(feed, NS.atom, 'id') ?? '') ? 'arxiv-listing' : 'arxiv-api';
}

function pagingNumber(feed: XmlElement, name: string): number | undefined {
  const text = childText(feed, NS.opensearch, name);
  if (text === undefined) return undefined;
  if (!/^\s*\d+\s*$/.test(text)) throw new UnexpectedDocumentError(`a whole number in <opensearch:${name}>`, JSON.stringify(text));
  return Number(text);
}

/** The record, or why the entry cannot be one. */
function readEntry(entry: XmlElement, source: AtomSource): PaperRecord | string {
  const idText = childText(entry, NS.atom, 'id')?.trim();
  if (!idText) return 'the entry has no <id>';
  const parts = parseArxivId(idText);
  if (parts === undefined) return `<id> "${idText}" is not an arXiv id`;
  const pdfUrl = pdfLinkOf(entry);
  const version = parts.version ?? (pdfUrl === undefined ? undefined : parseArxivId(pdfUrl)?.version);
  if (version === undefined) return `<id> "${idText}" names no version`;

  const summary = childText(entry, NS.atom, 'summary') ?? '';
  const prefix = ANNOUNCE_PREFIX.exec(summary);
  const announceType = text(childText(entry, NS.arxiv, 'announce_type')) ?? prefix?.[1];
  const categories = [...new Set(childElements(entry, NS.atom, 'category').flatMap((c) => text(attributeOf(c, 'term')) ?? []))];
  const primary = childElement(entry, NS.arxiv, 'primary_category');
  // A listing's <published>/<updated> are the announcement day, not submission dates: left out.
  const dated = source === 'arxiv-api';
  return compactRecord({
    id: parts.id,
    version,
    title: collapseWhitespace(childText(entry, NS.atom, 'title') ?? ''),
    abstract: collapseWhitespace(prefix ? summary.slice(prefix[0].length) : summary),
    authors: authorsOf(entry),
    categories,
    primaryCategory: text(primary && attributeOf(primary, 'term')) ?? categories[0],
    published: dated ? normaliseTimestamp(childText(entry, NS.atom, 'published')) : undefined,
    updated: dated ? normaliseTimestamp(childText(entry, NS.atom, 'updated')) : undefined,
    comment: text(childText(entry, NS.arxiv, 'comment')),
    journalRef: text(childText(entry, NS.arxiv, 'journal_ref') ?? childText(entry, NS.arxiv, 'journal_reference')),
    doi: primaryDoi(childText(entry, NS.arxiv, 'doi') ?? childText(entry, NS.arxiv, 'DOI')),
    license: text(childText(entry, NS.dc, 'rights') ?? childText(entry, NS.arxiv, 'license')),
    pdfUrl,
    announceType: announceType !== undefined && ANNOUNCE_TYPES.has(announceType) ? (announceType as PaperRecord['announceType']) : undefined,
    source,
  });
}

/** `<author>` elements (the API), else the one-line `<dc:creator>` list (the listings). */
function authorsOf(entry: XmlElement): Author[] {
  const authors = childElements(entry, NS.atom, 'author').flatMap((author) => {
    const name = text(childText(author, NS.atom, 'name'));
    if (name === undefined) return [];
    const affiliations = childElements(author, NS.arxiv, 'affiliation').flatMap((a) => text(textOf(a)) ?? []);
    return [{ name, affiliations }];
  });
  if (authors.length > 0) return authors;
  return childElements(entry, NS.dc, 'creator').flatMap((c) => parseAuthorLine(textOf(c)));
}

function pdfLinkOf(entry: XmlElement): string | undefined {
  const link = childElements(entry, NS.atom, 'link').find(
    (l) => attributeOf(l, 'title') === 'pdf' || (attributeOf(l, 'rel') === 'related' && attributeOf(l, 'type') === 'application/pdf'),
  );
  return text(link && attributeOf(link, 'href'));
}

/** Collapsed text, or `undefined` for none or blank. */
function text(value: string | undefined): string | undefined {
  const collapsed = value === undefined ? '' : collapseWhitespace(value);
  return collapsed === '' ? undefined : collapsed;
}

function describeElement(element: XmlElement): string {
  return `<${element.qualifiedName}>${element.namespace ? ` (${element.namespace})` : ''}`;
}
