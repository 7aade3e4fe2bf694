import { NotAPdfError, PdfTooLargeError } from '../errors.js';

const pdfMagic = Buffer.from('%PDF-', 'latin1');

/** Media types a PDF may be served with; arXiv mirrors and proxies sometimes say octet-stream. */
const pdfContentTypes = new Set(['application/pdf', 'application/x-pdf', 'application/octet-stream']);

/**
 * Rejects a Content-Type that cannot be a PDF (an HTML error or captcha page served with 200).
 * A missing Content-Type passes: the magic bytes decide.
 */
export function checkPdfContentType(url: string, contentType: string | null): void {
  if (contentType === null || contentType.trim() === '') return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (!pdfContentTypes.has(mediaType)) throw new NotAPdfError(url, `Content-Type is ${mediaType}, not application/pdf`);
}

/** A declared Content-Length over the cap fails before a byte of the body is read. */
export function checkDeclaredPdfSize(url: string, contentLength: string | null, maxBytes: number): void {
  const declared = contentLength === null ? Number.NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > maxBytes) throw new PdfTooLargeError(url, maxBytes, declared);
}

/**
 * Passes `body` through while checking it: it must start with `%PDF-` and stay within `maxBytes`.
 * It throws at the first chunk that breaks either rule, so the caller stops downloading there
 * and never holds more than a chunk (plus the first five bytes) in memory.
 */
export async function* validatedPdfChunks(body: AsyncIterable<Uint8Array>, url: string, maxBytes: number): AsyncGenerator<Uint8Array> {
  let head: Buffer | undefined = Buffer.alloc(0);
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new PdfTooLargeError(url, maxBytes);
    if (head === undefined) {
      yield chunk;
      continue;
    }
    // The magic may straddle chunks: gather until there are enough bytes to judge.
    head = Buffer.concat([head, chunk]);
    if (head.length < pdfMagic.length) continue;
    checkMagic(url, head);
    yield head;
    head = undefined;
  }
  if (head !== undefined) throw new NotAPdfError(url, head.length === 0 ? 'the body is empty' : `the body is only ${head.length} bytes`);
}

function checkMagic(url: string, head: Buffer): void {
  if (head.subarray(0, pdfMagic.length).equals(pdfMagic)) return;
  const preview = JSON.stringify(head.subarray(0, 24).toString('latin1'));
  const looksLikeMarkup = /^\s*</.test(head.subarray(0, 64).toString('latin1'));
  throw new NotAPdfError(url, `it starts with ${preview}${looksLikeMarkup ? ' (an HTML or XML page)' : ''}, not %PDF-`);
}
