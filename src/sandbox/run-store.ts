import type { Database } from 'better-sqlite3';
import type { SandboxLanguage } from './container-spec.js';
import type { RunResult } from './runner.js';

/** A file a run returned, stored as a blob. */
export interface StoredRunFile {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly sha256: string;
}

/** What a finished run returned, as kept: the runner's result with its files as blobs, without its clock times. */
export type StoredRunResult = Omit<RunResult, 'files' | 'startedAt' | 'finishedAt'> & { readonly files: readonly StoredRunFile[] };

/** One run as kept in `sandbox_runs`. */
export interface StoredRun {
  readonly id: string;
  readonly language: SandboxLanguage;
  readonly code: string;
  readonly status: 'running' | 'finished' | 'failed';
  readonly result?: StoredRunResult;
  readonly error?: string;
  readonly askId?: string;
  /** The API key that sent it; only it (or an admin key) may read the run. */
  readonly keyId?: string;
  readonly createdAt: string;
  readonly finishedAt?: string;
}

interface Row {
  id: string;
  language: SandboxLanguage;
  code: string;
  status: StoredRun['status'];
  result: string | null;
  error: string | null;
  ask_id: string | null;
  key_id: string | null;
  created_at: number;
  finished_at: number | null;
}

/** The `sandbox_runs` table. */
export class SandboxRunStore {
  constructor(private readonly db: Database) {}

  insert(run: { id: string; language: SandboxLanguage; code: string; askId?: string; keyId?: string; createdAt: number }): void {
    this.db
      .prepare(`INSERT INTO sandbox_runs (id, language, code, status, ask_id, key_id, created_at) VALUES (?, ?, ?, 'running', ?, ?, ?)`)
      .run(run.id, run.language, run.code, run.askId ?? null, run.keyId ?? null, run.createdAt);
  }

  finish(id: string, result: StoredRunResult, at: number): void {
    this.db.prepare(`UPDATE sandbox_runs SET status = 'finished', result = ?, finished_at = ? WHERE id = ?`).run(JSON.stringify(result), at, id);
  }

  fail(id: string, error: string, at: number): void {
    this.db.prepare(`UPDATE sandbox_runs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?`).run(error, at, id);
  }

  /** Runs a stopped process left as running: they will not finish now. */
  failInterrupted(at: number): number {
    return this.db.prepare(`UPDATE sandbox_runs SET status = 'failed', error = 'the node stopped during the run', finished_at = ? WHERE status = 'running'`).run(at).changes;
  }

  get(id: string): StoredRun | undefined {
    const row = this.db.prepare('SELECT * FROM sandbox_runs WHERE id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    return {
      id: row.id,
      language: row.language,
      code: row.code,
      status: row.status,
      ...(row.result ? { result: JSON.parse(row.result) as StoredRunResult } : {}),
      ...(row.error ? { error: row.error } : {}),
      ...(row.ask_id ? { askId: row.ask_id } : {}),
      ...(row.key_id ? { keyId: row.key_id } : {}),
      createdAt: new Date(row.created_at).toISOString(),
      ...(row.finished_at !== null ? { finishedAt: new Date(row.finished_at).toISOString() } : {}),
    };
  }
}
