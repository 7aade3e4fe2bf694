import { errorCodeOf, MalformedJsonError, RemoteBodyTooLargeError, RemoteStatusError } from '../../errors.js';
import type { FactProvenance, GraphFacts } from '../../graph/facts.js';
import type { Clock } from '../../runtime/clock.js';
import type { Logger } from '../../runtime/logger.js';
import type { CheckpointStore } from '../arxiv/harvest-checkpoint.js';
import type { HuggingfaceClient } from './client.js';
import { hfPaperFacts } from './facts.js';
import type { HfPaper } from './types.js';

/** Hands facts to the graph store; facts are idempotent, so a batch applied twice does no harm. */
export type ApplyFacts = (facts: GraphFacts, provenance: FactProvenance) => void | Promise<void>;

export interface HuggingfacePollerOptions {
  readonly client: HuggingfaceClient;
  readonly checkpoints: CheckpointStore;
  readonly apply: ApplyFacts;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Days polled, today (UTC) included. */
  readonly lookbackDays?: number;
  /** A day's list is final (and checkpointed) this long after the day ends (UTC): late submissions land meanwhile. */
  readonly finalAfterMs?: number;
}

/** A paper that could not be read; the others of its day went on. */
export interface HfPaperFailure {
  readonly paper: string;
  readonly code: string;
  readonly message: string;
  /** The request that failed, when the error names one. */
  readonly url?: string;
}

export interface HfDayReport {
  readonly date: string;
  readonly papers: number;
  readonly entities: number;
  readonly edges: number;
  readonly failures: readonly HfPaperFailure[];
  /** Whether the day is now checkpointed as finished. */
  readonly finished: boolean;
}

export interface HfPollReport {
  readonly days: readonly HfDayReport[];
  /** Days skipped because a checkpoint says they are finished. */
  readonly skipped: readonly string[];
}

/** What the checkpoint of a finished day records. */
interface DayCheckpoint {
  readonly v: 1;
  readonly papers: number;
  readonly failures: number;
  readonly at: number;
}

const DAY_MS = 86_400_000;

/** The checkpoint key of a day of daily papers. */
export function hfDayCheckpointKey(date: string): string {
  return `huggingface:daily-papers:${date}`;
}

/**
 * Turns the Hugging Face daily papers into graph facts: for each recent day not yet finished, the
 * day's papers, and for each paper the models, datasets and Spaces that cite it. A paper whose
 * links come back malformed or refused is reported and skipped; the others go on. A day past
 * `finalAfterMs` whose papers were all read (or permanently refused) is checkpointed and never
 * asked for again. Hub outages (`RemoteUnavailableError`) end the poll: the next one starts over
 * the unfinished days, and re-applying facts is harmless.
 */
export class HuggingfacePoller {
  private readonly lookbackDays: number;
  private readonly finalAfterMs: number;

  constructor(private readonly options: HuggingfacePollerOptions) {
    this.lookbackDays = options.lookbackDays ?? 3;
    this.finalAfterMs = options.finalAfterMs ?? 6 * 3_600_000;
    if (!(this.lookbackDays >= 1)) throw new RangeError(`lookbackDays must be >= 1, got ${this.lookbackDays}`);
  }

  /** Polls the last `lookbackDays` days, oldest first, skipping finished ones. */
  async poll(signal?: AbortSignal): Promise<HfPollReport> {
    const today = Math.floor(this.options.clock.now() / DAY_MS) * DAY_MS;
    const days: HfDayReport[] = [];
    const skipped: string[] = [];
    for (let back = this.lookbackDays - 1; back >= 0; back--) {
      const date = isoDate(today - back * DAY_MS);
      if (this.isFinished(date)) skipped.push(date);
      else days.push(await this.syncDay(date, signal));
    }
    return { days, skipped };
  }

  /** Whether a checkpoint says `date` is finished. */
  isFinished(date: string): boolean {
    return this.options.checkpoints.get(hfDayCheckpointKey(date)) !== undefined;
  }

  /** Reads one day's papers and their links, applies their facts paper by paper, and checkpoints the day when final. */
  async syncDay(date: string, signal?: AbortSignal): Promise<HfDayReport> {
    const { client, clock } = this.options;
    const entries = await client.dailyPapers(date, { signal });
    let entities = 0;
    let edges = 0;
    const failures: HfPaperFailure[] = [];
    for (const entry of entries) {
      const outcome = await this.syncPaperPage(entry.paper, signal);
      if (outcome.type === 'failed') {
        failures.push(outcome.failure);
        continue;
      }
      entities += outcome.facts.entities.length;
      edges += outcome.facts.edges.length;
    }
    const final = clock.now() >= Date.parse(`${date}T00:00:00Z`) + DAY_MS + this.finalAfterMs;
    if (final) {
      const checkpoint: DayCheckpoint = { v: 1, papers: entries.length, failures: failures.length, at: clock.now() };
      this.options.checkpoints.set(hfDayCheckpointKey(date), JSON.stringify(checkpoint));
    }
    this.options.logger?.info({ date, papers: entries.length, entities, edges, failures: failures.length, finished: final }, 'huggingface day polled');
    return { date, papers: entries.length, entities, edges, failures, finished: final };
  }

  /** One paper by arXiv id, outside the daily lists (`/api/papers/{id}`); undefined when the Hub has no page for it. */
  async syncPaper(arxivId: string, signal?: AbortSignal): Promise<GraphFacts | undefined> {
    const paper = await this.options.client.paper(arxivId, { signal });
    if (!paper) return undefined;
    const outcome = await this.syncPaperPage(paper, signal);
    if (outcome.type === 'failed') throw outcome.error;
    return outcome.facts;
  }

  private async syncPaperPage(
    paper: HfPaper,
    signal: AbortSignal | undefined,
  ): Promise<{ type: 'applied'; facts: GraphFacts } | { type: 'failed'; failure: HfPaperFailure; error: unknown }> {
    const { client } = this.options;
    let facts: GraphFacts;
    try {
      const repos = await client.paperRepos(paper.id, { signal });
      const taggedModels = await client.modelsForPaper(paper.id, { signal });
      facts = hfPaperFacts(paper, { repos, taggedModels });
    } catch (error) {
      // Only what retrying will not change is skipped; an outage ends the poll instead of failing every paper slowly.
      if (!(error instanceof MalformedJsonError || error instanceof RemoteStatusError || error instanceof RemoteBodyTooLargeError)) throw error;
      this.options.logger?.warn({ paper: paper.id, url: error.url, err: error }, 'huggingface paper skipped');
      return { type: 'failed', error, failure: { paper: paper.id, code: errorCodeOf(error), message: error.message, url: error.url } };
    }
    await this.options.apply(facts, { source: 'hf-poller', at: this.options.clock.now() });
    return { type: 'applied', facts };
  }
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
