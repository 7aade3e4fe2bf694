/** The PDF fetcher: downloads from arXiv, validates, and stores in the blob store. */
export { PdfFetcher, defaultMaxPdfBytes, type FetchedPdf, type PdfFetchOptions, type PdfFetcherOptions } from './pdf-fetcher.js';
export { classifyPdfFailure, type PdfFailureKind } from './failure.js';
export { checkPdfContentType, checkDeclaredPdfSize, validatedPdfChunks } from './pdf-validation.js';
