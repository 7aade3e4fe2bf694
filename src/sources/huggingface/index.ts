/** The Hugging Face source: daily papers and what the Hub links to them, as graph facts. */
export { HuggingfaceClient, defaultHuggingfaceBaseUrl, type HuggingfaceClientOptions, type HuggingfaceRequestOptions } from './client.js';
export { HuggingfacePollerConfig } from './config.js';
export { hfPaperFacts, type HfPaperLinks } from './facts.js';
export {
  HuggingfacePoller,
  hfDayCheckpointKey,
  type ApplyFacts,
  type HfDayReport,
  type HfPaperFailure,
  type HfPollReport,
  type HuggingfacePollerOptions,
} from './poller.js';
export { defaultRemoteRetryPolicy, type RemoteRetryPolicy } from '../http/remote-request.js';
export type { HfDailyPaper, HfPaper, HfPaperAuthor, HfPaperRepos, HfRepoSummary } from './types.js';
