/** The GitHub source: conditional REST polling of the repositories papers link to, as graph facts. */
export { GithubClient, defaultGithubApiBaseUrl, type GithubClientOptions, type GithubRequestOptions } from './client.js';
export { GithubPollerConfig } from './config.js';
export { MemoryEtagStore, SqliteEtagStore, type EtagStore } from './etag-store.js';
export { githubReleaseFacts, githubRepositoryFacts } from './facts.js';
export { GithubPoller, type GithubPollerOptions, type GithubPollReport, type GithubRepoFailure, type WatchedRepositories } from './poller.js';
export { githubRepoKey, parseGithubRepo, type GithubRepoName } from './repo-key.js';
export type { Conditional, GhRelease, GhRepository, GithubRateLimit } from './types.js';
