import * as lancedb from '@lancedb/lancedb';
import type { RecordBatch } from 'apache-arrow';
import { BadInputError, VectorSchemaMismatchError } from '../../errors.js';
import { DEFAULT_ANN_POLICY, indexName, planIndex, trainedOnOf, type AnnPolicy, type IndexPlan, type IndexState } from './ann-policy.js';
import { IndexUpkeepProcess } from './index-upkeep-process.js';
import { RecentRows } from './recent-rows.js';
import { arrow, vectorRowsTable, vectorSchema } from './vector-rows-table.js';

export { vectorSchema };

// Index statistics (read at every upkeep) would otherwise copy the centroids, and LanceDB warns
// on each call that it will stop doing so: take the coming behaviour now.
process.env.LANCE_INCLUDE_VECTOR_CENTROIDS ??= 'false';

/** One paper's vector as LanceDB keeps it. */
export interface VectorRow {
  readonly id: string;
  readonly vector: Float32Array;
  /** The embedder that made it (`Embedder.name`): vectors of different embedders do not compare. */
  readonly embedder: string;
  /** When the paper row it was made from last changed (ISO 8601). */
  readonly updated: string;
}

/** Where a search records how long its steps took (`SearchTimings`). */
export interface StepTimes {
  record(name: string, ms: number): void;
}

/** A nearest neighbour: cosine distance, 0 for the same direction. */
export interface VectorHit {
  readonly id: string;
  readonly distance: number;
}

/** How to open a vector table. */
export interface VectorStoreOptions {
  /** Table name (default `papers`). */
  readonly table?: string;
  /**
   * How stale reads may be, in seconds, with respect to writes made through another instance or
   * process (0: every read checks). Unset: reads see this instance's own writes and whatever was
   * there when it opened, which is all the writer (vector sync) needs and the fastest.
   */
  readonly readConsistencySeconds?: number;
  /** When to index and how to search the index; default `DEFAULT_ANN_POLICY`. */
  readonly ann?: AnnPolicy;
  /**
   * For the table's one writer (reads consistent with its own writes only): keep up to this many
   * rows the index has not taken in yet in memory and search them here, so that LanceDB searches
   * only indexed rows (see `RecentRows`). Unset or 0: LanceDB scans unindexed rows itself.
   */
  readonly recentRows?: number;
  /**
   * Run `maintainIndex` in a child process at a lower CPU priority (see `IndexUpkeepProcess`), for
   * a node that answers searches while the index is kept: `true` for one of this store's own
   * (stopped when it closes), or one shared with other tables (its owner closes it). Unset: in
   * this process.
   */
  readonly indexUpkeepApart?: boolean | IndexUpkeepProcess;
  /**
   * With `recentRows`: the table counts as being written (an import) until this long after the last
   * write, and its rows are folded in past `AnnPolicy.maxUnindexedWhileWriting` meanwhile (default 30 s).
   */
  readonly writesQuietMs?: number;
  /** With `indexUpkeepApart`: rebuild the id index apart after this many upserted rows (default 5,000; see `refreshIdIndex`). */
  readonly idIndexRefreshRows?: number;
  /** LanceDB's caches for this connection (see `lancedbSession`); unset: LanceDB's defaults, 6 GiB of index and 1 GiB of metadata. */
  readonly session?: lancedb.Session;
  /**
   * Load the vector index whole into the cache: at open (in the background), and, with
   * `indexUpkeepApart`, before searches move to an index the upkeep process rewrote. Otherwise
   * searches load a new index part by part as they reach it: at 1.2M rows the first search took
   * 435 ms and the next ten about 50 each, against 15–20 once loaded, and an import rewrites the
   * index every 20,000 rows (`maxUnindexed`). Loading it costs about 0.7 s and 1.2 s of CPU there.
   */
  readonly warmIndex?: boolean;
}

/** A LanceDB session whose caches hold at most these sizes; one for all the tables of a process, so the bound is for them together. */
export function lancedbSession(cache: { readonly indexCacheBytes: number; readonly metadataCacheBytes: number }): lancedb.Session {
  return new lancedb.Session(BigInt(cache.indexCacheBytes), BigInt(cache.metadataCacheBytes));
}

