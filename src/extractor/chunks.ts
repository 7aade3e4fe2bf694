/** A piece of a paper's text, the unit its vectors are made from. */
export interface TextChunk {
  readonly index: number;
  readonly text: string;
}

export interface ChunkOptions {
  /** Aim for chunks about this long (characters). */
  readonly targetChars?: number;
  /** Carry this much of the end of a chunk into the next, so a passage cut in two is found whole. */
  readonly overlapChars?: number;
}

/**
 * Splits text into chunks of about `targetChars`, cutting at paragraph ends, else sentence ends,
 * else spaces, and repeating `overlapChars` of context at each cut. Hyphenation across line
 * breaks ("repre-\nsentation") is joined first.
 */
export function chunkText(text: string, options: ChunkOptions = {}): TextChunk[] {
  const target = Math.max(200, options.targetChars ?? 1500);
  const overlap = Math.min(Math.max(0, options.overlapChars ?? 200), Math.floor(target / 2));
  const clean = text.replace(/(\p{L})-\n(\p{Ll})/gu, '$1$2').replace(/\r\n?/g, '\n').replace(/[ \t]+/g, ' ').trim();
  const chunks: TextChunk[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(clean.length, start + target);
    if (end < clean.length) {
      const window = clean.slice(start + Math.floor(target / 2), end);
      const cut = [window.lastIndexOf('\n\n'), window.search(/[.!?]\s[^.!?]*$/), window.lastIndexOf(' ')].find((i) => i > 0);
      if (cut !== undefined) end = start + Math.floor(target / 2) + cut + 1;
    }
    const piece = clean.slice(start, end).trim();
    if (piece) chunks.push({ index: chunks.length, text: piece });
    if (end >= clean.length) break;
    start = Math.max(end - overlap, start + 1);
    // Start the overlap at a word boundary.
    const space = clean.indexOf(' ', start);
    if (space > 0 && space < end) start = space + 1;
  }
  return chunks;
}
