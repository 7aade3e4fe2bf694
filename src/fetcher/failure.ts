import { BadInputError, NotAPdfError, PdfTooLargeError, PdfUnavailableError } from '../errors.js';

/**
 * What the pipeline should do with a failed download: `retryable` (arXiv unavailable, timeouts,
 * network errors, disk trouble) reschedules the job; `permanent` (404/410/403, not a PDF, too
 * large, a malformed id) records a failure on the paper and stops asking arXiv for it.
 */
export type PdfFailureKind = 'retryable' | 'permanent';

/**
 * Classifies an error thrown by `PdfFetcher`. Anything not known to be permanent is retryable,
 * so an unexpected failure costs a retry rather than a paper marked as having no PDF. A caller
 * that aborted should check its own signal first: an abort is neither.
 */
export function classifyPdfFailure(error: unknown): PdfFailureKind {
  const permanent =
    error instanceof NotAPdfError || error instanceof PdfTooLargeError || error instanceof PdfUnavailableError || error instanceof BadInputError;
  return permanent ? 'permanent' : 'retryable';
}
