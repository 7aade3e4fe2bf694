import { errorCodeOf, MalformedJsonError, RemoteBodyTooLargeError, RemoteStatusError } from '../../errors.js';
import type { GraphFacts } from '../../graph/facts.js';
import type { Clock } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import type { ApplyFacts } from '../huggingface/poller.js';
import type { GithubClient } from './client.js';
import type { EtagStore } from './etag-store.js';
import { githubReleaseFacts, githubRepositoryFacts } from './facts.js';
import { githubRepoKey, parseGithubRepo } from './repo-key.js';
import type { Conditional } from './types.js';

/** The repositories to watch, as `owner/name` (or any spelling `parseGithubRepo` reads). */
export type WatchedRepositories = () => readonly string[] | Promise<readonly string[]>;

export interface GithubPollerOptions {
  readonly client: GithubClient;
  readonly etags: EtagStore;
  readonly watched: WatchedRepositories;
  readonly apply: ApplyFacts;
  readonly clock: Clock;
  readonly logger?: Logger;
}

/** A repository that could not be read; the others went on. */
export interface GithubRepoFailure {
  readonly repository: string;
  readonly code: string;
  readonly message: string;
  readonly url?: string;
}

export interface GithubPollReport {
  readonly repositories: number;
  /** Answers that changed since their ETag and were applied. */
  readonly modified: number;
  /** 304s: nothing to apply, no rate limit spent. */
  readonly notModified: number;
  readonly notFound: number;
  readonly entities: number;
  readonly edges: number;
  readonly failures: readonly GithubRepoFailure[];
}

/**
 * Polls the repositories papers link to: each one's page and latest release, conditionally, so an
 * unchanged repository costs two 304s and no rate limit. Facts are applied before the ETag that
 * vouches for them is stored. A repository answering something retrying will not change is reported
 * and skipped; a GitHub outage ends the poll (the next one redoes only what changed).
 */
export class GithubPoller {
  constructor(private readonly options: GithubPollerOptions) {}

  async poll(signal?: AbortSignal): Promise<GithubPollReport> {
    const names = [...new Set((await this.options.watched()).map((n) => githubRepoKey(n)).filter((k): k is string => k !== undefined))];
    const report = { repositories: names.length, modified: 0, notModified: 0, notFound: 0, entities: 0, edges: 0, failures: [] as GithubRepoFailure[] };
    for (const key of names) {
      const { owner, name } = parseGithubRepo(key)!;
      try {
        await this.syncEndpoint(() => this.options.client.repository(owner, name, { etag: this.etagFor('repo', owner, name), signal }), (repo) => githubRepositoryFacts(repo), report);
        await this.syncEndpoint(
          () => this.options.client.latestRelease(owner, name, { etag: this.etagFor('release', owner, name), signal }),
          (release) => githubReleaseFacts(key, release),
          report,
        );
      } catch (error) {
        if (!(error instanceof MalformedJsonError || error instanceof RemoteStatusError || error instanceof RemoteBodyTooLargeError)) throw error;
        this.options.logger?.warn({ repository: key, url: error.url, err: error }, 'github repository skipped');
        report.failures.push({ repository: key, code: errorCodeOf(error), message: error.message, url: error.url });
      }
    }
    this.options.logger?.info({ ...report, failures: report.failures.length }, 'github repositories polled');
    return report;
  }

  private etagFor(what: 'repo' | 'release', owner: string, name: string): string | undefined {
    const base = `${this.options.client.apiBaseUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`;
    return this.options.etags.get(what === 'repo' ? base : `${base}/releases/latest`);
  }

  private async syncEndpoint<T>(
    request: () => Promise<Conditional<T>>,
    toFacts: (value: T) => GraphFacts,
    report: { modified: number; notModified: number; notFound: number; entities: number; edges: number },
  ): Promise<void> {
    const answer = await request();
    if (answer.type === 'not-modified') {
      report.notModified++;
      return;
    }
    if (answer.type === 'not-found') {
      report.notFound++;
      return;
    }
    const facts = toFacts(answer.value);
    await this.options.apply(facts, { source: 'github-poller', at: this.options.clock.now() });
    if (answer.etag) this.options.etags.set(answer.url, answer.etag);
    report.modified++;
    report.entities += facts.entities.length;
    report.edges += facts.edges.length;
  }
}
