import type { EdgeFact, EntityFact, EntityRef, GraphFacts } from '../../graph/facts.js';
import { authorKey } from '../../storage/sqlite/paper-rows.js';
import { githubRepoKey } from '../github/repo-key.js';
import type { HfPaper, HfPaperRepos, HfRepoSummary } from './types.js';

/** What the Hub links to one paper, as far as it was asked. */
export interface HfPaperLinks {
  /** `/api/arxiv/{id}/repos`. */
  readonly repos?: HfPaperRepos;
  /** `/api/models?filter=arxiv:{id}`. */
  readonly taggedModels?: readonly HfRepoSummary[];
}

/**
 * The facts one Hugging Face paper page states: the paper (keyed by its arXiv id), its authors, the
 * code repository it links (`has_code`), the models that cite it (`introduces`, from the linked repos
 * and from `arxiv:` tags), the datasets (`uses_dataset`) and the Spaces built on it (`implements`,
 * Space → paper, as a demo implements its paper).
 */
export function hfPaperFacts(paper: HfPaper, links: HfPaperLinks = {}): GraphFacts {
  const entities = new Map<string, EntityFact>();
  const edges: EdgeFact[] = [];
  const add = (fact: EntityFact): EntityRef => {
    const ref = { kind: fact.kind, key: fact.key };
    const id = `${fact.kind}:${fact.key}`;
    const before = entities.get(id);
    entities.set(id, before ? { ...before, ...fact, attrs: { ...before.attrs, ...fact.attrs } } : fact);
    return ref;
  };
  const paperRef = add({
    kind: 'paper',
    key: paper.id.replace(/v\d+$/, ''),
    ...(paper.title === undefined ? {} : { name: paper.title.replace(/\s+/g, ' ').trim() }),
    attrs: compact({ hf_upvotes: paper.upvotes, project_page: paper.projectPage || undefined, github_repo: paper.githubRepo || undefined }),
  });
  for (const author of paper.authors ?? []) {
    const name = author.name.replace(/\s+/g, ' ').trim();
    if (name === '' || author.hidden === true) continue;
    edges.push({ from: add({ kind: 'author', key: authorKey(name), name }), kind: 'authored', to: paperRef });
  }
  const repoKey = paper.githubRepo ? githubRepoKey(paper.githubRepo) : undefined;
  if (repoKey) {
    const repo = add({ kind: 'repository', key: repoKey, name: repoKey.slice('github.com/'.length), attrs: compact({ stars: paper.githubStars }) });
    edges.push({ from: paperRef, kind: 'has_code', to: repo });
  }
  const models = [...(links.repos?.models ?? []), ...(links.taggedModels ?? [])];
  const seen = new Set<string>();
  const once = (kind: string, id: string): boolean => !seen.has(`${kind}:${id}`) && Boolean(seen.add(`${kind}:${id}`));
  for (const model of models) {
    const ref = add(hubEntity('model', model));
    if (once('model', model.id)) edges.push({ from: paperRef, kind: 'introduces', to: ref });
  }
  for (const dataset of links.repos?.datasets ?? []) {
    const ref = add(hubEntity('dataset', dataset));
    if (once('dataset', dataset.id)) edges.push({ from: paperRef, kind: 'uses_dataset', to: ref });
  }
  for (const space of links.repos?.spaces ?? []) {
    const ref = add(hubEntity('space', space));
    if (once('space', space.id)) edges.push({ from: ref, kind: 'implements', to: paperRef });
  }
  return { entities: [...entities.values()], edges };
}

function hubEntity(kind: 'model' | 'dataset' | 'space', repo: HfRepoSummary): EntityFact {
  return {
    kind,
    key: repo.id,
    name: repo.id,
    attrs: compact({
      likes: repo.likes,
      downloads: repo.downloads,
      tags: Array.isArray(repo.tags) ? repo.tags.filter((t) => typeof t === 'string') : undefined,
      pipeline_tag: repo.pipeline_tag,
      sdk: repo.sdk,
    }),
  };
}

/** Drops undefined values, so a listing that omits a field does not erase what another said. */
function compact(attrs: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined && v !== null));
}
