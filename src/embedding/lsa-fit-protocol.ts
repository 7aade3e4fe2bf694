import { Type, type Static } from '@sinclair/typebox';
import { messageSchema } from '../protocols/message.js';
import type { LsaFitOptions } from './lsa/index.js';

/** What the LSA fit worker is asked: fit on the papers of a SQLite file, save the model to a data dir's model store. */
export interface LsaFitRequest {
  /** The SQLite file whose papers (titles and abstracts) are the corpus; the worker opens it read-only. */
  readonly database: string;
  /** The data dir whose model store (`<dataDir>/models`) the worker saves the model to. */
  readonly dataDir: string;
  readonly options: LsaFitOptions;
}

/** The model is fitted and saved as `lsa-<fitId>.bin`; `fittedOn` papers were read. */
export const LsaFitted = messageSchema('fitted', { fitId: Type.String(), fittedOn: Type.Integer() });
/** The corpus has nothing to learn from (`EmbedderFitError`, which does not survive the thread boundary as itself). */
export const LsaUnfit = messageSchema('unfit', { reason: Type.String(), documents: Type.Integer() });
/**
 * Any other failure, as plain fields: an error of a class other than the built-in ones (a
 * `SqliteError`, a `PaperdError`) loses its message crossing the thread boundary.
 */
export const LsaFitFailed = messageSchema('failed', {
  name: Type.String(),
  message: Type.String(),
  code: Type.Optional(Type.String()),
  stack: Type.Optional(Type.String()),
});
/** The worker's one reply. A failure before it can reply (loading its modules) is the worker's `error` event. */
export const LsaFitReply = Type.Union([LsaFitted, LsaUnfit, LsaFitFailed]);
export type LsaFitReply = Static<typeof LsaFitReply>;
export type LsaFitted = Static<typeof LsaFitted>;
export type LsaFitFailed = Static<typeof LsaFitFailed>;
