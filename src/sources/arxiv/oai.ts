import { OaiBadResumptionTokenError, OaiPmhError, UnexpectedDocumentError } from '../../errors.js';
import type { Author, PaperRecord } from '../../protocols/paper.js';
import { collapseWhitespace, compactRecord, decodeTexAccents, parseAuthorLine } from './abs.js';
import { parseArxivDate, parseArxivId, primaryDoi, type ArxivVersion } from './ids.js';
import { attributeOf, childElement, childElements, childText, elementsOf, NS, parseXml, textOf, type XmlElement } from './xml.js';

/**
 * arXiv's OAI-PMH replies (`ListRecords`, `GetRecord`) in the `arXivRaw` metadata format, which
 * paperd harvests with because it lists every version, and in the `arXiv` format, which does not.
 */

/** Where to resume a list; absent from a page when the list is complete. */
export interface ResumptionToken {
  readonly token: string;
  /** Position of this page's first record in the complete list. */
  readonly cursor?: number;
  readonly completeListSize?: number;
  readonly expirationDate?: string;
}

/** A record that could not be read, and why; the rest of the page is kept. */
export interface RejectedRecord {
  /** 0-based position among the page's records. */
  readonly index: number;
  readonly reason: string;
}

/** A paper whose version number the `arXiv` metadata format does not give: revised, but not said how often. */
export type UnversionedPaper = Omit<PaperRecord, 'version'>;

/** One page of an OAI-PMH list (or a `GetRecord` answer). */
export interface OaiPage {
  /** The latest version of each record; with `everyVersion`, one record per version listed. */
  readonly records: PaperRecord[];
  /**
   * `arXiv`-format records revised after v1. Their version is unknown, so they carry none rather
   * than a guess that would poison the (id, version) dedup key; fetch their history before use.
   */
  readonly unversioned: UnversionedPaper[];
  /** arXivRaw's version history, by arXiv id, oldest first. */
  readonly versions: Map<string, ArxivVersion[]>;
  /** arXiv ids of records marked `status="deleted"`. */
  readonly deleted: string[];
  readonly rejected: RejectedRecord[];
  readonly resumptionToken?: ResumptionToken;
  /** The newest header datestamp on the page: where to restart (`from`) if a token is refused. */
  readonly lastDatestamp?: string;
  readonly responseDate?: string;
}

/** How to read an OAI-PMH page. */
export interface OaiReadOptions {
  /**
   * One record per version an arXivRaw record lists, instead of the latest only. arXivRaw carries
   * the latest metadata alone, so earlier versions get its title and abstract with their own dates.
   */
  readonly everyVersion?: boolean;
}

/**
 * Reads an OAI-PMH reply. `noRecordsMatch` is an empty page.
 * @throws OaiBadResumptionTokenError for `badResumptionToken`: restart from `lastDatestamp` of the last page committed.
 * @throws OaiPmhError for any other OAI-PMH error.
 * @throws UnexpectedDocumentError when the document is not an OAI-PMH reply with records.
 */