/** What `maintainIndex` found and did. */
export interface IndexReport {
  readonly rows: number;
  readonly plan: IndexPlan['action'];
  /** The index after maintenance: its name, rows indexed and not. */
  readonly index?: { readonly name: string; readonly indexed: number; readonly unindexed: number };
  /** The run built, retrained or updated the index: every row the table held when it began is indexed. */
  readonly tookInNewRows: boolean;
  readonly ms: number;
}

/** What `maintainIndex` is to do, decided from the table's latest version. */
interface UpkeepPlan {
  readonly rows: number;
  readonly plan: IndexPlan;
  readonly current: { readonly name: string; readonly trainedOn: number; readonly unindexed: number } | undefined;
  readonly needsIdIndex: boolean;
  /** Compact and take new rows into the index (when `plan` does not train a new one). */
  readonly optimize: boolean;
}

/** The plan trains a new vector index (the first, or one that fits a grown table). */
function trains(plan: IndexPlan): plan is Extract<IndexPlan, { readonly partitions: number }> {
  return plan.action === 'build' || plan.action === 'retrain';
}

function hasWork(upkeep: UpkeepPlan): boolean {
  return trains(upkeep.plan) || upkeep.optimize || upkeep.needsIdIndex;
}

// Every upsert batch leaves a fragment, and searches open each one: past this many, compact.
// While the writer searches unindexed rows from memory, LanceDB's searches skip those fragments.
const MAX_SMALL_FRAGMENTS = 64;

// Vector sync writes every second or two during an import; a pause this long ends it.
const WRITES_QUIET_MS = 30_000;

/**
 * Upserts join on id through its B-tree, and read the id of every row the B-tree does not cover:
 * at 1.7M rows a write of 500 took about 35 ms of CPU with every row covered and 200 ms with
 * 20,000 not, and the index that folds rows in runs a minute apart. Past this many upserted rows
 * the id index is rebuilt apart (0.8 s of CPU at that size).
 */
const ID_INDEX_REFRESH_ROWS = 5_000;

// Bounds the length of one delete predicate.
const DELETE_CHUNK = 500;

/**
 * The papers' vectors in LanceDB, one row per paper id. Writes are upserts keyed on `id`
 * (`mergeInsert`), so replaying a batch after a crash leaves one row per id. One writer
 * (vector sync) at a time.
 */
export class VectorStore {
  /** The name of the table's vector index, once it has one. */
  private index: string | undefined;
  /** Rows the index has not taken in, searched here; for the table's writer only. */
  private recent: RecentRows | undefined;
  /** Stops a running upkeep process when the store closes. */
  private readonly closing = new AbortController();
  /** The writes and compactions so far, in order: each waits for the one before (see `inTurn`). */
  private turn: Promise<unknown> = Promise.resolve();
  /** The upkeep process running now, if any: one at a time. */
  private upkeep: Promise<unknown> | undefined;
  /** Rows upserted since the id index last covered every row, when it exists. */
  private idIndexBehind = 0;
  private hasIdIndex = false;
  /** When this instance last upserted rows (`performance.now()`). */
  private lastWrite = Number.NEGATIVE_INFINITY;

  private constructor(
    private readonly connection: lancedb.Connection,
    private readonly table: lancedb.Table,
    private readonly location: { readonly dir: string; readonly table: string },
    readonly dimensions: number,
    private readonly ann: AnnPolicy,
    private readonly upkeepApart: IndexUpkeepProcess | undefined,
    private readonly ownsUpkeep: boolean,
    private readonly idIndexRefreshRows: number,
    private readonly warmIndex: boolean,
    private readonly writesQuietMs: number,
  ) {}

