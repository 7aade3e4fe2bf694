import type { EdgeFact, EntityFact, EntityKind, GraphFacts } from '../graph/facts.js';
import { normaliseArxivId } from '../enrichment/arxiv-ids.js';
import { hfScopeOf } from './deliveries.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

const KINDS: Readonly<Record<string, EntityKind>> = { model: 'model', dataset: 'dataset', space: 'space' };

/** The arXiv papers a Hugging Face repo's tags name (`arxiv:2401.00001`), without version, each once. */
export function arxivIdsInTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) return [];
  const ids = tags
    .filter((t): t is string => typeof t === 'string' && /^arxiv:/i.test(t))
    .map((t) => normaliseArxivId(t.slice('arxiv:'.length).trim()))
    .filter((id): id is string => id !== undefined);
  return [...new Set(ids)];
}

function isoDate(v: unknown): string | undefined {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v).toISOString() : undefined;
}

/**
 * The graph facts a Hugging Face webhook carries: the model, dataset or space (`owner/name`) with
 * its Hub id, visibility, head SHA, tags and update time when the event says them (a content
 * update without a date is dated when it was received), `deleted` for a deleted repo, a move as
 * `renamed_to` on the old name, and an edge for each arXiv paper its tags name: paper introduces
 * model, paper uses_dataset dataset, Space implements paper (as the Hugging Face poller says them).
 * Discussion events only say the repo exists.
 */
export function huggingfaceFacts(body: Json, receivedAt: number): GraphFacts {
  const repo = obj(body.repo);
  const kind = KINDS[str(repo?.type) ?? ''];
  const name = str(repo?.name);
  if (!repo || !kind || !name) return { entities: [], edges: [] };
  const event = obj(body.event);
  const scope = hfScopeOf(str(event?.scope) ?? '');
  const action = str(event?.action);
  const repoEvent = scope === 'repo' || scope === 'repo.content' || scope === 'repo.config';

  const attrs: Json = { hf_id: str(repo.id), url: str(obj(repo.url)?.web) };
  if (typeof repo.private === 'boolean') attrs.private = repo.private;
  if (str(repo.headSha)) attrs.sha = repo.headSha;
  if (Array.isArray(repo.tags)) attrs.tags = repo.tags.filter((t): t is string => typeof t === 'string');
  const updatedAt = isoDate(repo.updatedAt) ?? isoDate(repo.lastModified);
  if (updatedAt) attrs.updatedAt = updatedAt;
  else if (scope === 'repo.content' && action === 'update') attrs.updatedAt = new Date(receivedAt).toISOString();
  if (repoEvent && action === 'delete') attrs.deleted = true;

  const entities: EntityFact[] = [];
  const movedTo = str(body.movedTo) ?? str(obj(body.movedTo)?.name);
  if (repoEvent && action === 'move' && movedTo && movedTo !== name) {
    entities.push({ kind, key: name, name, attrs: { renamed_to: movedTo } });
    entities.push({ kind, key: movedTo, name: movedTo, attrs: Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined)) });
    return { entities, edges: tagEdges(kind, movedTo, repo.tags) };
  }
  entities.push({ kind, key: name, name, attrs: Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined)) });
  return { entities, edges: attrs.deleted ? [] : tagEdges(kind, name, repo.tags) };
}

/**
 * The edges an `arxiv:` tag stands for, as the Hugging Face poller states them for the repos a
 * paper page lists (which are the repos with that tag), so that both sources agree on one edge.
 */
function tagEdges(kind: EntityKind, key: string, tags: unknown): EdgeFact[] {
  const repo = { kind, key };
  return arxivIdsInTags(tags).map((id): EdgeFact => {
    const paper = { kind: 'paper', key: id } as const;
    if (kind === 'space') return { from: repo, kind: 'implements', to: paper };
    return { from: paper, kind: kind === 'dataset' ? 'uses_dataset' : 'introduces', to: repo };
  });
}
