import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { createIngestion, type Ingestion } from '../pipeline/ingestion.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { ArxivHttpClient } from '../sources/arxiv/http-client.js';
import { ArxivRateLimiter } from '../sources/arxiv/rate-limiter.js';
import { DataDirLock } from '../storage/data-dir-lock.js';
import { openStore, type Store } from '../storage/store.js';
import { ActorSystem, SqliteRestartLog } from '../supervisors/index.js';

/** What a process that owns a data dir runs: the lock, the stores, the actor system, ingestion. */
export interface LocalRuntime {
  readonly lock: DataDirLock;
  readonly store: Store;
  readonly system: ActorSystem;
  readonly clock: Clock;
  /** The one arXiv client of the process: everything it sends shares one rate limiter. */
  readonly arxiv: ArxivHttpClient;
  readonly limiter: ArxivRateLimiter;
  /** Absent on gpu and mac nodes, which hold no store of papers. */
  readonly ingestion: Ingestion | undefined;
  /** Closes the stores and releases the lock (after the actor system has stopped). */
  close(): void;
}

/**
 * Takes the data dir, opens its stores, and prepares the actor system and the ingestion actors
 * (not started: the caller builds the tree). Leases left by a dead owner go back to the queue
 * at once: holding the lock proves their owner is gone.
 */
export async function openLocalRuntime(config: Config, log: Logger, role: string): Promise<LocalRuntime> {
  mkdirSync(config.dataDir, { recursive: true });
  const lock = DataDirLock.acquire(config.dataDir, role);
  const clock = systemClock();
  let store: Store;
  try {
    store = await openStore(config.dataDir, clock);
  } catch (error) {
    lock.release();
    throw error;
  }
  const recovered = store.journal.releaseAll();
  if (recovered > 0) log.info({ jobs: recovered }, 'recovered jobs leased by a previous owner');
  const system = new ActorSystem({ name: `paperd-${config.node}`, log, restartLog: new SqliteRestartLog(store.db, log) });
  const limiter = new ArxivRateLimiter({ clock, intervalMs: config.arxiv.intervalMs });
  const arxiv = new ArxivHttpClient({
    limiter,
    clock,
    logger: log,
    userAgent: config.arxiv.userAgent,
    baseUrls: { api: config.arxiv.apiBaseUrl, listings: config.arxiv.listingBaseUrl, oai: config.arxiv.oaiBaseUrl, pdf: config.arxiv.pdfBaseUrl },
  });
  const serving = config.node === 'gpu' || config.node === 'mac';
  const ingestion = serving ? undefined : createIngestion({ system, store, config, clock, log, arxiv, owner: `${config.node}:${process.pid}` });
  return {
    lock, store, system, clock, arxiv, limiter, ingestion,
    close() {
      ingestion?.watcher.close();
      store.close();
      lock.release();
    },
  };
}
