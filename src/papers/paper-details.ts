import type { Database } from 'better-sqlite3';
import { NotFoundError } from '../errors.js';
import type { StoredPaper } from '../storage/sqlite/paper-rows.js';
import { PaperStore } from '../storage/sqlite/papers.js';
import { EnrichmentStore } from '../storage/sqlite/enrichments.js';
import type { EnrichmentResult } from '../enrichment/index.js';

/** A paper as `GET /v1/papers/:id` and `paperd paper` show it: the stored fields, and more. */
export type PaperDetails = Pick<
  StoredPaper,
  'id' | 'version' | 'title' | 'abstract' | 'authors' | 'categories' | 'primaryCategory' | 'published' | 'updated' | 'comment' | 'journalRef' | 'doi' | 'license' | 'source' | 'hasCode'
> & {
  readonly pdf: { status: string; sha256: string | null; error: string | null };
  readonly text: { status: string; chars: number };
  readonly versions: { version: number; title: string; updated: string | null }[];
  /** Where to read it: the arXiv abstract page (never a PDF served by paperd), the DOI. */
  readonly links: { rel: string; href: string }[];
  /** The TL;DR, once the enricher has made one. */
  readonly summary: string | null;
  /** Tags and entities, and what produced them (an LLM, or the embedded fallback until one answers). */
  readonly enrichment: {
    readonly version: number;
    readonly tags: string[];
    readonly entities: EnrichmentResult['entities'];
    readonly producer: string;
    readonly model: string | null;
  } | null;
};

const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?\/\d{7})$/;

/** Everything the store knows of one paper. @throws NotFoundError */
export function paperDetails(db: Database, id: string): PaperDetails {
  const store = new PaperStore(db);
  const p = store.get(id);
  if (!p) throw new NotFoundError(`no paper ${JSON.stringify(id)}`);
  const links: { rel: string; href: string }[] = [];
  if (ARXIV_ID.test(p.id)) links.push({ rel: 'arxiv', href: `https://arxiv.org/abs/${p.id}v${p.version}` });
  const enrichment = new EnrichmentStore(db).get(id);
  if (p.doi) links.push({ rel: 'doi', href: `https://doi.org/${encodeURI(p.doi)}` });
  return {
    id: p.id, version: p.version, title: p.title, abstract: p.abstract, authors: p.authors.map((a) => ({ name: a.name, affiliations: [...a.affiliations] })),
    categories: p.categories, primaryCategory: p.primaryCategory, published: p.published, updated: p.updated, comment: p.comment,
    journalRef: p.journalRef, doi: p.doi, license: p.license, source: p.source, hasCode: p.hasCode,
    pdf: { status: p.pdfStatus, sha256: p.pdfSha256, error: p.pdfError },
    text: { status: p.textStatus, chars: p.body?.length ?? 0 },
    versions: store.versions(id).map((v) => ({ version: v.version, title: v.title, updated: v.updated })),
    links,
    summary: enrichment?.result.tldr ?? null,
    enrichment: enrichment
      ? { version: enrichment.version, tags: enrichment.result.tags, entities: enrichment.result.entities, producer: enrichment.provenance.producer, model: enrichment.provenance.model ?? null }
      : null,
  };
}
