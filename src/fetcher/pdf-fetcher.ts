import { PdfUnavailableError } from '../errors.js';
import type { ArxivHttpClient } from '../sources/arxiv/http-client.js';
import { pdfUrl } from '../sources/arxiv/http-client.js';
import type { ArxivPriority } from '../sources/arxiv/rate-limiter.js';
import type { BlobStore } from '../storage/blobs.js';
import { checkDeclaredPdfSize, checkPdfContentType, validatedPdfChunks } from './pdf-validation.js';

export interface PdfFetcherOptions {
  readonly client: ArxivHttpClient;
  readonly blobs: BlobStore;
  /** Larger PDFs are refused (arXiv's own cap is 50 MB). */
  readonly maxBytes?: number;
  /** Budget for one download attempt, body included. */
  readonly totalTimeoutMs?: number;
}

export interface PdfFetchOptions {
  readonly priority?: ArxivPriority;
  readonly signal?: AbortSignal;
}

/** A PDF downloaded, validated and stored under its content address. */
export interface FetchedPdf {
  readonly url: string;
  readonly sha256: string;
  readonly size: number;
  /** Where the blob store keeps it. */
  readonly path: string;
  readonly attempts: number;
}

/** 50 MiB. */
export const defaultMaxPdfBytes = 50 * 1024 * 1024;

/**
 * Downloads PDFs from arXiv through the shared client (and so the shared rate limiter), streaming
 * each into the blob store while checking it: Content-Type, `%PDF-` magic, size cap. Errors are
 * catalogue classes; `classifyPdfFailure` tells retryable from permanent.
 */
export class PdfFetcher {
  readonly maxBytes: number;

  constructor(private readonly options: PdfFetcherOptions) {
    this.maxBytes = options.maxBytes ?? defaultMaxPdfBytes;
  }

  /** Fetches the PDF of an arXiv id, with or without version (`1111.2011v2`). */
  async fetch(arxivId: string, options?: PdfFetchOptions): Promise<FetchedPdf> {
    return this.fetchUrl(pdfUrl(arxivId, this.options.client.baseUrls.pdf), options);
  }

  /** Fetches the PDF at `url` (which must be one of arXiv's: it goes through arXiv's rate limit). */
  async fetchUrl(url: string, options: PdfFetchOptions = {}): Promise<FetchedPdf> {
    const { blobs, client } = this.options;
    const result = await client.exchange(
      url,
      async (response) => {
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          throw new PdfUnavailableError(url, response.status);
        }
        checkDeclaredPdfSize(url, response.headers.get('content-length'), this.maxBytes);
        checkPdfContentType(url, response.headers.get('content-type'));
        return blobs.putStream(validatedPdfChunks(response.body ?? emptyBody(), url, this.maxBytes));
      },
      {
        priority: options.priority ?? 'normal',
        accept: 'application/pdf',
        ...(options.signal ? { signal: options.signal } : {}),
        totalTimeoutMs: this.options.totalTimeoutMs ?? 5 * 60_000,
      },
    );
    const blob = result.value;
    return { url, sha256: blob.sha256, size: blob.size, path: blob.path, attempts: result.attempts };
  }
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}
