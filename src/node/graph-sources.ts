import type { Logger } from 'pino';
import { githubPollerBehavior } from '../actors/github-poller.js';
import { huggingfacePollerBehavior } from '../actors/huggingface-poller.js';
import { pullingStage } from '../actors/pulling-stage.js';
import type { GraphRouteDeps } from '../api/routes/graph.js';
import type { WebhookRouteDeps } from '../api/routes/webhooks.js';
import type { Config } from '../config/schema.js';
import type { FactProvenance, GraphFacts } from '../graph/facts.js';
import { GraphStore } from '../graph/index.js';
import type { Clock } from '../runtime/clock.js';
import { GithubClient, SqliteEtagStore } from '../sources/github/index.js';
import { HuggingfaceClient } from '../sources/huggingface/index.js';
import type { Store } from '../storage/store.js';
import { SqliteCheckpointStore } from '../storage/sqlite/checkpoints.js';
import { tell, type ActorSystem, type ChildSpec } from '../supervisors/index.js';
import { huggingfaceSecretOf, webhookStage } from '../webhooks/index.js';

/** The knowledge graph's sources on a node: webhook deliveries, the HF and GitHub pollers, and its API. */
export interface GraphSources {
  readonly graph: GraphStore;
  /** Children of the `sources` supervisor. */
  readonly children: readonly ChildSpec[];
  readonly webhookRoutes: WebhookRouteDeps;
  readonly graphRoutes: GraphRouteDeps;
}

const REPOSITORY_PREFIX = 'repository:github.com/';

/**
 * Builds the graph's inputs: the webhook stage (deliveries journaled by the routes, applied from
 * the journal), and, where configured, the Hugging Face and GitHub pollers. GitHub polling watches
 * the repositories papers link to (webhooks only reach repositories the user administers).
 */
export function createGraphSources(system: ActorSystem, store: Store, config: Config, clock: Clock, log: Logger, owner: string): GraphSources {
  const graph = new GraphStore(store.db, clock);
  const apply = (facts: GraphFacts, provenance: FactProvenance): void => {
    graph.apply(facts, provenance);
  };
  const webhooks = system.worker(
    'webhooks',
    pullingStage((ctx) => webhookStage({ db: store.db, journal: store.journal, writeGate: store.writeGate, apply, clock, log: ctx.log, owner: `${owner}:webhooks`, leaseMs: 60_000, batch: 32 }), { idleMs: config.pipeline.idleMs }),
    { shutdownMs: 10_000 },
  );
  const children: ChildSpec[] = [webhooks];
  if (config.huggingface.poll) {
    const client = new HuggingfaceClient({ clock, baseUrl: config.huggingface.baseUrl, token: config.huggingface.token, totalTimeoutMs: config.huggingface.requestTimeoutMs, maxBodyBytes: config.huggingface.maxBodyBytes, logger: log });
    children.push(system.worker('huggingface-poller', huggingfacePollerBehavior({
      client, checkpoints: new SqliteCheckpointStore(store.db), apply, intervalMs: config.huggingface.intervalMs,
      lookbackDays: config.huggingface.lookbackDays, finalAfterMs: config.huggingface.finalAfterMs,
    }), { shutdownMs: 10_000 }));
  }
  if (config.github.poll) {
    const client = new GithubClient({ clock, apiBaseUrl: config.github.apiBaseUrl, token: config.github.token, totalTimeoutMs: config.github.requestTimeoutMs, logger: log });
    const linked = store.db.prepare(`SELECT DISTINCT to_id FROM graph_edges WHERE kind = 'has_code' AND to_id LIKE '${REPOSITORY_PREFIX}%' LIMIT 50000`).pluck();
    children.push(system.worker('github-poller', githubPollerBehavior({
      client, etags: new SqliteEtagStore(store.db), apply, intervalMs: config.github.intervalMs,
      watched: () => (linked.all() as string[]).map((id) => id.slice(REPOSITORY_PREFIX.length)),
    }), { shutdownMs: 10_000 }));
  }
  return {
    graph,
    children,
    webhookRoutes: {
      journal: store.journal,
      githubSecret: config.github.webhookSecret,
      huggingfaceSecret: huggingfaceSecretOf(config.huggingface.webhookSecret),
      githubBodyLimitBytes: config.github.webhookBodyLimitBytes,
      huggingfaceBodyLimitBytes: config.huggingface.webhookBodyLimitBytes,
      githubPerMinute: config.github.webhookRateLimitPerMinute,
      huggingfacePerMinute: config.huggingface.webhookRateLimitPerMinute,
      received: () => tell(webhooks.ref, { type: 'work' }),
    },
    graphRoutes: { graph, db: store.db },
  };
}
