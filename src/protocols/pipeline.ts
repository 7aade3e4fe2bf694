import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from './message.js';

/** There may be work in the journal for this stage: claim some now. */
export const Work = messageSchema('work', {});
/** The idle timer fired: look for work that arrived without a nudge (another process, an expired lease). */
export const Poll = messageSchema('poll', {});

/** What every journal-pulling pipeline stage (indexer, fetcher, extractor, vector sync) receives. */
export const StageMessage = Type.Union([Work, Poll]);
export type StageMessage = Static<typeof StageMessage>;
