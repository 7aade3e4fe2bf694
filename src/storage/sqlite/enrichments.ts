import type { Database, Statement, Transaction } from 'better-sqlite3';
import { Value } from '@sinclair/typebox/value';
import { ENTITY_KINDS, EnrichmentProvenance, EnrichmentResult } from '../../enrichment/index.js';
import { BadInputError, NotFoundError } from '../../errors.js';
import { systemClock, type Clock } from '../../runtime/clock.js';

/**
 * What an upsert did. `inserted`, `updated`: the row now holds this result. `unchanged`: the same
 * result from the same producer was there already. `stale`: the stored result was made from a
 * newer version of the paper and is kept. `downgrade`: a fallback result would have replaced an
 * LLM's for the same version, and the LLM's is kept.
 */
export type EnrichmentUpsertOutcome = 'inserted' | 'updated' | 'unchanged' | 'stale' | 'downgrade';

/** A stored enrichment. */
export interface StoredEnrichment {
  readonly paperId: string;
  /** The paper version the result was made from. */
  readonly version: number;
  readonly result: EnrichmentResult;
  readonly provenance: EnrichmentProvenance;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A fallback result waiting to be redone by an LLM. */
export interface EnrichmentRedo {
  readonly paperId: string;
  readonly version: number;
  readonly updatedAt: number;
}

interface EnrichmentRow {
  paper_id: string;
  version: number;
  producer: 'llm' | 'fallback';
  model: string | null;
  endpoint: string | null;
  result: string;
  created_at: number;
  updated_at: number;
}

/** The result in schema order, so the same result is always the same text. */
function canonicalJson(result: EnrichmentResult): string {
  const entities = Object.fromEntries(ENTITY_KINDS.map((k) => [k, result.entities[k]]));
  return JSON.stringify({ tldr: result.tldr, tags: result.tags, entities });
}

function firstError(schema: typeof EnrichmentResult | typeof EnrichmentProvenance, value: unknown): string {
  const e = Value.Errors(schema, value).First();
  return e ? `${e.path || '/'}: ${e.message}` : 'invalid';
}

/**
 * The `paper_enrichments` repository: one enrichment per paper, the latest, with what produced it.
 * Only results that validate against `EnrichmentResult` are written. An enrichment of an older
 * version never replaces one of a newer, and a fallback result never replaces an LLM's of the same
 * version; fallback results stay listed for redoing until an LLM's replaces them.
 */
export class EnrichmentStore {
  private readonly selectRow: Statement<[string]>;
  private readonly paperExists: Statement<[string]>;
  private readonly insertRow: Statement<[Omit<EnrichmentRow, 'updated_at'>]>;
  private readonly updateRow: Statement<[Omit<EnrichmentRow, 'created_at'>]>;
  private readonly selectRedo: Statement<[number]>;
  private readonly countProducers: Statement<[]>;
  private readonly upsertTx: Transaction<(paperId: string, version: number, json: string, provenance: EnrichmentProvenance) => EnrichmentUpsertOutcome>;

  constructor(db: Database, private readonly clock: Clock = systemClock()) {
    this.selectRow = db.prepare('SELECT * FROM paper_enrichments WHERE paper_id = ?');
    this.paperExists = db.prepare('SELECT 1 FROM papers WHERE id = ?');
    this.insertRow = db.prepare(
      `INSERT INTO paper_enrichments (paper_id, version, producer, model, endpoint, result, created_at, updated_at)
       VALUES (@paper_id, @version, @producer, @model, @endpoint, @result, @created_at, @created_at)`,
    );
    this.updateRow = db.prepare(
      `UPDATE paper_enrichments SET version = @version, producer = @producer, model = @model, endpoint = @endpoint,
       result = @result, updated_at = @updated_at WHERE paper_id = @paper_id`,
    );
    this.selectRedo = db.prepare(
      `SELECT paper_id AS paperId, version, updated_at AS updatedAt FROM paper_enrichments
       WHERE producer = 'fallback' ORDER BY updated_at, paper_id LIMIT ?`,
    );
    this.countProducers = db.prepare('SELECT producer, count(*) AS n FROM paper_enrichments GROUP BY producer');
    this.upsertTx = db.transaction((paperId, version, json, provenance) => this.upsertInTransaction(paperId, version, json, provenance));
  }

