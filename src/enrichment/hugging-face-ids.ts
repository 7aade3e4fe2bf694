import { uniqueIgnoringCase } from './code-urls.js';

// First path segments of huggingface.co that are the site's own pages, not an owner.
const HF_RESERVED_OWNERS = new Set(
  (
    'api blog chat collections course datasets docs enterprise join learn login models new organizations papers posts ' +
    'pricing search settings spaces tasks terms-of-service privacy'
  ).split(' '),
);
// Second segments that mean the first was a legacy single-name repo (`gpt2/tree/main`), not an owner.
const HF_REPO_PAGES = new Set('blob commit commits discussions edit files raw resolve tree viewer'.split(' '));

const HF_SEGMENT = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;

// A link to a model, dataset or space; `hf.co` is Hugging Face's short domain.
const HF_IN_TEXT = /(?<![\w.@/-])(?:https?:\/\/)?(?:www\.)?(?:huggingface\.co|hf\.co)\/(?:(datasets|spaces|models)\/)?([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)/gi;

/**
 * `owner/name` for a repo reference, or undefined when it cannot be one: a site page in the
 * owner's place, a repo page in the name's, a segment Hugging Face would not accept. Dots that
 * end a sentence are not part of the name.
 */
export function huggingFaceId(owner: string, name: string, kindGiven = false): string | undefined {
  const repo = name.replace(/\.+$/, '');
  if (!kindGiven && HF_RESERVED_OWNERS.has(owner.toLowerCase())) return undefined;
  if (HF_REPO_PAGES.has(repo.toLowerCase())) return undefined;
  if (!HF_SEGMENT.test(owner) || !HF_SEGMENT.test(repo) || /(?:--|\.\.)/.test(`${owner}/${repo}`)) return undefined;
  return `${owner}/${repo}`;
}

/**
 * The Hugging Face repos a text links to (huggingface.co or hf.co; models, `datasets/…` and
 * `spaces/…`), as `owner/name`, first mention first, each once. Bare `owner/name` in prose is
 * not taken: without the domain it is as likely an `and/or`.
 */
export function findHuggingFaceIds(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(HF_IN_TEXT)) {
    const id = huggingFaceId(m[2]!, m[3]!, m[1] !== undefined);
    if (id) found.push(id);
  }
  return uniqueIgnoringCase(found);
}

/**
 * A Hugging Face id as stored, from what a model wrote: `owner/name`, `datasets/owner/name`, or
 * a huggingface.co / hf.co URL. Undefined for anything else.
 */
export function normaliseHuggingFaceId(raw: string): string | undefined {
  const text = raw.trim();
  if (/(?:huggingface\.co|hf\.co)\//i.test(text)) return findHuggingFaceIds(text)[0];
  const m = /^(?:(datasets|spaces|models)\/)?([^/\s]+)\/([^/\s]+)$/.exec(text);
  return m ? huggingFaceId(m[2]!, m[3]!, m[1] !== undefined) : undefined;
}
