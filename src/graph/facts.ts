/**
 * What sources know about the world, as the knowledge graph takes it in: entities by kind and a
 * natural key, and edges between them. Webhooks, pollers, paper metadata and enrichment each turn
 * what they saw into facts; the graph store applies them idempotently, with provenance.
 */
export type EntityKind = 'paper' | 'author' | 'model' | 'dataset' | 'space' | 'repository' | 'task' | 'method' | 'category';

export type EdgeKind =
  | 'authored' // author → paper
  | 'has_code' // paper → repository
  | 'implements' // repository → paper (or method)
  | 'uses_dataset' // paper or model → dataset
  | 'introduces' // paper → model, dataset or method
  | 'evaluates_on' // paper or model → dataset
  | 'mentions' // paper → any entity it names
  | 'cites' // paper → paper
  | 'related' // paper → paper (derived: vector neighbours)
  | 'co_author' // author → author (derived: papers they wrote together)
  | 'in_category'; // paper → category

/**
 * An entity's identity: its kind and a key that is stable across sources.
 * - paper: the arXiv id without version (`2401.00001`), or paperd's id for other sources (`beir:…`)
 * - author: paperd's author key (see `authorKey`); names alone never merge two people
 * - repository: `github.com/owner/name`, lower-cased
 * - model, dataset, space: the Hugging Face id `owner/name` (datasets without one: their lower-cased name)
 * - task, method, category: the lower-cased name (`cs.LG` stays as arXiv spells it)
 */
export interface EntityRef {
  readonly kind: EntityKind;
  readonly key: string;
}

export interface EntityFact extends EntityRef {
  /** How people call it. */
  readonly name?: string;
  /** What the source says of it now (stars, license, topics, latest release…); merged over earlier values. */
  readonly attrs?: Readonly<Record<string, unknown>>;
}

export interface EdgeFact {
  readonly from: EntityRef;
  readonly kind: EdgeKind;
  readonly to: EntityRef;
  /** Strength, default 1. */
  readonly weight?: number;
}

/** A batch of facts from one source. */
export interface GraphFacts {
  readonly entities: readonly EntityFact[];
  readonly edges: readonly EdgeFact[];
}

/** Where facts came from: `github-webhook`, `github-poller`, `hf-webhook`, `hf-poller`, `arxiv`, `enrichment:llm`, `enrichment:fallback`, `derived`. */
export interface FactProvenance {
  readonly source: string;
  /** When the source said it (ms since epoch). */
  readonly at: number;
}

/** The id an entity has in the graph: `<kind>:<key>`. */
export function entityId(ref: EntityRef): string {
  return `${ref.kind}:${ref.key}`;
}
