/**
 * GitHub repositories as the graph keys them: `github.com/owner/name`, lower-cased (GitHub names
 * are case-insensitive). Reads the spellings papers and APIs use: full URLs (`https://github.com/o/n`,
 * `…/o/n.git`, `…/o/n/tree/main`), `github.com/o/n`, and `o/n`.
 */
const NAME = /^[A-Za-z0-9_.-]+$/;

export interface GithubRepoName {
  readonly owner: string;
  readonly name: string;
}

/** Owner and name of a GitHub repository from any common spelling, or undefined when it names none. */
export function parseGithubRepo(text: string): GithubRepoName | undefined {
  let rest = text.trim();
  if (rest === '') return undefined;
  const url = /^(?:(?:https?|git):\/\/)?(?:www\.)?github\.com[/:]/i.exec(rest);
  if (url) rest = rest.slice(url[0].length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rest) || rest.includes('.') && rest.split('/')[0]!.includes('.')) return undefined;
  const [owner, rawName] = rest.split(/[/?#]/);
  if (owner === undefined || rawName === undefined) return undefined;
  const name = rawName.replace(/\.git$/i, '');
  if (!NAME.test(owner) || !NAME.test(name) || name === '.' || name === '..') return undefined;
  return { owner, name };
}

/** The graph key `github.com/owner/name`, lower-cased, or undefined when `text` names no repository. */
export function githubRepoKey(text: string): string | undefined {
  const repo = parseGithubRepo(text);
  return repo && `github.com/${repo.owner}/${repo.name}`.toLowerCase();
}
