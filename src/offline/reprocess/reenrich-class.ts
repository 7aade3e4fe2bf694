import type { LlmRouter } from '../../inference/router.js';
import { JOB, type EnrichPayload } from '../../pipeline/job-kinds.js';
import type { EnrichmentStore } from '../../storage/sqlite/enrichments.js';
import { JOB_PRIORITY, type Journal } from '../../storage/sqlite/journal.js';
import type { JobClass, Step, StepOutcome } from '../job-class.js';

/**
 * Re-enrichment as an offline class: papers the embedded fallback answered for go back to the
 * enricher, at the journal's offline priority, once a chat endpoint is up; no more than `backlog`
 * wait at a time, and each takes a request from the class's hourly budget at that endpoint, so a
 * quota (`llmRequestsPerHour`) bounds what it asks of the GPU. A paper is queued at most once a
 * day. Units are papers queued.
 */
export function reenrichClass(deps: { journal: Journal; enrichments: EnrichmentStore; router: LlmRouter; backlog: number; everyMs: number; now: () => number; queued: () => void; priority?: number }): JobClass {
  const chatEndpoint = () => deps.router.snapshot().endpoints.find((e) => e.state === 'up' && e.roles.includes('chat'))?.name;
  const waiting = () => deps.journal.pendingOf(JOB.enrich);
  // After a look that queued nothing, the next is `everyMs` later: papers queued today stay
  // "needing redo" until the enricher has answered them.
  let restUntil = 0;
  return {
    name: 'reenrich',
    priority: deps.priority ?? 35,
    pending() {
      if (deps.now() < restUntil || !chatEndpoint() || waiting() >= deps.backlog) return { queued: 0, remaining: null };
      return { queued: deps.enrichments.listNeedingRedo(1).length, remaining: null };
    },
    async run(step: Step): Promise<StepOutcome> {
      const endpoint = chatEndpoint();
      if (!endpoint) return { done: 0, more: false };
      const room = Math.max(0, deps.backlog - waiting());
      const day = new Date(deps.now()).toISOString().slice(0, 10);
      const jobs = [];
      for (const r of deps.enrichments.listNeedingRedo(room)) {
        if (!step.mayContinue() || !step.takeLlmRequest(endpoint)) break;
        jobs.push({ kind: JOB.enrich, dedupKey: `enrich-redo:${r.paperId}v${r.version}:${day}`, payload: { id: r.paperId, version: r.version } satisfies EnrichPayload, priority: JOB_PRIORITY.offline });
      }
      const created = deps.journal.acceptMany(jobs).filter((r) => r.created).length;
      if (created > 0) deps.queued();
      else restUntil = deps.now() + deps.everyMs;
      return { done: created, more: false };
    },
  };
}
