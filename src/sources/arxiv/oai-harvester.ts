import { ArxivUnexpectedStatusError, OaiBadResumptionTokenError, OaiHarvestStalledError, OaiPmhError } from '../../errors.js';
import type { PaperRecord } from '../../protocols/paper.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import {
  OaiHarvestCheckpoint,
  oaiHarvestKey,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointStore,
} from './harvest-checkpoint.js';
import type { ArxivHttpClient, ArxivTextResponse, OaiParams } from './http-client.js';
import { parseOaiPmh, type OaiPage } from './oai.js';
import type { ArxivPriority } from './rate-limiter.js';

/**
 * Where the arXiv sources deliver what they found. Implemented by the journal: `accept` writes the
 * records and their dedup keys in one transaction, so a record handed over is never lost and a
 * record handed over twice is harmless.
 */
export interface RecordSink {
  /** Durably journals the records; resolves when written. Waits for pipeline capacity (backpressure) before writing. */
  accept(records: readonly PaperRecord[], priority: ArxivPriority): Promise<{ accepted: number; duplicates: number }>;
  /**
   * Resolves once the pipeline has room for more work (below the low watermark after a pause).
   * Awaited before each request to arXiv, so a paused pipeline also pauses the fetching; optional
   * because `accept` applies backpressure too.
   */
  waitForCapacity?(priority: ArxivPriority): Promise<void>;
}

/** What a progress bar needs; sent after each accepted page. */
export interface HarvestProgress {
  readonly pages: number;
  /** Records handed to the sink so far (accepted + duplicates). */
  readonly records: number;
  readonly deleted: number;
  /** The repository's size of the list being harvested, when it says. */
  readonly completeListSize?: number;
  /** Position of the last page's first record in that list, when the repository says. */
  readonly cursor?: number;
}

export interface HarvestOptions {
  /** The shared arXiv client: every request goes through its rate limiter. */
  readonly client: Pick<ArxivHttpClient, 'oai'>;
  readonly sink: RecordSink;
  readonly checkpoints: CheckpointStore;
  /** `YYYY-MM-DD`, inclusive. */
  readonly from: string;
  /** `YYYY-MM-DD`, inclusive. */
  readonly until: string;
  /** An OAI set (`cs`, `physics:hep-th`); the whole repository when absent. */
  readonly set?: string;
  /** `arXivRaw` (the default) lists every version; `arXiv` does not. */
  readonly metadataPrefix?: string;
  /** One record per version an arXivRaw record lists, instead of the latest only. */
  readonly everyVersion?: boolean;
  /** Stops the harvest between or during requests; the checkpoint keeps the last accepted page. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: HarvestProgress) => void;
  readonly logger?: Logger;
  /** Refused resumption tokens in a row without the datestamp advancing, before giving up. */
  readonly maxTokenRestarts?: number;
}

/** How a harvest ended; counts cover every run of the same harvest, not only this one. */
export interface HarvestResult {
  /** The checkpoint key (derived from set, from, until, prefix). */
  readonly key: string;
  /** The checkpoint said the harvest had finished: nothing was requested. */
  readonly alreadyComplete: boolean;
  /** This run continued from a stored checkpoint. */
  readonly resumed: boolean;
  readonly pages: number;
  readonly records: number;
  readonly accepted: number;
  readonly duplicates: number;
  /** Records the repository marks deleted: counted, not ingested. */
  readonly deleted: number;
  /** Records that could not be read (logged with their reason). */
  readonly rejected: number;
  /** `arXiv`-format records revised after v1, whose version is unknown: not ingested. */
  readonly unversioned: number;
  /** Lists restarted from the last datestamp after a refused token. */
  readonly restarts: number;
  readonly lastDatestamp?: string;
}

const priority: ArxivPriority = 'offline';

/**
 * Backfills from arXiv's OAI-PMH: ListRecords over [from, until] (and `set`), following
 * resumption tokens to the end. After the sink accepts each page the position is checkpointed, so
 * a run stopped anywhere resumes from the last accepted page (re-accepting at most that page,
 * which dedup absorbs) and a finished harvest asked again requests nothing. A refused token
 * (expired, or the repository restarted) restarts the list from the last datestamp accepted, not
 * from the beginning. `noRecordsMatch` completes the harvest with no records.
 */
