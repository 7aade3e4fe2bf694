import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaperdError } from '../errors.js';

/** Another live process owns the data dir. */
export class DataDirBusyError extends PaperdError {
  readonly code = 'PAPERD_DATA_DIR_BUSY';
  override readonly status = 409;
  constructor(readonly dataDir: string, readonly owner: DataDirOwner) {
    super(`data dir ${dataDir} is in use by ${owner.role} (pid ${owner.pid}${owner.url ? `, ${owner.url}` : ''})`);
  }
}

export interface DataDirOwner {
  readonly pid: number;
  readonly role: string;
  readonly url?: string;
  readonly startedAt: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Who holds the data dir now, if a live process does. */
export function dataDirOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dataDir, 'paperd.lock'), 'utf8')) as DataDirOwner;
    return alive(owner.pid) ? owner : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One writer per data dir: a lock file naming the owning process (and its URL, so the CLI can
 * hand work to a running node). A lock left by a dead process is taken over: its leases are
 * ours to recover.
 */
export class DataDirLock {
  private constructor(private readonly file: string, private owner: DataDirOwner) {}

  static acquire(dataDir: string, role: string): DataDirLock {
    const file = join(dataDir, 'paperd.lock');
    const owner: DataDirOwner = { pid: process.pid, role, startedAt: Date.now() };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(file, JSON.stringify(owner), { flag: 'wx' });
        return new DataDirLock(file, owner);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const current = dataDirOwner(dataDir);
        if (current && current.pid !== process.pid) throw new DataDirBusyError(dataDir, current);
        rmSync(file, { force: true });
      }
    }
    throw new Error(`could not take the lock on ${dataDir}`);
  }

  /** Records the URL of this process's API, for CLIs that look for a running node. */
  setUrl(url: string): void {
    this.owner = { ...this.owner, url };
    writeFileSync(this.file, JSON.stringify(this.owner));
  }

  release(): void {
    try {
      const current = JSON.parse(readFileSync(this.file, 'utf8')) as DataDirOwner;
      if (current.pid === process.pid) rmSync(this.file, { force: true });
    } catch {
      // Already gone.
    }
  }
}
