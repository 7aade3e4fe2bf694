import { Type, type Static } from '@sinclair/typebox';

/**
 * What produced a stored enrichment: an LLM (which model, at which endpoint) or the embedded
 * fallback. A fallback result is provisional: the offline system redoes it once an LLM is up.
 */
export const EnrichmentProvenance = Type.Object(
  {
    producer: Type.Union([Type.Literal('llm'), Type.Literal('fallback')]),
    /** The model as the endpoint names it (`Qwen/Qwen2.5-7B-Instruct`), or the fallback's version. */
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    /** The endpoint's name or base URL, never with credentials (see `safeEndpoint`). */
    endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type EnrichmentProvenance = Static<typeof EnrichmentProvenance>;

/**
 * An endpoint as it may be stored and shown: a URL loses its user, password, query and fragment
 * (where API keys end up when put in a URL); a name that is not a URL is kept as it is.
 */
export function safeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return endpoint.trim();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return endpoint.trim();
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/$/, '');
}

/** The provenance of a result made by an LLM. */
export function llmProvenance(model: string, endpoint?: string): EnrichmentProvenance {
  return endpoint === undefined ? { producer: 'llm', model } : { producer: 'llm', model, endpoint: safeEndpoint(endpoint) };
}
