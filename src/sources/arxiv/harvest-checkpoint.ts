import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CorruptCheckpointError } from '../../errors.js';

/**
 * Durable progress of arXiv harvesting: where an OAI-PMH backfill stands and which announcement
 * the poller last ingested, kept as JSON under string keys so a restart resumes instead of
 * starting over.
 */

/**
 * A durable key/value store (the `sync_state` table in production). `set` must be durable when it
 * returns: it is called right after the sink has journaled what the value vouches for.
 */
export interface CheckpointStore {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
}

/**
 * A `CheckpointStore` in memory: for tests, and for runs that do not need to survive a restart.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly values = new Map<string, string>();

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  set(key: string, value: string): void {
    this.values.set(key, value);
  }
}

/** Where an OAI-PMH harvest stands after its last accepted page. */
export const OaiHarvestCheckpoint = Type.Object({
  v: Type.Literal(1),
  /** `complete` once a page came back without a resumption token. */
  state: Type.Union([Type.Literal('running'), Type.Literal('complete')]),
  /** The token to ask for next; absent before the first page and after a refused token. */
  token: Type.Optional(Type.String()),
  /** The `from` of the ListRecords the token belongs to: the harvest's own, or a restart point. */
  listFrom: Type.String(),
  cursor: Type.Optional(Type.Integer({ minimum: 0 })),
  completeListSize: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The newest header datestamp accepted: where a refused token restarts from. */
  lastDatestamp: Type.Optional(Type.String()),
  pages: Type.Integer({ minimum: 0 }),
  /** Records handed to the sink (accepted + duplicates). */
  records: Type.Integer({ minimum: 0 }),
  accepted: Type.Integer({ minimum: 0 }),
  duplicates: Type.Integer({ minimum: 0 }),
  deleted: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
  /** `arXiv`-format records revised after v1: their version is unknown, so they are not ingested. */
  unversioned: Type.Integer({ minimum: 0 }),
  /** Lists restarted from `lastDatestamp` after a refused token. */
  restarts: Type.Integer({ minimum: 0 }),
});
export type OaiHarvestCheckpoint = Static<typeof OaiHarvestCheckpoint>;

/** What identifies one harvest: the same arguments resume the same checkpoint. */
export interface OaiHarvestScope {
  readonly metadataPrefix: string;
  readonly set?: string | undefined;
  readonly from: string;
  readonly until: string;
}

/** The checkpoint key of a harvest, e.g. `oai-harvest:arXivRaw:cs:2024-01-01:2024-01-31`. */
export function oaiHarvestKey(scope: OaiHarvestScope): string {
  return `oai-harvest:${scope.metadataPrefix}:${scope.set ?? '*'}:${scope.from}:${scope.until}`;
}

/** The last announcement the poller ingested completely, listing and export API pages both. */
export const AnnouncementCheckpoint = Type.Object({
  v: Type.Literal(1),
  /** The announcement (epoch ms), as `latestAnnouncement` maps the listing's `updated`. */
  announcementMs: Type.Number(),
  /** The listing's own `<updated>`, for people reading the checkpoint. */
  feedUpdated: Type.String(),
  /**
   * The newest `updated` (ISO) among the export API entries ingested so far: the next
   * announcement's paging stops below it, as everything older was seen.
   */
  apiHighWater: Type.Optional(Type.String()),
  /** When it was ingested (epoch ms). */
  ingestedAt: Type.Number(),
});
export type AnnouncementCheckpoint = Static<typeof AnnouncementCheckpoint>;

/** The checkpoint key of the poller of these categories; order does not matter. */
export function announcementKey(categories: readonly string[]): string {
  return `arxiv-poller:${[...categories].sort().join('+')}`;
}

/**
 * Reads a checkpoint; undefined when none is stored.
 * @throws CorruptCheckpointError when the stored value is not valid JSON of the schema.
 */
export function readCheckpoint<S extends TSchema>(store: CheckpointStore, key: string, schema: S): Static<S> | undefined {
  const raw = store.get(key);
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    throw new CorruptCheckpointError(key, `not JSON (${(error as Error).message})`);
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    throw new CorruptCheckpointError(key, first ? `${first.path || '/'}: ${first.message}` : 'does not match its schema');
  }
  return value;
}

/** Stores a checkpoint as JSON; durable when it returns, as the store promises. */
export function writeCheckpoint(store: CheckpointStore, key: string, value: OaiHarvestCheckpoint | AnnouncementCheckpoint): void {
  store.set(key, JSON.stringify(value));
}
