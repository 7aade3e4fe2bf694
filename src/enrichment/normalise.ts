import { normaliseArxivId } from './arxiv-ids.js';
import { normaliseCodeUrl, uniqueIgnoringCase } from './code-urls.js';
import { normaliseHuggingFaceId } from './hugging-face-ids.js';
import { ENRICHMENT_LIMITS, ENTITY_KINDS, type EntityKind } from './schema.js';
import { shortenText } from './sentences.js';
import { normaliseTag } from './tag-text.js';

/** A change normalising made to content, beyond spelling (trimming, case, duplicates). */
export type NormaliseRepair = 'tldr-shortened' | 'tags-capped' | 'entities-capped' | 'invalid-dropped' | 'entities-filled' | 'unknown-fields-dropped';

const ENTITY_NORMALISERS: Readonly<Record<EntityKind, (raw: string) => string | undefined>> = {
  models: plainName,
  datasets: plainName,
  tasks: plainName,
  methods: plainName,
  codeUrls: normaliseCodeUrl,
  huggingFaceIds: normaliseHuggingFaceId,
  arxivIds: normaliseArxivId,
};

function plainName(raw: string): string | undefined {
  const name = raw.replace(/\s+/g, ' ').trim();
  return name.length > 0 && name.length <= ENRICHMENT_LIMITS.entityChars ? name : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Brings a parsed enrichment into the form it is stored in: whitespace collapsed; tags lowercased
 * (see `normaliseTag`); entities trimmed, URLs and ids in their canonical spelling; duplicates
 * dropped (names compared without case); items that cannot be valid (a URL that is not http(s),
 * an id that is not `owner/name`) dropped; lists past their bound cut; a TL;DR past its bound
 * shortened at a sentence or word; an entity list left out (or null) taken as empty; unknown
 * fields dropped.
 *
 * Only values of the right type are touched: a number where a string belongs, a string where a
 * list belongs, a missing TL;DR or tag list, pass through as they are, for validation to reject.
 */
export function normaliseEnrichment(value: unknown): { value: unknown; repairs: NormaliseRepair[] } {
  if (!isRecord(value)) return { value, repairs: [] };
  const repairs = new Set<NormaliseRepair>();
  const out: Record<string, unknown> = {};
  if (Object.keys(value).some((k) => k !== 'tldr' && k !== 'tags' && k !== 'entities')) repairs.add('unknown-fields-dropped');

  const { tldr, tags, entities } = value;
  if (typeof tldr === 'string') {
    const collapsed = tldr.replace(/\s+/g, ' ').trim();
    out.tldr = shortenText(collapsed, ENRICHMENT_LIMITS.tldrChars);
    if (out.tldr !== collapsed) repairs.add('tldr-shortened');
  } else if (tldr !== undefined) out.tldr = tldr;

  if (Array.isArray(tags)) {
    const normalised = normaliseList(tags, normaliseTag, repairs);
    if (normalised.length > ENRICHMENT_LIMITS.tags) repairs.add('tags-capped');
    out.tags = normalised.slice(0, ENRICHMENT_LIMITS.tags);
  } else if (tags !== undefined) out.tags = tags;

  if (isRecord(entities)) {
    const known = new Set<string>(ENTITY_KINDS);
    if (Object.keys(entities).some((k) => !known.has(k))) repairs.add('unknown-fields-dropped');
    const cleaned: Record<string, unknown> = {};
    for (const kind of ENTITY_KINDS) {
      const list = entities[kind];
      if (list === undefined || list === null) {
        cleaned[kind] = [];
        repairs.add('entities-filled');
      } else if (Array.isArray(list)) {
        const normalised = normaliseList(list, ENTITY_NORMALISERS[kind], repairs);
        if (normalised.length > ENRICHMENT_LIMITS.entitiesPerKind) repairs.add('entities-capped');
        cleaned[kind] = normalised.slice(0, ENRICHMENT_LIMITS.entitiesPerKind);
      } else cleaned[kind] = list;
    }
    out.entities = cleaned;
  } else if (entities !== undefined) out.entities = entities;

  return { value: out, repairs: [...repairs] };
}

/**
 * The list with its strings normalised, the ones that cannot be valid dropped, duplicates
 * dropped; items that are not strings are kept as they are so that validation rejects them.
 */
function normaliseList(items: readonly unknown[], normalise: (raw: string) => string | undefined, repairs: Set<NormaliseRepair>): unknown[] {
  const strings: string[] = [];
  const others: unknown[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      others.push(item);
      continue;
    }
    const n = normalise(item);
    if (n === undefined) {
      if (item.trim()) repairs.add('invalid-dropped');
    } else strings.push(n);
  }
  return [...uniqueIgnoringCase(strings), ...others];
}
