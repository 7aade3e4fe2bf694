import { Type, type Static } from '@sinclair/typebox';

export const Author = Type.Object({
  name: Type.String({ minLength: 1 }),
  affiliations: Type.Array(Type.String()),
});
export type Author = Static<typeof Author>;

/** Where a record came from: which parser produced it. */
export const PaperSource = Type.Union([
  Type.Literal('arxiv-api'),
  Type.Literal('arxiv-listing'),
  Type.Literal('oai-pmh'),
  Type.Literal('abs'),
  Type.Literal('beir'),
]);
export type PaperSource = Static<typeof PaperSource>;

/** From arXiv's announcement listings: why the entry is in today's announcement. */
export const AnnounceType = Type.Union([Type.Literal('new'), Type.Literal('cross'), Type.Literal('replace'), Type.Literal('replace-cross')]);

/**
 * One version of one paper, as every source is normalised to before it enters the journal.
 * `id` is the natural id without version: an arXiv id (`2401.01234`, `hep-th/9901001`) or, for
 * documents that are not arXiv papers, `<source>:<their id>` (`beir:4983`). (`id`, `version`) is
 * the dedup key.
 */
export const PaperRecord = Type.Object({
  id: Type.String({ minLength: 1 }),
  version: Type.Integer({ minimum: 1 }),
  title: Type.String(),
  abstract: Type.String(),
  authors: Type.Array(Author),
  categories: Type.Array(Type.String()),
  primaryCategory: Type.Optional(Type.String()),
  /** ISO 8601: first version's submission. */
  published: Type.Optional(Type.String()),
  /** ISO 8601: this version's submission. */
  updated: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
  journalRef: Type.Optional(Type.String()),
  doi: Type.Optional(Type.String()),
  license: Type.Optional(Type.String()),
  pdfUrl: Type.Optional(Type.String()),
  announceType: Type.Optional(AnnounceType),
  source: PaperSource,
});
export type PaperRecord = Static<typeof PaperRecord>;
