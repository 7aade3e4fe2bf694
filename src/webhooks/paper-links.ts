import { findArxivIds } from '../enrichment/arxiv-ids.js';

// Hugging Face's paper pages are keyed by arXiv id; read them as the abs page they stand for.
const HF_PAPER_PAGE = /(?:https?:\/\/)?(?:www\.)?huggingface\.co\/papers\//gi;

/**
 * The arXiv papers a free text names (a repository description, a release body): `arXiv:…`,
 * arxiv.org abs/pdf links, Hugging Face paper pages, and bare ids; without version, each once.
 */
export function arxivIdsIn(...texts: readonly unknown[]): string[] {
  const text = texts.filter((t): t is string => typeof t === 'string' && t.length > 0).join('\n');
  return text ? findArxivIds(text.replace(HF_PAPER_PAGE, 'arxiv.org/abs/')) : [];
}
