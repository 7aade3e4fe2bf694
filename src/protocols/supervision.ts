import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from './message.js';

/** A child's incarnation ended by an exception; `incarnation` lets a supervisor ignore stale news. */
export const ChildFailed = messageSchema('childFailed', {
  id: Type.String(),
  incarnation: Type.Integer({ minimum: 1 }),
  error: Type.Unknown(),
});

/** A child's incarnation ended normally (it stopped itself). */
export const ChildExited = messageSchema('childExited', {
  id: Type.String(),
  incarnation: Type.Integer({ minimum: 1 }),
});

/** A backoff delay has passed: start the children that were waiting for it. */
export const RestartDue = messageSchema('restartDue', {
  ids: Type.Array(Type.String()),
  generation: Type.Integer(),
});

/** What a supervisor receives. */
export const SupervisorMessage = Type.Union([ChildFailed, ChildExited, RestartDue]);
export type SupervisorMessage = Static<typeof SupervisorMessage>;
