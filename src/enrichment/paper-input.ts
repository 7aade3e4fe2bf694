/**
 * What enrichment reads of a paper. A `StoredPaper` or a `PaperRecord` fits as it is.
 */
export interface EnrichmentInput {
  /** The natural id (`2401.01234`); the paper's own id is never reported as one it cites. */
  readonly id: string;
  readonly title: string;
  readonly abstract: string;
  readonly categories?: readonly string[];
  readonly primaryCategory?: string | null;
  /** arXiv's comment field: where authors put "Code: https://github.com/…". */
  readonly comment?: string | null;
  /** The extracted full text, when there is one; only its beginning is read. */
  readonly body?: string | null;
}

/**
 * The first `maxChars` of a text, whitespace collapsed and control characters dropped, cut at a
 * word boundary so that no half word (or half URL) reaches the model or the extractors.
 */
export function textExcerpt(text: string | null | undefined, maxChars: number): string {
  if (!text || maxChars <= 0) return '';
  // Read a little past the limit so that collapsing whitespace does not leave the excerpt short.
  const clean = text
    .slice(0, maxChars * 2)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean.length <= maxChars) return clean;
  const cut = clean.lastIndexOf(' ', maxChars);
  return clean.slice(0, cut > maxChars / 2 ? cut : maxChars);
}