  /**
   * Opens the table in `dir`, creating it if missing.
   * @throws VectorSchemaMismatchError when the table exists with vectors of another size
   */
  static async open(dir: string, dimensions: number, options: VectorStoreOptions = {}): Promise<VectorStore> {
    const tableName = options.table ?? 'papers';
    // The session goes in the options: lancedb 0.31's connect(uri, options, session) drops a session passed third.
    const connection = await lancedb.connect(dir, {
      ...(options.readConsistencySeconds === undefined ? {} : { readConsistencyInterval: options.readConsistencySeconds }),
      ...(options.session ? { session: options.session } : {}),
    });
    const table = (await connection.tableNames()).includes(tableName)
      ? await connection.openTable(tableName)
      : await connection.createEmptyTable(tableName, vectorSchema(dimensions), { mode: 'create', existOk: true });
    const field = (await table.schema()).fields.find((f) => f.name === 'vector');
    const actual = field?.type instanceof arrow.FixedSizeList ? field.type.listSize : (field?.type as { listSize?: number } | undefined)?.listSize;
    if (actual !== dimensions) {
      table.close();
      connection.close();
      throw new VectorSchemaMismatchError(dir, tableName, dimensions, actual);
    }
    const apart = options.indexUpkeepApart;
    const upkeep = apart === true ? new IndexUpkeepProcess() : apart || undefined;
    const store = new VectorStore(connection, table, { dir, table: tableName }, dimensions, options.ann ?? DEFAULT_ANN_POLICY, upkeep, apart === true, options.idIndexRefreshRows ?? ID_INDEX_REFRESH_ROWS, options.warmIndex ?? false, options.writesQuietMs ?? WRITES_QUIET_MS);
    const index = await store.vectorIndex();
    store.hasIdIndex = await store.idIndexed();
    store.index = index?.name;
    if (options.recentRows) store.recent = new RecentRows(options.recentRows, index ? index.unindexed === 0 : (await table.countRows()) === 0);
    // In the background: searches meanwhile load the parts they reach, as they would without it.
    if (index && store.warmIndex) table.prewarmIndex(index.name).catch(() => undefined);
    // Forked now, while this process is small (see `IndexUpkeepProcess`), and only for a store that opened.
    upkeep?.start();
    return store;
  }

  /** Inserts or replaces the rows, by id. Ids must be unique within one call. */
  async upsert(rows: readonly VectorRow[]): Promise<void> {
    if (rows.length === 0) return;
    for (const row of rows) {
      if (row.vector.length !== this.dimensions) {
        throw new BadInputError(`vector of ${row.id} has ${row.vector.length} dimensions; the table holds ${this.dimensions}`);
      }
    }
    await this.roomInMemory(rows.length);
    await this.inTurn(() =>
      this.table
        .mergeInsert('id')
        .whenMatchedUpdateAll()
        .whenNotMatchedInsertAll()
        .execute(vectorRowsTable(rows, this.dimensions)),
    );
    this.recent?.added(rows);
    this.lastWrite = performance.now();
    this.idIndexBehind += rows.length;
    if (this.upkeepApart && this.hasIdIndex && this.idIndexBehind >= this.idIndexRefreshRows && !this.upkeep) this.refreshIdIndexApart(this.upkeepApart);
  }

  /**
   * Holds a write that would overflow the rows in memory until an index run has taken rows in
   * (starting one if none is running). Overflowing sends every search to LanceDB's scan of the
   * unindexed rows: 180–450 ms a search at 50,000 rows (bench/search), when an import wrote rows
   * faster than the periodic check started a run. Holding vector sync lets the pipeline's depth
   * grow, which slows the import; BM25 finds the waiting papers meanwhile.
   */
  private async roomInMemory(adding: number): Promise<void> {
    const recent = this.recent;
    if (!this.upkeepApart || !recent) return;
    // A bounded number of runs: a run that fails or cannot take rows in lets the write through.
    for (let run = 0; run < 2 && this.recentSearched && recent.size + adding > recent.maxRows; run++) {
      await this.maintainIndex(true).catch(() => undefined);
    }
  }

