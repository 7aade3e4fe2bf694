import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from '../protocols/message.js';
import type { CheckpointStore } from '../sources/arxiv/harvest-checkpoint.js';
import type { HuggingfaceClient } from '../sources/huggingface/client.js';
import { HuggingfacePoller, type ApplyFacts, type HfPollReport } from '../sources/huggingface/poller.js';
import { periodicPollBehavior, type PollReplies } from './periodic-poll.js';

/** Poll the Hugging Face daily papers now (also what the actor's own timer sends). */
export const HuggingfacePoll = messageSchema('huggingfacePoll', {});
export const HuggingfacePollerMessage = Type.Union([HuggingfacePoll]);
export type HuggingfacePollerMessage = Static<typeof HuggingfacePollerMessage>;
export type HuggingfacePollerReplies = PollReplies<'huggingfacePoll', HfPollReport>;

export interface HuggingfacePollerDeps {
  readonly client: HuggingfaceClient;
  readonly checkpoints: CheckpointStore;
  readonly apply: ApplyFacts;
  readonly intervalMs: number;
  readonly lookbackDays?: number;
  readonly finalAfterMs?: number;
}

/**
 * Polls the Hugging Face daily papers every `intervalMs` (and on `huggingfacePoll`), handing the
 * facts to `apply`. Finished days are checkpointed, so a retried poll redoes nothing.
 */
export function huggingfacePollerBehavior(deps: HuggingfacePollerDeps) {
  return periodicPollBehavior<'huggingfacePoll', HfPollReport>({
    message: 'huggingfacePoll',
    label: 'huggingface',
    intervalMs: deps.intervalMs,
    open(ctx) {
      const poller = new HuggingfacePoller({ ...deps, clock: ctx.clock, logger: ctx.log });
      let papers = 0;
      return {
        poll: (signal) => poller.poll(signal),
        tally(report) {
          papers += report.days.reduce((n, d) => n + d.papers, 0);
        },
        summary: () => ({ papers }),
      };
    },
  });
}