export function parseOaiPmh(input: string | Uint8Array, options: OaiReadOptions = {}): OaiPage {
  const root = parseXml(input);
  if (root.namespace !== NS.oai || root.localName !== 'OAI-PMH') {
    throw new UnexpectedDocumentError(`an <OAI-PMH> reply (${NS.oai})`, `<${root.qualifiedName}>`);
  }
  const responseDate = text(childText(root, NS.oai, 'responseDate'));
  const page: Mutable<OaiPage> = { records: [], unversioned: [], versions: new Map(), deleted: [], rejected: [], ...(responseDate ? { responseDate } : {}) };
  const errors = childElements(root, NS.oai, 'error');
  if (errors.length > 0) return throwUnlessEmpty(errors, page);

  const list = childElement(root, NS.oai, 'ListRecords') ?? childElement(root, NS.oai, 'GetRecord');
  if (list === undefined) {
    throw new UnexpectedDocumentError('<ListRecords> or <GetRecord> in the OAI-PMH reply', elementsOf(root).map((e) => `<${e.qualifiedName}>`).join(', ') || 'nothing');
  }
  childElements(list, NS.oai, 'record').forEach((record, index) => {
    const reason = readRecord(record, page, options);
    if (reason !== undefined) page.rejected.push({ index, reason });
  });
  const token = resumptionTokenOf(list);
  if (token) page.resumptionToken = token;
  return page;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function throwUnlessEmpty(errors: XmlElement[], page: OaiPage): OaiPage {
  for (const error of errors) {
    const code = attributeOf(error, 'code') ?? 'unknown';
    const message = collapseWhitespace(textOf(error));
    if (code === 'noRecordsMatch') continue;
    if (code === 'badResumptionToken') throw new OaiBadResumptionTokenError(message);
    throw new OaiPmhError(code, message);
  }
  return page;
}

function resumptionTokenOf(list: XmlElement): ResumptionToken | undefined {
  const element = childElement(list, NS.oai, 'resumptionToken');
  const token = element && textOf(element).trim();
  if (!element || !token) return undefined;
  const cursor = wholeNumber(attributeOf(element, 'cursor'));
  const completeListSize = wholeNumber(attributeOf(element, 'completeListSize'));
  const expirationDate = text(attributeOf(element, 'expirationDate'));
  return {
    token,
    ...(cursor === undefined ? {} : { cursor }),
    ...(completeListSize === undefined ? {} : { completeListSize }),
    ...(expirationDate === undefined ? {} : { expirationDate }),
  };
}

/** Adds the record's contribution to the page, or says why it cannot. */
function readRecord(record: XmlElement, page: Mutable<OaiPage>, options: OaiReadOptions): string | undefined {
  const header = childElement(record, NS.oai, 'header');
  if (header === undefined) return 'the record has no <header>';
  const datestamp = text(childText(header, NS.oai, 'datestamp'));
  if (datestamp !== undefined && (page.lastDatestamp === undefined || datestamp > page.lastDatestamp)) page.lastDatestamp = datestamp;
  const identifier = text(childText(header, NS.oai, 'identifier'));
  const headerId = identifier === undefined ? undefined : parseArxivId(identifier)?.id;
  if (attributeOf(header, 'status') === 'deleted') {
    if (headerId === undefined) return `deleted record with unreadable identifier "${identifier ?? ''}"`;
    page.deleted.push(headerId);
    return undefined;
  }
  const metadata = childElement(record, NS.oai, 'metadata');
  const payload = metadata && elementsOf(metadata)[0];
  if (payload === undefined) return `record ${identifier ?? '(no identifier)'} has no metadata`;
  // Expected in its own namespace; some recorded replies drop the xmlns, leaving it in OAI's default.
  const known = payload.namespace === NS.oai || payload.namespace === (payload.localName === 'arXivRaw' ? NS.oaiArxivRaw : NS.oaiArxiv);
  if (!known || (payload.localName !== 'arXiv' && payload.localName !== 'arXivRaw')) {
    return `unsupported metadata <${payload.qualifiedName}> (${payload.namespace || 'no namespace'})`;
  }
  const fields = fieldReader(payload);
  const id = parseArxivId(fields('id') ?? '')?.id ?? headerId;
  if (id === undefined) return `record ${identifier ?? '(no identifier)'} names no arXiv id`;
  return payload.localName === 'arXivRaw' ? addRaw(id, payload, fields, page, options) : addArxivFormat(id, payload, fields, page);
}

type FieldReader = (name: string) => string | undefined;

function fieldReader(payload: XmlElement): FieldReader {
  return (name) => text(childText(payload, payload.namespace, name));
}

/** What every arXiv metadata format shares. */
function commonFields(fields: FieldReader): Omit<UnversionedPaper, 'authors' | 'id'> {
  const categories = fields('categories')?.split(' ') ?? [];
  return {
    title: fields('title') ?? '',
    abstract: fields('abstract') ?? '',
    categories,
    primaryCategory: categories[0],
    comment: fields('comments'),
    journalRef: fields('journal-ref'),
    doi: primaryDoi(fields('doi')),
    license: fields('license'),
    source: 'oai-pmh',
  };
}

function addRaw(id: string, payload: XmlElement, fields: FieldReader, page: Mutable<OaiPage>, options: OaiReadOptions): string | undefined {
  const versions: ArxivVersion[] = [];
  for (const element of childElements(payload, payload.namespace, 'version')) {
    const label = attributeOf(element, 'version') ?? '';
    const number = /^v(\d+)$/.exec(label.trim());
    const date = parseArxivDate(childText(element, payload.namespace, 'date') ?? '');
    if (!number || Number(number[1]) < 1 || date === undefined) return `${id}: unreadable <version version="${label}">`;
    const size = text(childText(element, payload.namespace, 'size'));
    versions.push({ version: Number(number[1]), date, ...(size ? { size } : {}) });
  }
  if (versions.length === 0) return `${id}: arXivRaw record lists no <version>`;
  versions.sort((a, b) => a.version - b.version);
  page.versions.set(id, versions);
  const shared = { id, ...commonFields(fields), authors: parseAuthorLine(fields('authors') ?? ''), published: versions[0]!.date };
  for (const v of options.everyVersion ? versions : versions.slice(-1)) {
    page.records.push(compactRecord({ ...shared, version: v.version, updated: v.date }));
  }
  return undefined;
}

function addArxivFormat(id: string, payload: XmlElement, fields: FieldReader, page: Mutable<OaiPage>): string | undefined {
  const created = fields('created');
  const updated = fields('updated');
  const paper: UnversionedPaper = { id, ...commonFields(fields), authors: structuredAuthors(payload), published: created };
  // `updated` is only present once a paper has more than one version.
  if (updated === undefined) page.records.push(compactRecord({ ...paper, version: 1, updated: created }));
  else page.unversioned.push(compactRecord({ ...paper, updated }));
  return undefined;
}

/** `<authors><author><keyname/><forenames/><suffix/><affiliation/>…` to names; lone punctuation (`:`) is a splitting artefact. */
function structuredAuthors(payload: XmlElement): Author[] {
  const ns = payload.namespace;
  const list = childElement(payload, ns, 'authors');
  return (list ? childElements(list, ns, 'author') : []).flatMap((author) => {
    const part = (name: string) => childElements(author, ns, name).flatMap((e) => text(textOf(e)) ?? []);
    const name = decodeTexAccents([...part('forenames'), ...part('keyname'), ...part('suffix')].join(' '));
    if (!/[\p{L}\p{N}]/u.test(name)) return [];
    return [{ name, affiliations: part('affiliation').map(decodeTexAccents) }];
  });
}

function wholeNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\s*\d+\s*$/.test(value) ? Number(value) : undefined;
}

function text(value: string | undefined): string | undefined {
  const collapsed = value === undefined ? '' : collapseWhitespace(value);
  return collapsed === '' ? undefined : collapsed;
}