  /** Rebuilds the id index in the upkeep process; a failed run is tried again after more rows. */
  private refreshIdIndexApart(upkeep: IndexUpkeepProcess): void {
    const behind = this.idIndexBehind;
    const run = upkeep.run({ ...this.location, dimensions: this.dimensions, ann: this.ann, takeInNewRows: false, idIndexOnly: true }, this.closing.signal)
      .then(async () => {
        this.idIndexBehind = Math.max(0, this.idIndexBehind - behind);
        await this.table.checkoutLatest();
      })
      .catch(() => undefined)
      .finally(() => {
        if (this.upkeep === run) this.upkeep = undefined;
      });
    this.upkeep = run;
  }

  /** Deletes the rows of these ids (absent ones are ignored); returns how many went. */
  async delete(ids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
      const list = ids.slice(i, i + DELETE_CHUNK).map(sqlString).join(', ');
      deleted += (await this.inTurn(() => this.table.delete(`id IN (${list})`))).numDeletedRows;
    }
    this.recent?.deleted(ids);
    return deleted;
  }

  /** Deletes every row whose id starts with one of the prefixes (a paper's chunks: `<paper>#`). */
  async deleteByPrefix(prefixes: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < prefixes.length; i += DELETE_CHUNK) {
      const predicate = prefixes.slice(i, i + DELETE_CHUNK).map((p) => `starts_with(id, ${sqlString(p)})`).join(' OR ');
      deleted += (await this.inTurn(() => this.table.delete(predicate))).numDeletedRows;
    }
    this.recent?.deletedByPrefix(prefixes);
    return deleted;
  }

  /** Rows in the table (duplicate ids, which upserts never make, would count twice); latest version. */
  async count(): Promise<number> {
    await this.table.checkoutLatest();
    return this.table.countRows();
  }

  /**
   * Every row's id, duplicates included: what the consistency check compares with SQLite. Reads
   * the latest version, including writes made through other connections or processes.
   */
  async ids(): Promise<string[]> {
    await this.table.checkoutLatest();
    const out: string[] = [];
    for await (const batch of this.table.query().select(['id']) as AsyncIterable<RecordBatch>) {
      const column = batch.getChild('id');
      if (!column) continue;
      for (const id of column) out.push(String(id));
    }
    return out;
  }

  /** The stored row of one id, or undefined. */
  async get(id: string): Promise<VectorRow | undefined> {
    const rows = (await this.table.query().where(`id = ${sqlString(id)}`).limit(1).toArray()) as {
      id: string;
      vector: ArrayLike<number>;
      embedder: string;
      updated: string;
    }[];
    const row = rows[0];
    return row ? { id: row.id, vector: Float32Array.from(row.vector), embedder: row.embedder, updated: row.updated } : undefined;
  }

  /** The stored rows of these ids (those that have one), in one scan rather than one per id. */
  async getMany(ids: readonly string[]): Promise<VectorRow[]> {
    if (ids.length === 0) return [];
    const rows = (await this.table.query().where(`id IN (${ids.map(sqlString).join(', ')})`).toArray()) as { id: string; vector: ArrayLike<number>; embedder: string; updated: string }[];
    return rows.map((row) => ({ id: row.id, vector: Float32Array.from(row.vector), embedder: row.embedder, updated: row.updated }));
  }

  /**
   * The `k` nearest rows by cosine distance, nearest first; with `embedder`, only rows that
   * embedder made (while vectors are being remade by a new model, the old ones do not compare).
   */
  async search(vector: Float32Array, k: number, options: { embedder?: string; timings?: StepTimes } = {}): Promise<VectorHit[]> {
    // Filtering on the embedder costs a mask over every row (60 ms at a million), yet the table
    // holds one embedder's vectors except while they are being remade: search without the filter,
    // and only when a hit comes from another embedder search again with it.
    const rows = await this.nearest(vector, k, undefined, options.timings);
    if (!options.embedder || rows.every((r) => r.embedder === options.embedder)) return rows.map((r) => ({ id: r.id, distance: r._distance }));
    return (await this.nearest(vector, k, options.embedder, options.timings)).map((r) => ({ id: r.id, distance: r._distance }));
  }

  private async nearest(vector: Float32Array, k: number, embedder: string | undefined, timings: StepTimes | undefined): Promise<{ id: string; embedder: string; _distance: number }[]> {
    let query = this.table.vectorSearch(vector).distanceType('cosine').select(['id', 'embedder', '_distance']).limit(k);
    // The refine step re-reads full vectors: a pool of refineFactor × 10 rows is what recall@10
    // needs; a deep list (fusion reads 100) gets a pool of twice itself.
    if (this.index) query = query.nprobes(this.ann.nprobes).refineFactor(Math.max(2, Math.ceil((this.ann.refineFactor * 10) / k)));
    if (embedder) query = query.where(`embedder = ${sqlString(embedder)}`);
    const recent = this.recentSearched;
    const t0 = performance.now();
    if (!recent) return (await query.toArray().finally(() => timings?.record('lancedb', performance.now() - t0))) as { id: string; embedder: string; _distance: number }[];
    // LanceDB's indexed rows, and the rows it has not indexed from memory; an id's newest row is the one here.
    // LanceDB takes the query before the memory is scanned, so the two run at once; a write or delete
    // while LanceDB searched is brought into the scan (see `RecentRows.rescan`).
    const pending = (query.fastSearch().toArray() as Promise<{ id: string; embedder: string; _distance: number }[]>).finally(() => timings?.record('lancedb', performance.now() - t0));
    const t1 = performance.now();
    let unindexed = recent.scan(vector, k, embedder);
    timings?.record('recent-rows', performance.now() - t1);
    const indexed = (await pending).filter((r) => !recent.has(r.id));
    const t2 = performance.now();
    unindexed = recent.rescan(unindexed, vector, k, embedder);
    timings?.record('recent-rows', performance.now() - t2);
    return [...indexed, ...unindexed.hits.map((h) => ({ id: h.id, embedder: h.embedder, _distance: h.distance }))].sort((a, b) => a._distance - b._distance).slice(0, k);
  }

  /**
   * How many rows the index has not taken in are searched from memory (see `RecentRows`), or
   * undefined while LanceDB scans them itself (not the table's writer, or the memory is incomplete).
   */
  get unindexedInMemory(): number | undefined {
    return this.recentSearched?.size;
  }

  /** The rows in memory, when searches read them instead of LanceDB's unindexed rows. */
  private get recentSearched(): RecentRows | undefined {
    return this.index && this.recent?.complete ? this.recent : undefined;
  }

  /**
   * The writer is writing (an import) and searches its unindexed rows from memory: folding them in
   * can wait (see `AnnPolicy.maxUnindexedWhileWriting`).
   */
  private get writing(): boolean {
    return this.recentSearched !== undefined && performance.now() - this.lastWrite < this.writesQuietMs;
  }

  /** Exact nearest neighbours, bypassing any index: what recall is measured against. */
  async searchExact(vector: Float32Array, k: number): Promise<VectorHit[]> {
    const rows = (await this.table.vectorSearch(vector).distanceType('cosine').bypassVectorIndex().select(['id', '_distance']).limit(k).toArray()) as { id: string; _distance: number }[];
    return rows.map((r) => ({ id: r.id, distance: r._distance }));
  }

  /**
   * Keeps the vector index fit for the table (see `planIndex`): builds it once the table is big
   * enough, folds new rows into it, and retrains it when the table has outgrown its partitions.
   * A retrained index is built beside the old one, which searches keep using until it is dropped.
   * With `takeInNewRows`, unindexed rows are taken in even below the policy's bound.
   */
  async maintainIndex(takeInNewRows = false): Promise<IndexReport> {
    while (this.upkeep) await this.upkeep;
    const run = this.maintainIndexNow(takeInNewRows);
    this.upkeep = run;
    try {
      return await run;
    } finally {
      if (this.upkeep === run) this.upkeep = undefined;
    }
  }

  private async maintainIndexNow(asked: boolean): Promise<IndexReport> {
    const t0 = performance.now();
    const behind = this.idIndexBehind;
    const mark = this.recent?.mark();
    // Until the rows in memory are all there are, searches pay for LanceDB's scan: take them in now.
    const takeInNewRows = asked || (this.recent !== undefined && !this.recent.complete);
    let report: IndexReport;
    if (!this.upkeepApart) {
      report = await this.inTurn(() => this.maintainIndexHere(takeInNewRows));
    } else {
      // Deciding is a few cheap reads: a process is started only for work.
      const upkeep = await this.upkeepPlan(takeInNewRows);
      if (!hasWork(upkeep)) {
        report = await this.indexReport(upkeep, false, t0);
      } else {
        const upkeepApart = this.upkeepApart;
        const apart = async () => {
          const done = await upkeepApart.run({ ...this.location, dimensions: this.dimensions, ann: this.ann, takeInNewRows }, this.closing.signal);
          // The other process committed a new version: search the index it left.
          await this.adoptLatest();
          return done;
        };
        // Building an index commits beside writes; a compaction does not (see `inTurn`). In turn,
        // no write moves the table to the new version before its index is loaded (`adoptLatest`).
        report = (await (upkeep.optimize ? this.inTurn(apart) : apart())).report;
      }
    }
    if (report.tookInNewRows && mark !== undefined) this.recent!.indexedUpTo(mark);
    // Folding rows in and building the index bring the id index up to date too.
    if (report.tookInNewRows) this.idIndexBehind = Math.max(0, this.idIndexBehind - behind);
    this.hasIdIndex ||= await this.idIndexed();
    return report;
  }

  /**
   * Moves this instance, and so its searches, to the table's latest version; with `warmIndex`,
   * once that version's vector index is in the cache, loaded through another handle on the same
   * connection (they share its cache) while searches stay on the version they know.
   */
  private async adoptLatest(): Promise<void> {
    if (this.warmIndex) {
      const latest = await this.connection.openTable(this.location.table);
      try {
        const index = ownVectorIndex(await latest.listIndices());
        if (index) await latest.prewarmIndex(index.name);
      } finally {
        latest.close();
      }
    }
    await this.table.checkoutLatest();
    this.index = ownVectorIndex(await this.table.listIndices())?.name;
  }

  /** `maintainIndex` in this process; with `takeInNewRows`, unindexed rows are taken in even below the policy's bound. */
  async maintainIndexHere(takeInNewRows = false): Promise<IndexReport> {
    const t0 = performance.now();
    const upkeep = await this.upkeepPlan(takeInNewRows);
    const { plan } = upkeep;
    if (upkeep.needsIdIndex) await this.table.createIndex('id', { config: lancedb.Index.btree() });
    if (trains(plan)) {
      const name = indexName(upkeep.rows);
      await this.table.createIndex('vector', { name, config: lancedb.Index.ivfRq({ distanceType: 'cosine', numPartitions: plan.partitions, numBits: this.ann.numBits }) });
      // Training leaves the id index as it was; an optimize updates both.
      if (!upkeep.needsIdIndex) await this.table.createIndex('id', { config: lancedb.Index.btree(), replace: true });
      if (upkeep.current && upkeep.current.name !== name) await this.table.dropIndex(upkeep.current.name);
      this.index = name;
      // Searches filter on the embedder; without an index that filter reads the column of every row.
      if (!(await this.table.listIndices()).some((i) => i.columns.includes('embedder'))) {
        await this.table.createIndex('embedder', { config: lancedb.Index.bitmap() });
      }
    } else if (upkeep.optimize) {
      await this.optimize();
    }
    return this.indexReport(upkeep, trains(plan) || upkeep.optimize, t0);
  }

  /**
   * Rebuilds the B-tree on id over every row, if the table has one (see `ID_INDEX_REFRESH_ROWS`);
   * the vector index is left as it is.
   */
  async refreshIdIndex(): Promise<IndexReport> {
    const t0 = performance.now();
    await this.table.checkoutLatest();
    if (await this.idIndexed()) await this.table.createIndex('id', { config: lancedb.Index.btree(), replace: true });
    return this.indexReport({ rows: await this.table.countRows(), plan: { action: 'none' } }, false, t0);
  }

  private async idIndexed(): Promise<boolean> {
    return (await this.table.listIndices()).some(isIdIndex);
  }

  /** What upkeep the table needs now (see `planIndex`), from its latest version. */
  private async upkeepPlan(takeInNewRows: boolean): Promise<UpkeepPlan> {
    await this.table.checkoutLatest();
    const rows = await this.table.countRows();
    const indices = await this.table.listIndices();
    const current = await this.vectorIndex(indices);
    const state: IndexState | undefined = current ? { trainedOn: current.trainedOn, unindexed: current.unindexed } : undefined;
    const writing = this.writing;
    const plan = planIndex(rows, state, this.ann, writing);
    // Upserts join on id: without an index each one reads every id (at a million rows 400 ms of
    // CPU for 500 rows against 30 ms with it, bench/search), and so does `get`.
    const needsIdIndex = rows >= this.ann.minRows && !indices.some(isIdIndex);
    const optimize = !trains(plan) && (plan.action === 'update' || (takeInNewRows && (current?.unindexed ?? 0) > 0) || (!writing && (await this.table.stats()).fragmentStats.numSmallFragments > MAX_SMALL_FRAGMENTS));
    return { rows, plan, current, needsIdIndex, optimize };
  }

  private async indexReport(upkeep: { rows: number; plan: IndexPlan }, worked: boolean, t0: number): Promise<IndexReport> {
    const after = await this.vectorIndex();
    return {
      rows: upkeep.rows,
      plan: upkeep.plan.action,
      ...(after ? { index: { name: after.name, indexed: after.indexed, unindexed: after.unindexed } } : {}),
      // A table too small for an index is searched exactly: nothing waits to be taken in.
      tookInNewRows: worked && after !== undefined,
      ms: Math.round(performance.now() - t0),
    };
  }

  /** The table's vector index that paperd made, with its row counts. */
  private async vectorIndex(indices?: lancedb.IndexConfig[]): Promise<{ name: string; trainedOn: number; indexed: number; unindexed: number } | undefined> {
    const config = ownVectorIndex(indices ?? (await this.table.listIndices()));
    if (!config) return undefined;
    const stats = await this.table.indexStats(config.name);
    return { name: config.name, trainedOn: config.trainedOn, indexed: stats?.numIndexedRows ?? 0, unindexed: stats?.numUnindexedRows ?? 0 };
  }

  /**
   * Compacts the small fragments every upsert leaves, folds unindexed rows into the index, and
   * drops versions older than an hour (readers in other processes hold a version for a query, not
   * for an hour).
   */
  async optimize(): Promise<void> {
    await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 3_600_000) });
  }

  /**
   * Runs `work` after the writes and compactions before it, and holds the ones after it until it
   * is done. LanceDB fails a compaction when a write committed while it ran updated or deleted rows
   * of the fragments it rewrites ("preempted by concurrent transaction"): while the vectors are
   * remade after a refit, every batch of vector sync is such a write, and every compaction failed.
   */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /** Releases the table and the connection. */
  close(): void {
    this.closing.abort();
    if (this.ownsUpkeep) this.upkeepApart?.close();
    this.table.close();
    this.connection.close();
  }
}

/** The vector index paperd made (its name records the rows it was trained on), among a table's indexes. */
function ownVectorIndex(indices: readonly lancedb.IndexConfig[]): { name: string; trainedOn: number } | undefined {
  for (const config of indices) {
    const trainedOn = trainedOnOf(config.name);
    if (trainedOn !== undefined && config.columns.includes('vector')) return { name: config.name, trainedOn };
  }
  return undefined;
}

/** The B-tree on id that upserts join through. */
function isIdIndex(index: lancedb.IndexConfig): boolean {
  return index.columns.length === 1 && index.columns[0] === 'id';
}

/** A string literal for LanceDB's SQL predicates. */
function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
