import { findArxivIds } from '../../enrichment/arxiv-ids.js';
import type { EdgeFact, GraphFacts } from '../../graph/facts.js';
import { githubRepoKey } from './repo-key.js';
import type { GhRelease, GhRepository } from './types.js';

/**
 * What a repository's page says: the repository (stars, description, topics, license, last push,
 * archived) and an `implements` edge to each paper whose arXiv id its description or homepage names.
 */
export function githubRepositoryFacts(repo: GhRepository): GraphFacts {
  const key = githubRepoKey(repo.full_name);
  if (!key) return { entities: [], edges: [] };
  const ref = { kind: 'repository', key } as const;
  const attrs: Record<string, unknown> = {
    stars: repo.stargazers_count,
    description: repo.description ?? null,
    topics: Array.isArray(repo.topics) ? repo.topics : [],
    license: repo.license?.spdx_id ?? null,
    pushed_at: repo.pushed_at ?? null,
    archived: repo.archived ?? false,
  };
  if (attrs.stars === undefined) delete attrs.stars;
  const text = [repo.description ?? '', repo.homepage ?? ''].join('\n');
  const edges: EdgeFact[] = findArxivIds(text).map((id) => ({ from: ref, kind: 'implements', to: { kind: 'paper', key: id } }));
  return { entities: [{ ...ref, name: repo.full_name, attrs }], edges };
}

/** The latest release of a repository, as an attribute of the repository. */
export function githubReleaseFacts(repoKey: string, release: GhRelease): GraphFacts {
  return {
    entities: [
      {
        kind: 'repository',
        key: repoKey,
        attrs: { latest_release: { tag_name: release.tag_name, name: release.name ?? null, published_at: release.published_at ?? null } },
      },
    ],
    edges: [],
  };
}
