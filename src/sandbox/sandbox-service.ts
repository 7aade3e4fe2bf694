import { randomUUID } from 'node:crypto';
import { PaperdError } from '../errors.js';
import type { BlobStore } from '../storage/blobs.js';
import type { RunRequest, SandboxRunner } from './runner.js';
import type { SandboxRunStore, StoredRun, StoredRunFile } from './run-store.js';

/**
 * Runs programs through the runner and keeps each run: its row in `sandbox_runs`, its files as
 * content-addressed blobs. A run refused before it started (bad input, no engine, a full queue)
 * is not kept: nothing ran.
 */
export class SandboxService {
  constructor(
    readonly runner: SandboxRunner,
    private readonly runs: SandboxRunStore,
    private readonly blobs: BlobStore,
    private readonly now: () => number = Date.now,
  ) {}

  async run(request: RunRequest, context: { keyId?: string; askId?: string } = {}): Promise<StoredRun> {
    const id = randomUUID();
    let inserted = false;
    try {
      const result = await this.runner.run(request, () => {
        this.runs.insert({ id, language: request.language, code: request.code, createdAt: this.now(), ...context });
        inserted = true;
      });
      const files: StoredRunFile[] = [];
      for (const file of result.files) {
        const blob = await this.blobs.put(file.data);
        files.push({ name: file.name, contentType: file.contentType, size: blob.size, sha256: blob.sha256 });
      }
      const { files: _, startedAt: __, finishedAt: ___, ...rest } = result;
      this.runs.finish(id, { ...rest, files }, this.now());
    } catch (error) {
      if (inserted) this.runs.fail(id, error instanceof PaperdError ? `${error.code}: ${error.message}` : (error as Error).message, this.now());
      throw error;
    }
    return this.runs.get(id)!;
  }

  get(id: string): StoredRun | undefined {
    return this.runs.get(id);
  }
}
