import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The bounds every enrichment is held to, whoever produced it. */
export const ENRICHMENT_LIMITS = {
  tldrChars: 400,
  tags: 12,
  tagChars: 40,
  /** Per entity kind: a list longer than this is a model looping, not a paper naming things. */
  entitiesPerKind: 32,
  entityChars: 200,
  urlChars: 500,
} as const;

/**
 * What a tag may be: lowercase words, digits and the few marks tags keep (`c++`, `gpt-4`, `3d`,
 * `c#`); no space or mark at either end, so a tag reads the same however it was spelled.
 */
export const TAG_PATTERN = '^[a-z0-9](?:[a-z0-9+#./ -]*[a-z0-9+#])?$';
// http(s), a host with a dot, then anything but whitespace.
const CODE_URL_PATTERN = '^https?://[^\\s/?#@]+\\.[^\\s/?#@]+(?:[/?#]\\S*)?$';
// Hugging Face repo ids: owner/name, each starting with a letter or digit.
const HF_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$';
// Natural ids without version, as `papers.id` stores them: `2401.01234`, `hep-th/9901001`.
const ARXIV_ID_PATTERN = '^(?:\\d{4}\\.\\d{4,5}|[a-z]+(?:-[a-z]+)*/\\d{7})$';

const names = (description: string) =>
  Type.Array(Type.String({ minLength: 1, maxLength: ENRICHMENT_LIMITS.entityChars }), { maxItems: ENRICHMENT_LIMITS.entitiesPerKind, description });

/** What a paper names: models, datasets, tasks, methods, and where its code and weights live. */
export const EnrichmentEntities = Type.Object(
  {
    models: names('Models the paper introduces or uses, as named in the text (e.g. "BERT", "Llama 2 7B").'),
    datasets: names('Datasets and benchmarks used or introduced (e.g. "ImageNet", "GSM8K").'),
    tasks: names('Tasks addressed (e.g. "question answering", "image segmentation").'),
    methods: names('Methods and techniques proposed or used (e.g. "LoRA", "contrastive learning").'),
    codeUrls: Type.Array(Type.String({ maxLength: ENRICHMENT_LIMITS.urlChars, pattern: CODE_URL_PATTERN }), {
      maxItems: ENRICHMENT_LIMITS.entitiesPerKind,
      description: 'http(s) URLs of code released with the paper, only as written in the text.',
    }),
    huggingFaceIds: Type.Array(Type.String({ pattern: HF_ID_PATTERN }), {
      maxItems: ENRICHMENT_LIMITS.entitiesPerKind,
      description: 'Hugging Face repository ids (owner/name) of models, datasets or spaces the text links to.',
    }),
    arxivIds: Type.Array(Type.String({ pattern: ARXIV_ID_PATTERN }), {
      maxItems: ENRICHMENT_LIMITS.entitiesPerKind,
      description: 'arXiv ids of other papers the text cites, without version (e.g. "2106.09685").',
    }),
  },
  { additionalProperties: false },
);
export type EnrichmentEntities = Static<typeof EnrichmentEntities>;

/** The kinds of entity, in schema order. */
export const ENTITY_KINDS = ['models', 'datasets', 'tasks', 'methods', 'codeUrls', 'huggingFaceIds', 'arxivIds'] as const satisfies readonly (keyof EnrichmentEntities)[];
export type EntityKind = (typeof ENTITY_KINDS)[number];

/**
 * One paper's enrichment: a TL;DR, tags and the entities it names. Whatever produced it (an LLM or
 * the embedded fallback), it is stored only once it validates against this schema.
 */
export const EnrichmentResult = Type.Object(
  {
    tldr: Type.String({
      minLength: 1,
      maxLength: ENRICHMENT_LIMITS.tldrChars,
      description: `One or two plain sentences saying what the paper does and finds, at most ${ENRICHMENT_LIMITS.tldrChars} characters.`,
    }),
    tags: Type.Array(Type.String({ minLength: 1, maxLength: ENRICHMENT_LIMITS.tagChars, pattern: TAG_PATTERN }), {
      maxItems: ENRICHMENT_LIMITS.tags,
      description: `At most ${ENRICHMENT_LIMITS.tags} short lowercase topic tags of one to three words (e.g. "diffusion models").`,
    }),
    entities: EnrichmentEntities,
  },
  { additionalProperties: false },
);
export type EnrichmentResult = Static<typeof EnrichmentResult>;

/** The name the schema is sent under in `response_format` (OpenAI allows `[A-Za-z0-9_-]{1,64}`). */
export const ENRICHMENT_SCHEMA_NAME = 'paper_enrichment';

// The keywords every structured-output engine we target accepts (OpenAI strict mode, vLLM's
// xgrammar/guidance/outlines, Ollama's llama.cpp grammars). Length, pattern and item bounds are
// left out: engines reject or silently ignore them unevenly, and `parseEnrichmentOutput`
// enforces them anyway. The descriptions carry the limits to the model instead.
const PORTABLE_KEYWORDS = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'description']);

function portable(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(portable);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (!PORTABLE_KEYWORDS.has(key)) continue;
    // `properties` maps names to schemas: keep every name, clean each schema.
    out[key] = key === 'properties' ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, portable(v)])) : portable(value);
  }
  return out;
}

/**
 * The enrichment schema as plain JSON Schema in the subset strict structured output accepts:
 * every property required, `additionalProperties: false` on every object, no length or pattern
 * keywords. A fresh object each call, so a caller may not alter the shared one.
 */
export function enrichmentJsonSchema(): Record<string, unknown> {
  return portable(EnrichmentResult as TSchema) as Record<string, unknown>;
}

/** The `response_format` of an OpenAI-compatible chat completion asking for an enrichment. */
export interface EnrichmentResponseFormat {
  readonly type: 'json_schema';
  readonly json_schema: { readonly name: string; readonly schema: Record<string, unknown>; readonly strict: true };
}

/** `response_format: {type: 'json_schema', json_schema: {name, schema, strict: true}}` for an enrichment request. */
export function enrichmentResponseFormat(): EnrichmentResponseFormat {
  return { type: 'json_schema', json_schema: { name: ENRICHMENT_SCHEMA_NAME, schema: enrichmentJsonSchema(), strict: true } };
}
