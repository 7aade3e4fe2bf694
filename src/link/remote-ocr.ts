import type { Logger } from 'pino';
import type { OcrEngine } from '../ocr/index.js';
import type { OcrMessage, OcrReplies } from '../protocols/link-ocr.js';
import { askRemote, type RemoteRef } from './remote-ref.js';

/** Pages read, by where: on the peer, or here after the peer was down, slow or failing. */
export interface RemoteOcrCounts {
  remote: number;
  local: number;
  /** Pages sent to the peer that came back here (down mid-page, past the deadline, or its reader failed). */
  fellBack: number;
}

/**
 * An OCR engine for the main node's OCR class: each page goes to the OCR actor of `ref`'s node
 * (a gpu node) while that node is up, and is read by `local` when it is down, when it does not
 * answer within `timeoutMs`, or when its reader fails. The class records a page's text once it
 * is returned, so a page is read here or there and kept once: a late answer from the peer after
 * the fallback is dropped by the link (its ask is settled already).
 */
export function remoteOcrEngine(options: {
  readonly ref: RemoteRef<OcrMessage, OcrReplies>;
  readonly local: OcrEngine;
  readonly timeoutMs: number;
  /** Larger page images (base64) are read here: the link carries messages up to link.maxMessageBytes. */
  readonly maxBytes: number;
  readonly log: Logger;
  readonly counts?: RemoteOcrCounts;
}): { engine: OcrEngine; counts: RemoteOcrCounts } {
  const { ref, local, timeoutMs, log } = options;
  const counts = options.counts ?? { remote: 0, local: 0, fellBack: 0 };
  let pages = 0;
  const readLocally = (png: Buffer, signal: AbortSignal) => {
    counts.local++;
    return local(png, signal);
  };
  const engine: OcrEngine = async (png, signal) => {
    if (signal.aborted) throw signal.reason;
    if (ref.session.state !== 'up') return readLocally(png, signal);
    const base64 = png.toString('base64');
    if (base64.length > options.maxBytes) {
      log.info({ node: ref.node, bytes: base64.length, maxBytes: options.maxBytes }, 'page image too large for the link; reading it here');
      return readLocally(png, signal);
    }
    const label = `page ${++pages} sent by this node since it started`;
    const asked = askRemote(ref, { type: 'ocr.page', png: base64, label, timeoutMs }, timeoutMs);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const outcome = await Promise.race([asked, aborted]);
      if (outcome.ok) {
        counts.remote++;
        return outcome.text;
      }
      log.warn({ node: ref.node, reason: outcome.message }, 'remote OCR failed; reading the page here');
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      log.warn({ node: ref.node, err: error }, 'remote OCR did not answer; reading the page here');
    } finally {
      signal.removeEventListener('abort', onAbort!);
      asked.catch(() => undefined);
    }
    counts.fellBack++;
    return readLocally(png, signal);
  };
  return { engine, counts };
}