export async function harvest(options: HarvestOptions): Promise<HarvestResult> {
  const { client, sink, checkpoints, signal, onProgress } = options;
  const log = (options.logger ?? silentLogger()).child({ source: 'oai-harvest' });
  const metadataPrefix = options.metadataPrefix ?? 'arXivRaw';
  const key = oaiHarvestKey({ metadataPrefix, set: options.set, from: options.from, until: options.until });
  const stored = readCheckpoint(checkpoints, key, OaiHarvestCheckpoint);
  if (stored?.state === 'complete') return resultOf(key, stored, { alreadyComplete: true, resumed: true });
  if (stored) {
    log.info({ key, pages: stored.pages, token: stored.token, listFrom: stored.listFrom }, 'resuming OAI-PMH harvest');
    onProgress?.(progressOf(stored));
  }

  let cp: OaiHarvestCheckpoint = stored ?? freshCheckpoint(options.from);
  const maxTokenRestarts = options.maxTokenRestarts ?? 3;
  let refusedInARow = 0;
  let datestampAtLastRestart: string | undefined;
  for (;;) {
    signal?.throwIfAborted();
    await sink.waitForCapacity?.(priority);
    const params: OaiParams =
      cp.token !== undefined
        ? { verb: 'ListRecords', resumptionToken: cp.token }
        : { verb: 'ListRecords', metadataPrefix, from: cp.listFrom, until: options.until, ...(options.set === undefined ? {} : { set: options.set }) };
    let page: OaiPage;
    try {
      page = readOaiResponse(await client.oai(params, { priority, finishStartedReply: true, ...(signal ? { signal } : {}) }), options.everyVersion ?? false);
    } catch (error) {
      if (!(error instanceof OaiBadResumptionTokenError) || cp.token === undefined) throw error;
      // Day-granular datestamps: restarting from a day bigger than a page must still move on.
      if (cp.lastDatestamp !== datestampAtLastRestart) refusedInARow = 0;
      if (++refusedInARow > maxTokenRestarts) {
        throw new OaiHarvestStalledError(`${refusedInARow} resumption tokens refused in a row, stuck at datestamp ${cp.lastDatestamp ?? cp.listFrom}`, error);
      }
      datestampAtLastRestart = cp.lastDatestamp;
      const restartFrom = cp.lastDatestamp ?? cp.listFrom;
      log.warn({ key, err: error, token: cp.token, restartFrom }, 'resumption token refused; restarting the list from the last datestamp');
      const { token: _token, cursor: _cursor, completeListSize: _size, ...rest } = cp;
      cp = { ...rest, listFrom: restartFrom, restarts: cp.restarts + 1 };
      // A crash from here on resumes at the restart point rather than retrying the dead token.
      writeCheckpoint(checkpoints, key, cp);
      continue;
    }

    const { accepted, duplicates } = page.records.length > 0 ? await sink.accept(page.records, priority) : { accepted: 0, duplicates: 0 };
    if (page.rejected.length > 0) log.warn({ key, rejected: page.rejected }, 'OAI-PMH records could not be read');
    if (page.unversioned.length > 0) {
      log.warn({ key, ids: page.unversioned.map((r) => r.id) }, 'revised records without a version (arXiv format) skipped; harvest with arXivRaw');
    }
    const next = page.resumptionToken;
    if (next !== undefined && next.token === cp.token) {
      throw new OaiHarvestStalledError(`the repository handed back the token it was given (${next.token})`);
    }
    cp = advance(cp, page, { accepted, duplicates });
    writeCheckpoint(checkpoints, key, cp);
    onProgress?.(progressOf(cp));
    if (cp.state === 'complete') {
      log.info({ key, pages: cp.pages, records: cp.records, deleted: cp.deleted }, 'OAI-PMH harvest complete');
      return resultOf(key, cp, { alreadyComplete: false, resumed: stored !== undefined });
    }
  }
}

/** The page read as OAI-PMH; a non-200 is explained by its OAI-PMH error when it carries one. */
function readOaiResponse(response: ArxivTextResponse, everyVersion: boolean): OaiPage {
  if (response.status === 200) return parseOaiPmh(response.body, { everyVersion });
  try {
    parseOaiPmh(response.body);
  } catch (error) {
    if (error instanceof OaiPmhError || error instanceof OaiBadResumptionTokenError) throw error;
  }
  throw new ArxivUnexpectedStatusError(response.url, response.status);
}

function freshCheckpoint(from: string): OaiHarvestCheckpoint {
  return { v: 1, state: 'running', listFrom: from, pages: 0, records: 0, accepted: 0, duplicates: 0, deleted: 0, rejected: 0, unversioned: 0, restarts: 0 };
}

function advance(cp: OaiHarvestCheckpoint, page: OaiPage, sunk: { accepted: number; duplicates: number }): OaiHarvestCheckpoint {
  const { token: _token, cursor: _cursor, completeListSize: _size, lastDatestamp: _last, ...rest } = cp;
  const next = page.resumptionToken;
  const lastDatestamp = [cp.lastDatestamp, page.lastDatestamp].filter((d): d is string => d !== undefined).sort().at(-1);
  return {
    ...rest,
    state: next === undefined ? 'complete' : 'running',
    ...(next === undefined ? {} : { token: next.token }),
    ...(next?.cursor === undefined ? {} : { cursor: next.cursor }),
    ...(next?.completeListSize === undefined ? {} : { completeListSize: next.completeListSize }),
    ...(lastDatestamp === undefined ? {} : { lastDatestamp }),
    pages: cp.pages + 1,
    records: cp.records + page.records.length,
    accepted: cp.accepted + sunk.accepted,
    duplicates: cp.duplicates + sunk.duplicates,
    deleted: cp.deleted + page.deleted.length,
    rejected: cp.rejected + page.rejected.length,
    unversioned: cp.unversioned + page.unversioned.length,
  };
}

function progressOf(cp: OaiHarvestCheckpoint): HarvestProgress {
  return {
    pages: cp.pages,
    records: cp.records,
    deleted: cp.deleted,
    ...(cp.completeListSize === undefined ? {} : { completeListSize: cp.completeListSize }),
    ...(cp.cursor === undefined ? {} : { cursor: cp.cursor }),
  };
}

function resultOf(key: string, cp: OaiHarvestCheckpoint, how: { alreadyComplete: boolean; resumed: boolean }): HarvestResult {
  const { pages, records, accepted, duplicates, deleted, rejected, unversioned, restarts, lastDatestamp } = cp;
  return { key, ...how, pages, records, accepted, duplicates, deleted, rejected, unversioned, restarts, ...(lastDatestamp === undefined ? {} : { lastDatestamp }) };
}
