import type { LlmRouter } from '../inference/router.js';
import { withGpuLease, type GpuLeases } from '../offline/gpu-lease.js';
import type { OcrEngine } from './tesseract.js';

const PROMPT = 'Transcribe every word printed on this page, in reading order, as plain text. Answer with the text only.';

/** Reads one page image with a vision-language model through `router`, at offline priority. */
export async function readWithVlm(router: LlmRouter, model: string, png: Buffer, signal: AbortSignal): Promise<string> {
  const completion = await router.chat(
    {
      model,
      temperature: 0,
      messages: [{ role: 'user', content: [{ type: 'text', text: PROMPT }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }] }],
    },
    { priority: 'offline', signal },
  );
  return completion.choices[0]?.message.content?.trim() ?? '';
}

/**
 * OCR by a vision-language model on a GPU node, through the router at offline priority and under
 * that node's GPU lease; when the lease is not granted (online inference needs the GPU) the page
 * goes to `fallback` (Tesseract, on this machine's CPU) instead of waiting.
 */
export function vlmEngine(options: { router: LlmRouter; model: string; leases: GpuLeases; node: string; fallback: OcrEngine }): OcrEngine {
  return async (png, signal) => {
    const text = await withGpuLease(options.leases, options.node, 'ocr', signal, 5 * 60_000, (leased) => readWithVlm(options.router, options.model, png, leased));
    return text ?? options.fallback(png, signal);
  };
}
