/**
 * The bounds of a node's LanceDB caches unless configured (`lancedb.*`; the config schema says
 * why), for every store a process opens: LanceDB's own defaults are 6 GiB of index and 1 GiB of
 * metadata. Apart from `vector-store.ts` so that reading the config does not load LanceDB.
 */
export const DEFAULT_LANCEDB_CACHE = { indexCacheBytes: 512 * 1_048_576, metadataCacheBytes: 2 * 1_048_576 } as const;
