import type { EdgeFact, EntityFact, GraphFacts } from '../graph/facts.js';
import { githubRepoKey } from '../sources/github/repo-key.js';
import { arxivIdsIn } from './paper-links.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The graph key of a GitHub repository: `github.com/owner/name`, lower-cased (GitHub ignores case),
 * as the poller keys it.
 */
export function githubRepositoryKey(fullName: string): string {
  return githubRepoKey(fullName) ?? `github.com/${fullName.toLowerCase()}`;
}

/**
 * A date as GitHub's REST API spells it (`2019-05-15T15:20:57Z`), so that webhook and poller
 * write the same value: `push` gives `pushed_at` in Unix seconds, other events as that string.
 */
function githubDate(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return new Date(v * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return v;
  return undefined;
}

function defined(attrs: Json): Json {
  return Object.fromEntries(Object.entries(attrs).filter(([, v]) => v !== undefined));
}

/** What a `repository` object says of the repository now. */
function repositoryAttrs(repo: Json): Json {
  const license = obj(repo.license);
  const isPrivate = typeof repo.private === 'boolean' ? repo.private : undefined;
  return defined({
    url: str(repo.html_url),
    stars: typeof repo.stargazers_count === 'number' ? repo.stargazers_count : undefined,
    forks: typeof repo.forks_count === 'number' ? repo.forks_count : undefined,
    description: repo.description === null ? null : str(repo.description),
    homepage: repo.homepage === null ? null : str(repo.homepage),
    topics: Array.isArray(repo.topics) ? repo.topics.filter((t): t is string => typeof t === 'string') : undefined,
    license: license ? (str(license.spdx_id) ?? str(license.key) ?? null) : repo.license === null ? null : undefined,
    language: repo.language === null ? null : str(repo.language),
    default_branch: str(repo.default_branch),
    pushed_at: githubDate(repo.pushed_at),
    archived: typeof repo.archived === 'boolean' ? repo.archived : undefined,
    fork: typeof repo.fork === 'boolean' ? repo.fork : undefined,
    private: isPrivate,
    public: isPrivate === undefined ? undefined : !isPrivate,
  });
}

function paperEdges(from: string, ...texts: unknown[]): EdgeFact[] {
  return arxivIdsIn(...texts).map((id) => ({ from: { kind: 'repository', key: from }, kind: 'implements', to: { kind: 'paper', key: id } }));
}

/** The login a transfer moved the repository from (a user or an organisation). */
function previousOwner(changes: Json | undefined): string | undefined {
  const from = obj(obj(changes?.owner)?.from);
  return str(obj(from?.user)?.login) ?? str(obj(from?.organization)?.login);
}

/**
 * The latest release, as the poller records it (`latest_release: {tag_name, name, published_at}`):
 * published, not a draft. Prereleases go to `latest_prerelease`, as GitHub's latest excludes them.
 */
function releaseAttrs(action: string | undefined, release: Json | undefined): Json {
  if (!release || release.draft === true || !['published', 'released', 'created', 'prereleased'].includes(action ?? '')) return {};
  const latest = { tag_name: str(release.tag_name) ?? null, name: typeof release.name === 'string' ? release.name : null, published_at: githubDate(release.published_at) ?? null };
  return { [release.prerelease === true ? 'latest_prerelease' : 'latest_release']: latest };
}

/** What a `push` changed: when, and the head of the default branch when it was pushed to. */
function pushAttrs(body: Json, repo: Json): Json {
  const ref = str(body.ref);
  const onDefault = ref !== undefined && ref === `refs/heads/${str(repo.default_branch) ?? str(repo.master_branch) ?? ''}`;
  return defined({ head_sha: onDefault && body.deleted !== true ? str(body.after) : undefined, last_push_ref: ref });
}

/**
 * The graph facts a GitHub webhook delivery carries. Every handled event holds the repository as
 * it is now (stars, description, topics, license, default branch, pushed_at, visibility); on top,
 * `release` sets the latest release, `push` the head of the default branch, and `repository`
 * records renames, transfers (the new name is a new key; the old one gets `renamed_to`) and
 * deletions. arXiv ids in the description, homepage or a release body become `implements` edges.
 * A `ping` for an organisation hook names no repository and carries nothing.
 */
export function githubFacts(event: string, body: Json): GraphFacts {
  const repo = obj(body.repository);
  const fullName = str(repo?.full_name);
  if (!repo || !fullName) return { entities: [], edges: [] };
  const key = githubRepositoryKey(fullName);
  const action = str(body.action);
  const release = event === 'release' ? obj(body.release) : undefined;

  const attrs: Json = { ...repositoryAttrs(repo) };
  const entities: EntityFact[] = [];
  switch (event) {
    case 'star':
      if (str(body.starred_at)) attrs.last_starred_at = githubDate(body.starred_at);
      break;
    case 'release':
      Object.assign(attrs, releaseAttrs(action, release));
      break;
    case 'push':
      Object.assign(attrs, pushAttrs(body, repo));
      break;
    case 'public':
      Object.assign(attrs, { private: false, public: true });
      break;
    case 'repository': {
      if (action === 'deleted') attrs.deleted = true;
      if (action === 'archived' || action === 'unarchived') attrs.archived = action === 'archived';
      if (action === 'privatized' || action === 'publicized') Object.assign(attrs, { private: action === 'privatized', public: action === 'publicized' });
      const changes = obj(body.changes);
      const oldName = action === 'renamed' ? str(obj(obj(obj(changes?.repository)?.name))?.from) : undefined;
      const oldOwner = action === 'transferred' ? previousOwner(changes) : undefined;
      const [owner, name] = fullName.split('/') as [string, string];
      const oldFullName = oldName ? `${owner}/${oldName}` : oldOwner ? `${oldOwner}/${name}` : undefined;
      if (oldFullName && githubRepositoryKey(oldFullName) !== key) {
        entities.push({ kind: 'repository', key: githubRepositoryKey(oldFullName), name: oldFullName, attrs: { renamed_to: key } });
      }
      break;
    }
    default:
      break;
  }
  entities.push({ kind: 'repository', key, name: fullName, attrs });
  const edges = attrs.deleted ? [] : paperEdges(key, repo.description, repo.homepage, release?.body, release?.name);
  return { entities, edges };
}

const epochMs = (v: unknown): number | undefined => {
  const iso = githubDate(v);
  return iso === undefined ? undefined : Date.parse(iso);
};

/**
 * When the event happened, as its payload says: a star's `starred_at`, a release's publication, a
 * push's `pushed_at`, else the repository's `updated_at`; when paperd received it if the payload
 * says nothing, or says a time after that (a skewed clock must not outrank later news).
 */
export function githubEventTime(event: string, body: Json, receivedAt: number): number {
  const repo = obj(body.repository);
  const release = obj(body.release);
  const said =
    (event === 'star' ? epochMs(body.starred_at) : undefined) ??
    (event === 'release' ? epochMs(release?.published_at) ?? epochMs(release?.created_at) : undefined) ??
    (event === 'push' ? epochMs(repo?.pushed_at) : undefined) ??
    epochMs(repo?.updated_at);
  return said === undefined ? receivedAt : Math.min(said, receivedAt);
}
