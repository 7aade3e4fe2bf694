import { BadInputError } from '../errors.js';
import { findArxivIds } from './arxiv-ids.js';
import { categoryTags } from './category-tags.js';
import { findGithubRepos } from './code-urls.js';
import { findDatasets } from './datasets.js';
import { extractiveSummary } from './extractive-summary.js';
import { findHuggingFaceIds } from './hugging-face-ids.js';
import { keyphrases } from './keyphrases.js';
import { textExcerpt, type EnrichmentInput } from './paper-input.js';
import type { EnrichmentProvenance } from './provenance.js';
import { validateEnrichment } from './parse-output.js';
import { ENRICHMENT_LIMITS, type EnrichmentResult } from './schema.js';
import { shortenText } from './sentences.js';

/** The fallback's version: bump it when its output changes, so stored results can be told apart. */
export const FALLBACK_MODEL = 'paperd-extractive-1';

/** The provenance every fallback result is stored with. */
export const fallbackProvenance: EnrichmentProvenance = Object.freeze({ producer: 'fallback', model: FALLBACK_MODEL });

/** Settings of the fallback. */
export interface FallbackOptions {
  /** How much of the extracted full text the rule-based extractors read (default 20,000 characters). */
  readonly bodyChars?: number;
  /** At most this many keyphrase tags besides the category tags (default 6). */
  readonly keyphraseTags?: number;
}

/**
 * The embedded enrichment, used when no LLM endpoint is up: an extractive TL;DR of the abstract
 * (the title when there is none) and rule-based extraction over title, abstract, comment and the
 * beginning of the full text. GitHub repos, Hugging Face ids, arXiv ids (the paper's own left
 * out) and datasets from a curated list are found; models, tasks and methods are not, since no
 * rule tells them apart from other capitalised words. Tags are the categories' plus the
 * abstract's most frequent phrases. The result validates against `EnrichmentResult`; store it
 * with `fallbackProvenance`.
 * @throws BadInputError when the paper has neither title nor abstract (there is nothing to
 *   summarise), or, should an extractor ever produce something the schema refuses, naming it.
 */
export function fallbackEnrichment(paper: EnrichmentInput, options: FallbackOptions = {}): EnrichmentResult {
  const title = paper.title.replace(/\s+/g, ' ').trim();
  const abstract = paper.abstract.replace(/\s+/g, ' ').trim();
  if (!title && !abstract) throw new BadInputError(`paper ${paper.id} has neither title nor abstract to enrich`);

  const tldr = extractiveSummary(abstract, title, ENRICHMENT_LIMITS.tldrChars) || shortenText(title, ENRICHMENT_LIMITS.tldrChars);
  const text = [title, abstract, paper.comment ?? '', textExcerpt(paper.body, options.bodyChars ?? 20_000)].join('\n');
  const categories = paper.primaryCategory ? [paper.primaryCategory, ...(paper.categories ?? [])] : [...(paper.categories ?? [])];
  const tags = [...new Set([...categoryTags(categories), ...keyphrases(title, abstract, options.keyphraseTags ?? 6)])];

  const checked = validateEnrichment({
    tldr,
    // More than the bound are cut by validation's normalising, category tags first.
    tags,
    entities: {
      models: [],
      datasets: findDatasets(text),
      tasks: [],
      methods: [],
      codeUrls: findGithubRepos(text),
      huggingFaceIds: findHuggingFaceIds(text),
      arxivIds: findArxivIds(text, { exclude: [paper.id] }),
    },
  });
  // Through the same gate as a model's answer: what is stored has always been validated.
  if (!checked.ok) throw new BadInputError(`fallback enrichment of ${paper.id}: ${checked.reason}`);
  return checked.value;
}
