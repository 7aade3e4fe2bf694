import { Value } from '@sinclair/typebox/value';
import { repairJsonObject, type JsonRepair } from './json-repair.js';
import { normaliseEnrichment, type NormaliseRepair } from './normalise.js';
import { EnrichmentResult } from './schema.js';

/** A repair made to a model's output on the way to a valid enrichment. */
export type EnrichmentRepair = JsonRepair | NormaliseRepair;

/**
 * A model's output read as an enrichment: a value that validates against `EnrichmentResult`,
 * with `repaired` set when it took more than spelling fixes (`repairs` says which), or the reason
 * it was rejected.
 */
export type ParsedEnrichment =
  | { readonly ok: true; readonly value: EnrichmentResult; readonly repaired: boolean; readonly repairs: readonly EnrichmentRepair[] }
  | { readonly ok: false; readonly reason: string };

// Enough errors to see what was wrong without echoing a whole broken answer into logs.
const MAX_REPORTED_ERRORS = 3;

/**
 * Repair-or-reject for an LLM's answer to an enrichment prompt. The text is read as JSON (see
 * `repairJsonObject`: fences, prose, trailing commas, single quotes, truncation), normalised (see
 * `normaliseEnrichment`), then validated. Never returns data that did not validate.
 */
export function parseEnrichmentOutput(raw: string): ParsedEnrichment {
  const parsed = repairJsonObject(raw);
  if (!parsed.ok) return parsed;
  const checked = validateEnrichment(parsed.value);
  if (!checked.ok) return checked;
  const repairs = [...parsed.repairs, ...checked.repairs];
  return { ok: true, value: checked.value, repaired: repairs.length > 0, repairs };
}

/**
 * Normalises a candidate enrichment (already parsed) and validates it: the one gate every result
 * passes through before it is stored, whether a model or the fallback made it.
 */
export function validateEnrichment(candidate: unknown): { ok: true; value: EnrichmentResult; repairs: NormaliseRepair[] } | { ok: false; reason: string } {
  const { value, repairs } = normaliseEnrichment(candidate);
  if (Value.Check(EnrichmentResult, value)) return { ok: true, value, repairs };
  return { ok: false, reason: `the output does not match the enrichment schema: ${schemaErrors(value)}` };
}

/** The first few schema errors of a value, as `path: message` (the root is `/`). */
export function schemaErrors(value: unknown): string {
  const errors: string[] = [];
  for (const e of Value.Errors(EnrichmentResult, value)) {
    errors.push(`${e.path || '/'}: ${e.message}`);
    if (errors.length === MAX_REPORTED_ERRORS) break;
  }
  return errors.join('; ');
}
