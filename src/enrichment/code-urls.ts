import { ENRICHMENT_LIMITS } from './schema.js';

// github.com paths whose first segment is GitHub's own pages, not a user or organisation.
const GITHUB_RESERVED_OWNERS = new Set(
  (
    'about apps blog collections contact customer-stories enterprise events explore features login logout marketplace ' +
    'new notifications orgs organizations pricing pulls issues readme search security settings site sponsors topics trending join'
  ).split(' '),
);

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;

// A repo link in running text. The lookbehind keeps `gist.github.com` and `xgithub.com` out;
// the segments stop at what cannot be in an owner or repo name.
const GITHUB_IN_TEXT = /(?<![\w.@/-])(?:https?:\/\/)?(?:www\.)?github\.com\/([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)/gi;

/**
 * `https://github.com/<owner>/<repo>` for a repo reference, or undefined when the owner or repo
 * cannot be GitHub's. Case is kept (GitHub ignores it; people read it); a trailing `.git` and the
 * dots that end a sentence are not part of the name.
 */
export function githubRepoUrl(owner: string, repo: string): string | undefined {
  const name = repo.replace(/\.git$/i, '').replace(/\.+$/, '');
  if (!GITHUB_OWNER.test(owner) || GITHUB_RESERVED_OWNERS.has(owner.toLowerCase())) return undefined;
  if (!GITHUB_REPO.test(name) || name === '.' || name === '..') return undefined;
  return `https://github.com/${owner}/${name}`;
}

/** The GitHub repos a text links to, normalised, first mention first, each once. */
export function findGithubRepos(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(GITHUB_IN_TEXT)) {
    const url = githubRepoUrl(m[1]!, m[2]!);
    if (url) found.push(url);
  }
  return uniqueIgnoringCase(found);
}

/**
 * A code URL as stored: http(s) only, no credentials or fragment, GitHub links cut to the repo.
 * Accepts a bare `github.com/…` or `www.…` as the https URL it stands for. Undefined for anything
 * else: a URL that does not parse, another scheme, a host without a dot, a GitHub page that is
 * not a repo.
 */
export function normaliseCodeUrl(raw: string): string | undefined {
  let text = raw.trim().replace(/^<(.*)>$/, '$1').replace(/[.,;:!?'")\]}>]+$/, '');
  if (/^(?:www\.|github\.com\/|gitlab\.com\/)/i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname.includes('.')) return undefined;
  if (/^(?:www\.)?github\.com$/i.test(url.hostname)) {
    const [owner, repo] = url.pathname.split('/').filter(Boolean);
    return owner && repo ? githubRepoUrl(owner, repo) : undefined;
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  const out = url.toString().replace(/\/$/, '');
  return out.length <= ENRICHMENT_LIMITS.urlChars ? out : undefined;
}

/** The values, each once, compared without case; the first spelling wins. */
export function uniqueIgnoringCase(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const key = v.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(v);
  }
  return out;
}
