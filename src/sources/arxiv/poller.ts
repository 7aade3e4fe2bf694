import { ArxivApiError, ArxivUnexpectedStatusError, UnexpectedDocumentError } from '../../errors.js';
import type { PaperRecord } from '../../protocols/paper.js';
import { silentLogger, type Logger } from '../../runtime/logger.js';
import { parseArxivAtom, type AtomPage, type AtomSource } from './atom.js';
import { AnnouncementCheckpoint, announcementKey, readCheckpoint, writeCheckpoint, type CheckpointStore } from './harvest-checkpoint.js';
import type { ArxivHttpClient, ArxivTextResponse } from './http-client.js';
import type { RecordSink } from './oai-harvester.js';
import type { ArxivPriority } from './rate-limiter.js';
import { latestAnnouncement, nextPollTime, previousAnnouncement, type PollPlan, type PollPolicy } from './schedule.js';

/** The categories watched when the config names none. */
export const defaultArxivCategories: readonly string[] = ['cs.LG', 'cs.CL', 'cs.CV', 'cs.AI', 'stat.ML'];

/** How long to wait after failed polls: `minMs·2^(n-1)`, capped. */
export interface PollBackoff {
  readonly minMs: number;
  readonly maxMs: number;
}

export const defaultPollBackoff: PollBackoff = { minMs: 60_000, maxMs: 30 * 60_000 };

/**
 * The schedule the poller follows by default. arXiv announces at 20:00 New York time, but says its
 * RSS/Atom listings are rebuilt daily at midnight Eastern (standard) time, four or five hours
 * later: looking from 20:05 every 15 minutes for 6 hours finds the listing whichever happens,
 * at 24 requests a night at most.
 */
export const defaultListingPollPolicy: PollPolicy = { delayAfterMs: 5 * 60_000, retryEveryMs: 15 * 60_000, retryForMs: 6 * 60 * 60_000 };

export interface ArxivPollerOptions {
  /** The shared arXiv client: every request goes through its rate limiter. */
  readonly client: Pick<ArxivHttpClient, 'listing' | 'query'>;
  readonly sink: RecordSink;
  readonly checkpoints: CheckpointStore;
  readonly categories?: readonly string[];
  /** Export API entries per page (arXiv allows up to 2000; smaller pages keep responses quick). */
  readonly pageSize?: number;
  /** Export API pages per announcement at most: the bound on one poll's traffic. */
  readonly maxPages?: number;
  /**
   * With no checkpoint yet, API paging goes back this far before the previous announcement: a
   * Monday announcement holds submissions from the Friday before, well before Sunday's.
   */
  readonly firstRunLookbackMs?: number;
  /** Defaults to `defaultListingPollPolicy`. */
  readonly schedule?: PollPolicy;
  readonly backoff?: PollBackoff;
  readonly logger?: Logger;
}

/** What one poll did, discriminated by `type`. Failures are thrown, not returned. */
export type PollOutcome =
  /** A new announcement: its listing and its export API pages were accepted and checkpointed. */
  | {
      readonly type: 'ingested';
      readonly announcementMs: number;
      readonly feedUpdated: string;
      readonly listed: number;
      readonly apiPages: number;
      readonly apiEntries: number;
      readonly accepted: number;
      readonly duplicates: number;
      /** The page bound stopped the paging before it reached entries already seen. */
      readonly pageBudgetExhausted: boolean;
    }
  /** The listing shows the announcement already ingested (or an older one): nothing accepted. */
  | { readonly type: 'unchanged'; readonly announcementMs: number; readonly feedUpdated: string }
  /** The listing is new but empty (a holiday, or not published yet): nothing accepted, nothing checkpointed. */
  | { readonly type: 'empty'; readonly announcementMs: number; readonly feedUpdated: string };

/** When to poll next, and why. */
export interface NextPoll {
  /** Epoch ms. */
  readonly at: number;
  readonly reason: PollPlan['type'] | 'backoff';
  /** The announcement the next poll is for, when the schedule says. */
  readonly announcementMs?: number;
}

const priority: ArxivPriority = 'hot';

/**
 * The polling logic for arXiv announcements, with no timers of its own (the actor owns them).
 * `poll` fetches the listing of the watched categories; when it shows an announcement newer than
 * the checkpointed one, it accepts the listing's entries, pages through the export API (newest
 * first) for their full metadata until it reaches what was already seen, and only then
 * checkpoints the announcement. A failure anywhere leaves the checkpoint as it was, so the next
 * poll does the whole announcement again (dedup absorbs what was accepted twice).
 */
export class ArxivPoller {
  readonly categories: readonly string[];
  private readonly key: string;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly log: Logger;

  constructor(private readonly options: ArxivPollerOptions) {
    this.categories = options.categories ?? defaultArxivCategories;
    this.key = announcementKey(this.categories);
    this.pageSize = options.pageSize ?? 200;
    this.maxPages = options.maxPages ?? 10;
    this.log = (options.logger ?? silentLogger()).child({ source: 'arxiv-poller' });
  }

  /** The last announcement ingested completely, as checkpointed. */
  lastIngested(): AnnouncementCheckpoint | undefined {
    return readCheckpoint(this.options.checkpoints, this.key, AnnouncementCheckpoint);
  }

