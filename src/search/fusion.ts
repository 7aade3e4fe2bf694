/**
 * Reciprocal rank fusion, weighted: each list adds `weight / (k + rank)` for every id it ranks.
 * Ranks are 1-based. Weights come from what `paperd eval` measures: fusing with a weak vector
 * side can make results worse than BM25 alone, so its weight is below the lexical one.
 */
export interface RankedList {
  readonly ids: readonly string[];
  readonly weight: number;
  /**
   * The list's own scores, in its order: ids with equal scores share a rank (the best of them),
   * so that exact ties (the same text twice) stay ties after fusion instead of being ordered by
   * where the list happened to put them.
   */
  readonly scores?: readonly number[];
}

export interface FusedHit {
  readonly id: string;
  readonly score: number;
  /** The id's 1-based rank in each input list, undefined where the list does not have it. */
  readonly ranks: (number | undefined)[];
}

/** The default k of RRF (Cormack et al. 2009). */
export const RRF_K = 60;

export function fuseRanks(lists: readonly RankedList[], k = RRF_K): FusedHit[] {
  const fused = new Map<string, { score: number; ranks: (number | undefined)[] }>();
  lists.forEach((list, li) => {
    let rank = 0;
    list.ids.forEach((id, i) => {
      if (i === 0 || list.scores?.[i] === undefined || list.scores[i] !== list.scores[i - 1]) rank = i + 1;
      let entry = fused.get(id);
      if (!entry) {
        entry = { score: 0, ranks: lists.map(() => undefined) };
        fused.set(id, entry);
      }
      if (entry.ranks[li] !== undefined) return;
      entry.ranks[li] = rank;
      entry.score += list.weight / (k + rank);
    });
  });
  // Ties (same score) go to the better best rank, then the id, so pages are stable.
  return [...fused.entries()]
    .map(([id, e]) => ({ id, score: e.score, ranks: e.ranks }))
    .sort((a, b) => b.score - a.score || Math.min(...a.ranks.map((r) => r ?? Infinity)) - Math.min(...b.ranks.map((r) => r ?? Infinity)) || (a.id < b.id ? -1 : 1));
}
