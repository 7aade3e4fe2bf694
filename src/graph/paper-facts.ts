import type { EnrichmentResult } from '../enrichment/index.js';
import { normaliseHuggingFaceId } from '../enrichment/hugging-face-ids.js';
import { authorKey } from '../storage/sqlite/paper-rows.js';
import type { EdgeFact, EdgeKind, EntityFact, EntityRef, GraphFacts } from './facts.js';

/** What `paperFacts` reads of a paper: a `StoredPaper` or a `PaperRecord` will do. */
export interface PaperForGraph {
  readonly id: string;
  readonly title: string;
  readonly authors: readonly { readonly name: string }[];
  readonly categories: readonly string[];
  readonly primaryCategory?: string | null;
  readonly published?: string | null;
}

// Hosts whose first two path segments are an owner and a repository.
const FORGES = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org']);

/**
 * The repository key of a code URL, `<host>/<owner>/<name>` lower-cased (`github.com/acme/x`), or
 * undefined when the URL is not a repository on a known forge (a project page, a paper site).
 */
export function repositoryKey(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(/^[a-z]+:\/\//i.test(url) ? url : `https://${url}`);
  } catch {
    return undefined;
  }
  const host = parsed.hostname.toLowerCase().replace(/^www\./, '');
  if (!FORGES.has(host)) return undefined;
  const [owner, name] = parsed.pathname.split('/').filter(Boolean);
  if (!owner || !name) return undefined;
  return `${host}/${owner}/${name.replace(/\.git$/i, '')}`.toLowerCase();
}

/** A collector that names each entity once and each edge once per batch. */
class FactBatch {
  private readonly entities = new Map<string, EntityFact>();
  private readonly edges = new Map<string, EdgeFact>();

  entity(fact: EntityFact): EntityRef {
    const id = `${fact.kind}:${fact.key}`;
    if (!this.entities.has(id)) this.entities.set(id, fact);
    return { kind: fact.kind, key: fact.key };
  }

  edge(from: EntityRef, kind: EdgeKind, to: EntityRef, weight?: number): void {
    const id = `${from.kind}:${from.key} ${kind} ${to.kind}:${to.key}`;
    if (from.kind === to.kind && from.key === to.key) return;
    if (!this.edges.has(id)) this.edges.set(id, { from, kind, to, ...(weight === undefined ? {} : { weight }) });
  }

  facts(): GraphFacts {
    return { entities: [...this.entities.values()], edges: [...this.edges.values()] };
  }
}

/**
 * A stored paper's metadata as facts: the paper (named by its title), `authored` edges from its
 * authors (keyed by `authorKey`, weight 1 for the first author, 0.5 for the others) and
 * `in_category` edges (weight 1 for the primary category, 0.5 for cross-lists).
 */
export function paperFacts(paper: PaperForGraph): GraphFacts {
  const batch = new FactBatch();
  const attrs: Record<string, unknown> = {};
  if (paper.published) attrs.published = paper.published;
  if (paper.primaryCategory) attrs.primaryCategory = paper.primaryCategory;
  const self = batch.entity({ kind: 'paper', key: paper.id, name: paper.title, attrs });
  paper.authors.forEach((a, i) => {
    const key = authorKey(a.name);
    if (key) batch.edge(batch.entity({ kind: 'author', key, name: a.name.trim() }), 'authored', self, i === 0 ? 1 : 0.5);
  });
  const primary = paper.primaryCategory ?? paper.categories[0];
  for (const c of paper.categories) batch.edge(self, 'in_category', batch.entity({ kind: 'category', key: c, name: c }), c === primary ? 1 : 0.5);
  return batch.facts();
}

const named = (kind: 'model' | 'dataset' | 'task' | 'method', name: string): EntityFact => ({ kind, key: name.trim().toLowerCase().replace(/\s+/g, ' '), name: name.trim() });

/**
 * An enrichment's entities as facts about the paper: models, tasks and methods it `mentions`,
 * datasets it `uses_dataset`, repositories it `has_code` (forge URLs as `github.com/owner/name`;
 * Hugging Face URLs as the model, dataset or space they point to), Hugging Face ids it `mentions`
 * (models unless the id says `datasets/` or `spaces/`), and papers it `cites`.
 */
export function enrichmentFacts(paperId: string, result: EnrichmentResult): GraphFacts {
  const batch = new FactBatch();
  const self = batch.entity({ kind: 'paper', key: paperId });
  const e = result.entities;
  for (const m of e.models) if (m.trim()) batch.edge(self, 'mentions', batch.entity(named('model', m)));
  for (const d of e.datasets) if (d.trim()) batch.edge(self, 'uses_dataset', batch.entity(named('dataset', d)));
  for (const t of e.tasks) if (t.trim()) batch.edge(self, 'mentions', batch.entity(named('task', t)));
  for (const m of e.methods) if (m.trim()) batch.edge(self, 'mentions', batch.entity(named('method', m)));
  for (const url of e.codeUrls) {
    const repo = repositoryKey(url);
    if (repo) batch.edge(self, 'has_code', batch.entity({ kind: 'repository', key: repo }));
    else if (/huggingface\.co|hf\.co/i.test(url)) {
      const hf = huggingFaceRef(url);
      if (hf) batch.edge(self, hf.kind === 'dataset' ? 'uses_dataset' : 'has_code', batch.entity(hf));
    }
  }
  for (const raw of e.huggingFaceIds) {
    const hf = huggingFaceRef(raw);
    if (hf) batch.edge(self, hf.kind === 'dataset' ? 'uses_dataset' : 'mentions', batch.entity(hf));
  }
  for (const id of e.arxivIds) batch.edge(self, 'cites', batch.entity({ kind: 'paper', key: id }));
  return batch.facts();
}

/** The model, dataset or space a Hugging Face id or URL names (`datasets/…`, `spaces/…`, else a model). */
function huggingFaceRef(raw: string): EntityFact | undefined {
  const kindMatch = /(?:^|\/)(datasets|spaces)\//i.exec(raw);
  const id = normaliseHuggingFaceId(raw);
  if (!id) return undefined;
  const kind = kindMatch ? (kindMatch[1]!.toLowerCase() === 'datasets' ? 'dataset' : 'space') : 'model';
  return { kind, key: id, name: id };
}