  /** One poll at `nowMs`. Throws on arXiv errors (error feed, non-200 after retries) and sink failures. */
  async poll(nowMs: number, signal?: AbortSignal): Promise<PollOutcome> {
    const { client, sink } = this.options;
    const last = this.lastIngested();
    await sink.waitForCapacity?.(priority);
    const listing = readAtom(await client.listing(this.categories, requestOptions(signal)), 'arxiv-listing');
    if (listing.updated === undefined) throw new UnexpectedDocumentError('an <updated> date on the listing feed', 'none');
    const feedUpdated = listing.updated;
    const announcementMs = latestAnnouncement(Date.parse(feedUpdated));
    if (last !== undefined && announcementMs <= last.announcementMs) return { type: 'unchanged', announcementMs, feedUpdated };
    if (listing.entries.length === 0) return { type: 'empty', announcementMs, feedUpdated };
    if (listing.rejected.length > 0) this.log.warn({ rejected: listing.rejected }, 'listing entries could not be read');

    const listed = await sink.accept(listing.entries, priority);
    const api = await this.pageApi(announcementMs, last, signal);
    const apiHighWater = api.highWater ?? last?.apiHighWater;
    writeCheckpoint(this.options.checkpoints, this.key, {
      v: 1,
      announcementMs,
      feedUpdated,
      ...(apiHighWater === undefined ? {} : { apiHighWater }),
      ingestedAt: nowMs,
    });
    const outcome: PollOutcome = {
      type: 'ingested',
      announcementMs,
      feedUpdated,
      listed: listing.entries.length,
      apiPages: api.pages,
      apiEntries: api.entries,
      accepted: listed.accepted + api.accepted,
      duplicates: listed.duplicates + api.duplicates,
      pageBudgetExhausted: api.budgetExhausted,
    };
    this.log.info({ ...outcome, announcement: new Date(announcementMs).toISOString() }, 'arXiv announcement ingested');
    return outcome;
  }

  /** After a poll at `nowMs`: the schedule's next time, or a backoff after `consecutiveFailures` failures. */
  nextPoll(nowMs: number, consecutiveFailures: number): NextPoll {
    if (consecutiveFailures > 0) return { at: nowMs + pollBackoffMs(consecutiveFailures, this.options.backoff), reason: 'backoff' };
    const plan = nextPollTime(nowMs, this.lastIngested()?.announcementMs, this.options.schedule ?? defaultListingPollPolicy);
    return { at: plan.at, reason: plan.type, announcementMs: plan.announcementMs };
  }

  /**
   * Export API pages, newest version first, down to entries older than what the last ingest saw
   * (or, on a first run, than the previous announcement less the lookback), within `maxPages`.
   */
  private async pageApi(announcementMs: number, last: AnnouncementCheckpoint | undefined, signal: AbortSignal | undefined) {
    const { client, sink } = this.options;
    const stopBelow =
      last?.apiHighWater !== undefined
        ? Date.parse(last.apiHighWater)
        : previousAnnouncement(announcementMs) - (this.options.firstRunLookbackMs ?? 72 * 60 * 60_000);
    const searchQuery = this.categories.map((c) => `cat:${c}`).join(' OR ');
    const totals = { pages: 0, entries: 0, accepted: 0, duplicates: 0, highWater: undefined as string | undefined, budgetExhausted: false };
    for (let start = 0; totals.pages < this.maxPages; start += this.pageSize) {
      await sink.waitForCapacity?.(priority);
      const response = await client.query(
        { searchQuery, start, maxResults: this.pageSize, sortBy: 'lastUpdatedDate', sortOrder: 'descending' },
        requestOptions(signal),
      );
      const page = readAtom(response, 'arxiv-api');
      totals.pages++;
      const fresh = page.entries.filter((e) => e.updated === undefined || Date.parse(e.updated) >= stopBelow);
      if (fresh.length > 0) {
        const sunk = await sink.accept(fresh, priority);
        totals.entries += fresh.length;
        totals.accepted += sunk.accepted;
        totals.duplicates += sunk.duplicates;
        totals.highWater = newest(totals.highWater, fresh);
      }
      const reachedSeen = fresh.length < page.entries.length;
      if (reachedSeen || page.entries.length === 0 || start + page.entries.length >= page.totalResults) return totals;
    }
    totals.budgetExhausted = true;
    this.log.warn({ pages: totals.pages, stopBelow: new Date(stopBelow).toISOString() }, 'export API page budget exhausted before reaching entries already seen');
    return totals;
  }
}

/** The delay after `consecutiveFailures` (≥ 1) failed polls. */
export function pollBackoffMs(consecutiveFailures: number, backoff: PollBackoff = defaultPollBackoff): number {
  return Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(Math.max(consecutiveFailures - 1, 0), 30));
}

function requestOptions(signal: AbortSignal | undefined): { priority: ArxivPriority; signal?: AbortSignal } {
  return signal ? { priority, signal } : { priority };
}

/** The feed; a non-200 is explained by arXiv's error feed when it carries one. */
function readAtom(response: ArxivTextResponse, source: AtomSource): AtomPage {
  if (response.status === 200) return parseArxivAtom(response.body, { source });
  try {
    parseArxivAtom(response.body, { source });
  } catch (error) {
    if (error instanceof ArxivApiError) throw error;
  }
  throw new ArxivUnexpectedStatusError(response.url, response.status);
}

function newest(current: string | undefined, records: readonly PaperRecord[]): string | undefined {
  let best = current;
  for (const r of records) if (r.updated !== undefined && (best === undefined || Date.parse(r.updated) > Date.parse(best))) best = r.updated;
  return best;
}