  /**
   * Stores the enrichment of `version` of a paper (see the class for which result wins).
   * @throws BadInputError when the result or provenance does not validate, or the version is not a positive integer
   * @throws NotFoundError when the paper does not exist
   */
  upsert(paperId: string, version: number, result: EnrichmentResult, provenance: EnrichmentProvenance): EnrichmentUpsertOutcome {
    if (!Number.isInteger(version) || version < 1) throw new BadInputError(`enrichment of ${paperId}: version ${version} is not a positive integer`);
    if (!Value.Check(EnrichmentResult, result)) {
      throw new BadInputError(`enrichment of ${paperId} does not match the schema: ${firstError(EnrichmentResult, result)}`);
    }
    if (!Value.Check(EnrichmentProvenance, provenance)) {
      throw new BadInputError(`enrichment of ${paperId} has an invalid provenance: ${firstError(EnrichmentProvenance, provenance)}`);
    }
    return this.upsertTx.immediate(paperId, version, canonicalJson(result), provenance);
  }

  private upsertInTransaction(paperId: string, version: number, json: string, provenance: EnrichmentProvenance): EnrichmentUpsertOutcome {
    if (!this.paperExists.get(paperId)) throw new NotFoundError(`no paper ${paperId} to store an enrichment for`);
    const now = this.clock.now();
    const row = {
      paper_id: paperId,
      version,
      producer: provenance.producer,
      model: provenance.model ?? null,
      endpoint: provenance.endpoint ?? null,
      result: json,
    };
    const current = this.selectRow.get(paperId) as EnrichmentRow | undefined;
    if (!current) {
      this.insertRow.run({ ...row, created_at: now });
      return 'inserted';
    }
    if (current.version > version) return 'stale';
    if (current.version === version && current.producer === 'llm' && provenance.producer === 'fallback') return 'downgrade';
    if (
      current.version === version &&
      current.producer === row.producer &&
      current.model === row.model &&
      current.endpoint === row.endpoint &&
      current.result === json
    ) {
      return 'unchanged';
    }
    this.updateRow.run({ ...row, updated_at: now });
    return 'updated';
  }

  /** The paper's enrichment, or undefined when it has none. */
  get(paperId: string): StoredEnrichment | undefined {
    const row = this.selectRow.get(paperId) as EnrichmentRow | undefined;
    if (!row) return undefined;
    const provenance: EnrichmentProvenance = { producer: row.producer };
    if (row.model !== null) provenance.model = row.model;
    if (row.endpoint !== null) provenance.endpoint = row.endpoint;
    return {
      paperId: row.paper_id,
      version: row.version,
      // Validated before it was written.
      result: JSON.parse(row.result) as EnrichmentResult,
      provenance,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  /**
   * Up to `limit` papers whose enrichment the fallback made, least recently written first, for
   * the offline system to redo once an LLM is up.
   * @throws BadInputError when `limit` is not a positive integer
   */
  listNeedingRedo(limit: number): EnrichmentRedo[] {
    if (!Number.isInteger(limit) || limit < 1) throw new BadInputError(`redo limit ${limit} is not a positive integer`);
    return this.selectRedo.all(limit) as EnrichmentRedo[];
  }

  /** How many stored enrichments each producer made. */
  countByProducer(): Record<EnrichmentProvenance['producer'], number> {
    const counts = { llm: 0, fallback: 0 };
    for (const { producer, n } of this.countProducers.all() as { producer: 'llm' | 'fallback'; n: number }[]) counts[producer] = n;
    return counts;
  }
}
