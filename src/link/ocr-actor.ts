import { describeError } from '../errors.js';
import type { LlmRouter } from '../inference/router.js';
import { readWithVlm, tesseractEngine, type OcrEngine } from '../ocr/index.js';
import type { OcrMessage, OcrReplies } from '../protocols/link-ocr.js';
import type { Behavior } from '../supervisors/index.js';

interface OcrActorState {
  inFlight: number;
  read: number;
  failed: number;
  /** Pages waiting for a free reader, in arrival order. */
  readonly waiting: (() => void)[];
}

/**
 * The engine of a node that reads pages for the others: its VLM (through its own router, in front
 * of vLLM) when `vlmModel` is set, Tesseract on its own CPU when not or when the VLM fails.
 */
export function servingOcrEngine(options: { router: LlmRouter | undefined; vlmModel: string; language: string }): { engine: OcrEngine; name: string } {
  const tesseract = tesseractEngine(options.language);
  const router = options.router;
  if (!router || !options.vlmModel) return { engine: tesseract, name: 'tesseract' };
  return {
    name: `vlm:${options.vlmModel}`,
    engine: async (png, signal) => {
      try {
        return await readWithVlm(router, options.vlmModel, png, signal);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        return tesseract(png, signal);
      }
    },
  };
}

/**
 * The OCR actor of a gpu node: reads the pages the main node's OCR class sends it (`ocr.page`),
 * up to `concurrency` at once, the rest waiting their turn. Each answer is sent when its page is
 * read, not inside the handler, so the mailbox stays one message at a time; a page whose asker
 * has stopped waiting (`timeoutMs`) is abandoned.
 */
export function ocrBehavior(reader: { engine: OcrEngine; name: string }, concurrency = 2): Behavior<OcrMessage, OcrActorState, OcrReplies> {
  return {
    init: () => ({ inFlight: 0, read: 0, failed: 0, waiting: [] }),
    receive(state, msg, ctx) {
      const reply = ctx.reply;
      const signal = AbortSignal.timeout(msg.timeoutMs);
      const png = Buffer.from(msg.png, 'base64');
      const run = () => {
        state.inFlight++;
        reader.engine(png, signal).then(
          (text) => {
            state.read++;
            reply({ ok: true, text, engine: reader.name });
          },
          (error: unknown) => {
            state.failed++;
            const { name, message } = describeError(error);
            ctx.log.warn({ page: msg.label, err: error }, 'OCR of a page sent over the link failed');
            reply({ ok: false, message: `${name}: ${message}` });
          },
        ).finally(() => {
          state.inFlight--;
          state.waiting.shift()?.();
        });
      };
      if (state.inFlight < concurrency) run();
      else state.waiting.push(run);
      return state;
    },
    summary: (state) => ({ engine: reader.name, inFlight: state.inFlight, waiting: state.waiting.length, read: state.read, failed: state.failed }),
  };
}
