import type { LlmRouter } from '../inference/router.js';
import { withGpuLease, type GpuLeases } from '../offline/gpu-lease.js';
import type { OcrEngine } from './tesseract.js';

const PROMPT = 'Transcribe every word printed on this page, in reading order, as plain text. Answer with the text only.';

/**
 * OCR by a vision-language model on a GPU node, through the router at offline priority and under
 * that node's GPU lease; when the lease is not granted (online inference needs the GPU) the page
 * goes to `fallback` (Tesseract, on this machine's CPU) instead of waiting.
 */
export function vlmEngine(options: { router: LlmRouter; model: string; leases: GpuLeases; node: string; fallback: OcrEngine }): OcrEngine {
  return async (png, signal) => {
    const text = await withGpuLease(options.leases, options.node, 'ocr', signal, 5 * 60_000, async (leased) => {
      const completion = await options.router.chat(
        {
          model: options.model,
          temperature: 0,
          messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }] }],
        },
        { priority: 'offline', signal: leased },
      );
      return completion.choices[0]?.message.content?.trim() ?? '';
    });
    return text ?? options.fallback(png, signal);
  };
}
