import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HashEmbedder } from '../../src/embedding/hash-embedder.js';
import { EMBEDDING_DIMENSIONS } from '../../src/embedding/embedder-provider.js';
import type { PaperRecord } from '../../src/protocols/paper.js';
import { ManualClock } from '../../src/runtime/manual-clock.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { SandboxConfigSchema, type SandboxConfig } from '../../src/sandbox/config.js';
import { SandboxEngine } from '../../src/sandbox/engine.js';
import { sandboxImageName } from '../../src/sandbox/image.js';
import { SandboxRunner } from '../../src/sandbox/runner.js';
import { StoreSnapshots } from '../../src/sandbox/store-snapshot.js';
import { VectorStore } from '../../src/storage/lancedb/vector-store.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { PaperStore } from '../../src/storage/sqlite/papers.js';
import { VectorSync } from '../../src/storage/vector-sync.js';
import { Value } from '@sinclair/typebox/value';

export const DOCKER_SOCKET = process.env.PAPERD_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock';

/** A paper of the fixture corpus: `i` decides its month (2023-01 onwards) and topic. */
export function sandboxPaper(i: number): PaperRecord {
  const month = String((i % 24) % 12 + 1).padStart(2, '0');
  const year = 2023 + Math.floor((i % 24) / 12);
  const topic = i % 3 === 0 ? 'diffusion models' : i % 3 === 1 ? 'LoRA fine-tuning' : 'graph networks';
  return {
    id: `2301.${String(i).padStart(5, '0')}`,
    version: 1,
    title: `Paper ${i} on ${topic}`,
    abstract: `We study ${topic}; paper ${i}.`,
    authors: [{ name: `Author ${i % 17}`, affiliations: [] }],
    categories: ['cs.LG'],
    published: `${year}-${month}-15T00:00:00Z`,
    updated: `${year}-${month}-15T00:00:00Z`,
    source: 'arxiv-api',
  };
}

/** A data dir with `count` papers in SQLite and their vectors in LanceDB, as a node leaves it. */
export async function sandboxDataDir(count: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-sandbox-'));
  const db = openDatabase(path.join(dir, 'paperd.sqlite'));
  const vectors = await VectorStore.open(path.join(dir, 'lancedb'), EMBEDDING_DIMENSIONS);
  try {
    new PaperStore(db, new ManualClock(1_700_000_000_000)).upsertMany(Array.from({ length: count }, (_, i) => sandboxPaper(i)));
    await new VectorSync({ db, vectors, embedder: () => new HashEmbedder({ dimensions: EMBEDDING_DIMENSIONS }) }).drainAll();
  } finally {
    vectors.close();
    db.close();
  }
  return dir;
}

/** The sandbox settings with test-sized limits on top of the defaults. */
export function sandboxTestConfig(overrides: Partial<SandboxConfig> = {}): SandboxConfig {
  const config = Value.Default(SandboxConfigSchema, {}) as SandboxConfig;
  return { ...config, timeoutMs: 20_000, snapshotMaxAgeMs: 0, ...overrides };
}

/** Why sandbox tests cannot run here, or undefined when a Docker engine with the image answers. */
export async function sandboxUnavailableReason(): Promise<string | undefined> {
  const state = await new SandboxEngine(DOCKER_SOCKET, sandboxImageName(), 'runc').check(true);
  return state.type === 'ready' ? undefined : `${state.reason} (run docker/sandbox/ensure-engine.sh and docker/sandbox/build.sh)`;
}

/** A started runner over `dataDir`, its workRoot under the data dir. */
export async function startTestRunner(dataDir: string, config: SandboxConfig): Promise<SandboxRunner> {
  const engine = new SandboxEngine(DOCKER_SOCKET, config.image || sandboxImageName(), config.runtime);
  const snapshots = new StoreSnapshots(
    { sqliteFile: path.join(dataDir, 'paperd.sqlite'), lancedbDir: path.join(dataDir, 'lancedb'), vectorTable: 'papers', vectors: config.vectors, maxAgeMs: config.snapshotMaxAgeMs },
    path.join(dataDir, 'sandbox', 'snapshots'),
  );
  const runner = new SandboxRunner({ config, engine, snapshots, workRoot: path.join(dataDir, 'sandbox', 'work'), log: silentLogger() });
  await runner.start();
  return runner;
}

/** Ids of the containers a runner of this data dir owns (running or not), straight from the engine. */
export function sandboxContainersOf(dataDir: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=paperd.sandbox.home=${path.join(dataDir, 'sandbox', 'work')}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean);
}
