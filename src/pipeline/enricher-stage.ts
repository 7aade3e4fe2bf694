import type { Database } from 'better-sqlite3';
import { BadInputError } from '../errors.js';
import type { Logger } from 'pino';
import type { Stage } from '../actors/pulling-stage.js';
import {
  enrichmentChatRequest,
  FallbackEnricher,
  fallbackProvenance,
  llmProvenance,
  parseEnrichmentOutput,
  type EnrichmentProvenance,
  type EnrichmentResult,
} from '../enrichment/index.js';
import type { LlmRouter } from '../inference/router.js';
import type { Clock } from '../runtime/clock.js';
import type { Job, Journal } from '../storage/sqlite/journal.js';
import type { StoredPaper } from '../storage/sqlite/paper-rows.js';
import type { PaperStore } from '../storage/sqlite/papers.js';
import { inTurn, type WriteGate } from '../storage/sqlite/write-gate.js';
import { enrichmentCommit } from './enrichment-commit.js';
import { FallbackEnrichmentWriter } from './fallback-enrichment-writer.js';
import { JOB, type EnrichPayload } from './job-kinds.js';

/** The LLM enrichment asks, when one is configured. */
export interface EnrichmentLlm {
  readonly router: LlmRouter;
  readonly model: string;
}

export interface EnricherOptions {
  readonly db: Database;
  readonly journal: Journal;
  readonly papers: PaperStore;
  /** Shared with the index writer's thread: claims and commits wait for the event loop's turn. */
  readonly writeGate?: WriteGate;
  readonly llm?: EnrichmentLlm;
  readonly clock: Clock;
  readonly log: Logger;
  readonly owner: string;
  readonly leaseMs: number;
  /** Papers enriched at once: the LLM endpoints batch concurrent requests. */
  readonly concurrency: number;
  readonly committed?: () => void;
}

/** A paper whose enrichment failed for a passing reason is tried again after this. */
const RETRY_MS = 5_000;

/** Papers a step of the fallback's thread takes on: one round trip for many, as no endpoint waits. */
const FALLBACK_BATCH = 50;

type Outcome = { result: EnrichmentResult; provenance: EnrichmentProvenance; why?: string };

/**
 * The enricher: a TL;DR, tags and entities for each new paper version, from the LLM through the
 * router (offline priority: people's requests go first) with structured output, repaired or
 * rejected before anything is stored. When no endpoint answers or the answer cannot be used, the
 * embedded fallback answers instead and says so; the offline system redoes those rows once an LLM
 * is back. The result and the job's completion commit together, so a crash redoes a paper, never
 * loses it.
 */
export function enricherStage(options: EnricherOptions): Stage {
  const { db, journal, papers, owner, log } = options;
  const counts = { byLlm: 0, byFallback: 0, rejected: 0, skipped: 0 };

  // The fallback's CPU work runs in its own thread, not between the API's requests. Without an
  // LLM, so do its writes: the whole step runs in the enrichment writer's thread.
  const fallback = new FallbackEnricher();
  const writer = !options.llm && options.writeGate && !db.memory ? new FallbackEnrichmentWriter(db.name, options.writeGate) : undefined;
  const commit = enrichmentCommit(db, journal, options.clock);

  async function enrich(paper: StoredPaper): Promise<Outcome> {
    if (!options.llm) return { result: await fallback.enrich(paper), provenance: fallbackProvenance, why: 'no LLM is configured' };
    const { router, model } = options.llm;
    try {
      const completion = await router.chat({ ...enrichmentChatRequest(paper), model }, { priority: 'offline' });
      const parsed = parseEnrichmentOutput(completion.choices[0]?.message?.content ?? '');
      if (parsed.ok) return { result: parsed.value, provenance: llmProvenance(completion.model || model) };
      counts.rejected++;
      log.warn({ paper: paper.id, model, reason: parsed.reason }, 'LLM enrichment rejected; the embedded fallback answers');
      return { result: await fallback.enrich(paper), provenance: fallbackProvenance, why: `the model's answer was rejected: ${parsed.reason}` };
    } catch (error) {
      log.warn({ paper: paper.id, model, err: error }, 'no LLM answered the enrichment; the embedded fallback answers');
      return { result: await fallback.enrich(paper), provenance: fallbackProvenance, why: (error as Error).message };
    }
  }

  async function handle(job: Job): Promise<void> {
    const payload = job.payload as EnrichPayload;
    const paper = papers.get(payload.id);
    // A paper gone, or revised since: the newer version has its own job.
    if (!paper || paper.version !== payload.version) {
      counts.skipped++;
      await inTurn(options.writeGate, () => commit(job, owner));
      return;
    }
    try {
      const outcome = await enrich(paper);
      await inTurn(options.writeGate, () => commit(job, owner, { paper, version: payload.version, result: outcome.result, provenance: outcome.provenance }));
      if (outcome.provenance.producer === 'llm') counts.byLlm++;
      else counts.byFallback++;
    } catch (error) {
      // The fallback or the store refused (a paper with neither title nor abstract): say why, for
      // good. Anything else (the fallback's thread died under it) is tried again shortly.
      const permanent = error instanceof BadInputError;
      await inTurn(options.writeGate, () => journal.fail(job.id, owner, error, permanent ? { permanent } : { retryAt: options.clock.now() + RETRY_MS }));
      log.warn({ paper: payload.id, err: error, permanent }, 'enrichment failed');
    }
  }

  async function stepApart(writer: FallbackEnrichmentWriter): Promise<number> {
    const outcome = await writer.request({ owner, limit: Math.max(options.concurrency, FALLBACK_BATCH), leaseMs: options.leaseMs, now: options.clock.now(), retryMs: RETRY_MS });
    counts.byFallback += outcome.enriched;
    counts.skipped += outcome.skipped;
    for (const failure of outcome.failed) log.warn({ paper: failure.paper, err: { message: failure.message }, permanent: failure.permanent }, 'enrichment failed');
    if (outcome.claimed > 0) options.committed?.();
    return outcome.claimed;
  }

  return {
    async step() {
      if (writer) return stepApart(writer);
      const jobs = await inTurn(options.writeGate, () => journal.claim(owner, options.concurrency, options.leaseMs, options.clock.now(), JOB.enrich));
      if (jobs.length === 0) return 0;
      await Promise.all(jobs.map(handle));
      options.committed?.();
      return jobs.length;
    },
    async close() {
      journal.release(owner);
      await Promise.all([fallback.close(), writer?.close()]);
    },
    summary: () => ({ ...counts, model: options.llm?.model ?? null }),
  };
}
