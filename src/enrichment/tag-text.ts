import { ENRICHMENT_LIMITS, TAG_PATTERN } from './schema.js';

const TAG = new RegExp(TAG_PATTERN);

/**
 * A tag as stored: diacritics folded, lowercase, `#` and `_` spelled as words, any other mark a
 * space, runs of spaces one, and no mark at either end (`c++` and `c#` keep theirs). Undefined
 * when nothing is left or it is longer than a tag may be.
 */
export function normaliseTag(raw: string): string | undefined {
  const tag = raw
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/^#+/, '')
    .replace(/_/g, ' ')
    .replace(/[^a-z0-9+#./ -]+/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/[^a-z0-9+#]+$/, '');
  return tag.length > 0 && tag.length <= ENRICHMENT_LIMITS.tagChars && TAG.test(tag) ? tag : undefined;
}
