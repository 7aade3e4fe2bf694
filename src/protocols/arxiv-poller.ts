import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from './message.js';

/** Poll the arXiv listing now, whatever the schedule says (startup, the API's "poll now", tests). Askable: answers an `ArxivPollReport`. */
export const ArxivPollNow = messageSchema('poll', {});

/**
 * The poller's own timer fired. `seq` names the timer, so a tick that was already queued when a
 * "poll now" rescheduled the poller is recognised as stale and ignored.
 */
export const ArxivPollTick = messageSchema('tick', {
  seq: Type.Integer({ minimum: 1 }),
});

/** What the arXiv poller receives. */
export const ArxivPollerMessage = Type.Union([ArxivPollNow, ArxivPollTick]);
export type ArxivPollerMessage = Static<typeof ArxivPollerMessage>;

/** The answer to an asked `poll`: what it did and when the next one is due. */
export const ArxivPollReport = Type.Object({
  outcome: Type.Union([Type.Literal('ingested'), Type.Literal('unchanged'), Type.Literal('empty'), Type.Literal('failed')]),
  /** ISO 8601: the announcement the listing showed, when it was read. */
  announcement: Type.Optional(Type.String()),
  /** Records the sink accepted in this poll (listing and export API). */
  accepted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  /** ISO 8601. */
  nextPollAt: Type.String(),
  /** The error's code and message, when the poll failed. */
  error: Type.Optional(Type.String()),
});
export type ArxivPollReport = Static<typeof ArxivPollReport>;

/** Replies of the askable messages. */
export type ArxivPollerReplies = { poll: ArxivPollReport };
