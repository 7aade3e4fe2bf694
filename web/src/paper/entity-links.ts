import type { Entity } from '../types.js';

/** Where an entity lives outside paperd, when its key says (a repository's host, a Hugging Face repo id). */
export function entityHref(entity: Pick<Entity, 'kind' | 'key'>): string | undefined {
  const { kind, key } = entity;
  if (kind === 'repository' && /^(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)\//.test(key)) return `https://${key}`;
  if (!/^[\w.-]+\/[\w.-]+$/.test(key)) return undefined;
  if (kind === 'model') return `https://huggingface.co/${key}`;
  if (kind === 'dataset') return `https://huggingface.co/datasets/${key}`;
  if (kind === 'space') return `https://huggingface.co/spaces/${key}`;
  return undefined;
}

export function entityLabel(entity: Pick<Entity, 'kind' | 'key' | 'name'>): string {
  if (entity.name) return entity.name;
  return entity.kind === 'repository' ? entity.key.replace(/^github\.com\//, '') : entity.key;
}

/** The arXiv abstract page of a paper id (never a PDF: the page links to arXiv, it does not serve papers). */
export function arxivAbsUrl(id: string): string {
  return `https://arxiv.org/abs/${id}`;
}
