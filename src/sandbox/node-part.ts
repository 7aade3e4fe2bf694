import path from 'node:path';
import type { Logger } from 'pino';
import { sandboxRunnerBehavior } from '../actors/sandbox-runner.js';
import type { SandboxRouteDeps } from '../api/routes/sandbox.js';
import type { Config } from '../config/schema.js';
import { EMBEDDING_DIMENSIONS } from '../embedding/embedder-provider.js';
import type { LlmRouter } from '../inference/router.js';
import { lancedbPath, vectorTableNames, type Store } from '../storage/store.js';
import { openDatabase, sqlitePath } from '../storage/sqlite/database.js';
import type { ActorSystem, ChildSpec } from '../supervisors/index.js';
import { SandboxAsk } from './ask.js';
import { SandboxEngine } from './engine.js';
import { sandboxImageName } from './image.js';
import { SandboxRunStore } from './run-store.js';
import { SandboxRunner } from './runner.js';
import { SandboxService } from './sandbox-service.js';
import { sharedSchema, StoreSnapshots } from './store-snapshot.js';

/** The sandbox on a node: the runner actor (child of `sandbox`) and the routes' dependencies. */
export interface SandboxPart {
  readonly children: readonly ChildSpec[];
  readonly routes: SandboxRouteDeps;
  readonly service?: SandboxService;
  /** Closes the sandbox's SQLite connection; after the tree and the API have stopped. */
  close(): void;
}

/**
 * Builds the sandbox of a node that holds the stores: engine, snapshots under
 * `<dataDir>/sandbox`, runner, the kept runs, and (with an LLM router and a chat model) ask.
 */
export function createSandboxPart(system: ActorSystem, store: Store, config: Config, log: Logger, llm: LlmRouter | undefined): SandboxPart {
  const settings = config.sandbox;
  // The sandbox's own connection: its writes (kept runs) are not changes its snapshots must follow.
  const db = openDatabase(sqlitePath(config.dataDir));
  const runs = new SandboxRunStore(db);
  runs.failInterrupted(Date.now());
  const close = () => db.close();
  if (!settings.enabled) {
    return { children: [], close, routes: { blobs: store.blobs, disabledReason: 'the sandbox is disabled on this node (sandbox.enabled is false)', codeBytes: settings.codeBytes } };
  }
  const engine = new SandboxEngine(settings.dockerSocket, settings.image || sandboxImageName(), settings.runtime);
  const dimensions = config.embeddings.model ? config.embeddings.dimensions : EMBEDDING_DIMENSIONS;
  const root = path.join(config.dataDir, 'sandbox');
  const snapshots = new StoreSnapshots(
    { sqliteFile: sqlitePath(config.dataDir), lancedbDir: lancedbPath(config.dataDir), vectorTable: vectorTableNames(dimensions).papers, vectors: settings.vectors, maxAgeMs: settings.snapshotMaxAgeMs, connection: db },
    path.join(root, 'snapshots'),
  );
  const runner = new SandboxRunner({ config: settings, engine, snapshots, workRoot: path.join(root, 'work'), log });
  const service = new SandboxService(runner, runs, store.blobs);
  const model = settings.ask.model || config.enrichment.model || config.llm.endpoints.find((e) => [e.role ?? config.llm.defaults.role].flat().includes('chat') && e.models?.length)?.models?.[0] || '';
  const ask = llm
    ? new SandboxAsk({ router: llm, service, model, maxRepairs: settings.ask.maxRepairs, maxTokens: settings.ask.maxTokens, schema: () => sharedSchema(store.db) })
    : undefined;
  // Stopping kills running programs and removes every container: bounded by the engine's answers.
  const child = system.worker('sandbox-runner', sandboxRunnerBehavior(runner), { shutdownMs: 30_000 });
  return {
    children: [child],
    service,
    close,
    routes: { service, ...(ask ? { ask } : {}), blobs: store.blobs, disabledReason: '', codeBytes: settings.codeBytes },
  };
}
