import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from '../protocols/message.js';
import type { GithubClient } from '../sources/github/client.js';
import type { EtagStore } from '../sources/github/etag-store.js';
import { GithubPoller, type GithubPollReport, type WatchedRepositories } from '../sources/github/poller.js';
import type { ApplyFacts } from '../sources/huggingface/poller.js';
import { periodicPollBehavior, type PollReplies } from './periodic-poll.js';

/** Poll the watched GitHub repositories now (also what the actor's own timer sends). */
export const GithubPoll = messageSchema('githubPoll', {});
export const GithubPollerMessage = Type.Union([GithubPoll]);
export type GithubPollerMessage = Static<typeof GithubPollerMessage>;
export type GithubPollerReplies = PollReplies<'githubPoll', GithubPollReport>;

export interface GithubPollerDeps {
  readonly client: GithubClient;
  readonly etags: EtagStore;
  readonly watched: WatchedRepositories;
  readonly apply: ApplyFacts;
  readonly intervalMs: number;
}

/**
 * Polls the repositories papers link to every `intervalMs` (and on `githubPoll`), handing the facts
 * to `apply`. The client waits out GitHub's rate limit itself.
 */
export function githubPollerBehavior(deps: GithubPollerDeps) {
  return periodicPollBehavior<'githubPoll', GithubPollReport>({
    message: 'githubPoll',
    label: 'github',
    intervalMs: deps.intervalMs,
    open(ctx) {
      const poller = new GithubPoller({ ...deps, clock: ctx.clock, logger: ctx.log });
      let modified = 0;
      let notModified = 0;
      return {
        poll: (signal) => poller.poll(signal),
        tally(report) {
          modified += report.modified;
          notModified += report.notModified;
        },
        summary() {
          const limit = deps.client.rateLimit();
          return {
            modified,
            notModified,
            rateLimitRemaining: limit.remaining ?? null,
            rateLimitResetAt: limit.resetAt === undefined ? null : new Date(limit.resetAt).toISOString(),
          };
        },
      };
    },
  });
}
