/**
 * Enrichment: a TL;DR, tags and entities for each paper, from an LLM (prompt, structured-output
 * schema, repair-or-reject of its answer) or, with no LLM up, from the embedded fallback.
 */
export {
  ENRICHMENT_LIMITS,
  ENRICHMENT_SCHEMA_NAME,
  ENTITY_KINDS,
  EnrichmentEntities,
  EnrichmentResult,
  enrichmentJsonSchema,
  enrichmentResponseFormat,
  type EnrichmentResponseFormat,
  type EntityKind,
} from './schema.js';
export { EnrichmentProvenance, llmProvenance, safeEndpoint } from './provenance.js';
export { type EnrichmentInput } from './paper-input.js';
export {
  ENRICHMENT_PROMPT_VERSION,
  enrichmentChatRequest,
  enrichmentMessages,
  type ChatMessage,
  type EnrichmentChatRequest,
  type EnrichmentPromptOptions,
} from './prompts.js';
export { parseEnrichmentOutput, validateEnrichment, type EnrichmentRepair, type ParsedEnrichment } from './parse-output.js';
export { FALLBACK_MODEL, fallbackEnrichment, fallbackProvenance, type FallbackOptions } from './fallback.js';
export { FallbackEnricher } from './fallback-enricher.js';
