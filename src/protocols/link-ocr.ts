import { Type, type Static } from '@sinclair/typebox';
import type { LinkProtocol } from './link.js';
import { messageSchema } from './message.js';

/**
 * One rendered page (PNG, base64) for a node that reads pages (a gpu node: a VLM or Tesseract on
 * its own CPU). `timeoutMs` is how long the asker waits: past it the reader gives up, since its
 * answer would be thrown away.
 */
export const OcrPage = messageSchema('ocr.page', {
  png: Type.String({ minLength: 1, contentEncoding: 'base64' }),
  /** What the page is (paper and page number), for the reader's logs. */
  label: Type.String({ maxLength: 200 }),
  timeoutMs: Type.Integer({ minimum: 1 }),
});
export const OcrMessage = Type.Union([OcrPage]);
export type OcrMessage = Static<typeof OcrMessage>;

const PageOutcome = Type.Union([
  Type.Object({ ok: Type.Literal(true), text: Type.String(), engine: Type.String() }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), message: Type.String() }, { additionalProperties: false }),
]);
export type OcrReplies = { 'ocr.page': Static<typeof PageOutcome> };

/** The OCR actor of a gpu node, as the main node's OCR class asks it over the link. */
export const OcrProtocol: LinkProtocol<OcrMessage, OcrReplies> = {
  name: 'ocr',
  messages: OcrMessage,
  replies: { 'ocr.page': PageOutcome },
};
