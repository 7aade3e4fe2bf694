/** The parts of GitHub REST answers paperd reads, as GitHub spells them. */

/** `GET /repos/{owner}/{repo}`. */
export interface GhRepository {
  /** `owner/name`, as GitHub spells it now (after a rename, the new one). */
  readonly full_name: string;
  readonly html_url?: string;
  readonly description?: string | null;
  readonly homepage?: string | null;
  readonly stargazers_count?: number;
  readonly forks_count?: number;
  readonly topics?: readonly string[];
  readonly license?: { readonly spdx_id?: string | null; readonly key?: string; readonly name?: string } | null;
  readonly pushed_at?: string | null;
  readonly archived?: boolean;
}

/** `GET /repos/{owner}/{repo}/releases/latest`. */
export interface GhRelease {
  readonly tag_name: string;
  readonly name?: string | null;
  readonly published_at?: string | null;
  readonly html_url?: string;
}

/** GitHub's view of the core rate limit, from the `X-RateLimit-*` headers of the last answer. */
export interface GithubRateLimit {
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  /** When the window resets, epoch ms (`X-RateLimit-Reset` is epoch seconds). */
  readonly resetAt: number | undefined;
  readonly used: number | undefined;
  readonly resource: string | undefined;
}

/** The answer to a conditional GET. */
export type Conditional<T> =
  | { readonly type: 'modified'; readonly url: string; readonly value: T; readonly etag: string | undefined }
  /** 304: nothing changed since the ETag sent (and GitHub did not count it against the rate limit). */
  | { readonly type: 'not-modified'; readonly url: string }
  /** 404: no such repository (deleted, private, renamed away), or a repository without releases. */
  | { readonly type: 'not-found'; readonly url: string };
