import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { BadInputError, NotFoundError } from '../errors.js';
import { syncDirectory, writeTempFile } from './durable-file.js';

/** A stored blob: its content address, its size, and where it lives. */
export interface BlobRef {
  readonly sha256: string;
  readonly size: number;
  readonly path: string;
}

/** The outcome of re-hashing a stored blob. */
export type BlobVerification =
  | { readonly type: 'ok'; readonly size: number }
  | { readonly type: 'missing' }
  | { readonly type: 'corrupt'; readonly actualSha256: string; readonly size: number };

const sha256Pattern = /^[0-9a-f]{64}$/;

/**
 * Content-addressed files under `<dataDir>/blobs/ab/cd/<sha256>`. A write goes to a temporary
 * file in `<dataDir>/blobs/tmp`, is fsynced, then renamed into place, so a crash never leaves a
 * partial blob under its final name; writing the same content twice keeps one file.
 */
export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'blobs');
    this.tmpDir = path.join(this.root, 'tmp');
  }

  /** Stores `data` and returns its address. */
  put(data: Uint8Array | string): Promise<BlobRef> {
    return this.putStream([typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
  }

  /**
   * Stores what `source` yields, hashing it on the way. If `source` throws (a failed download, a
   * failed validation), the temporary file is removed and the error is rethrown; nothing is stored.
   */
  async putStream(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobRef> {
    const hash = createHash('sha256');
    let size = 0;
    const tmp = await writeTempFile(this.tmpDir, (async function* () {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
    })());
    const sha256 = hash.digest('hex');
    const final = this.path(sha256);
    await mkdir(path.dirname(final), { recursive: true });
    // Same address, same bytes: a blob already there is kept, and a concurrent rename of equal content is harmless.
    if (await exists(final)) await rm(tmp, { force: true });
    else {
      await rename(tmp, final);
      await syncDirectory(path.dirname(final));
    }
    return { sha256, size, path: final };
  }

  /** The path a blob has (or would have) in the store. */
  path(sha256: string): string {
    checkSha256(sha256);
    return path.join(this.root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): Promise<boolean> {
    return exists(this.path(sha256));
  }

  /** The blob's bytes; `NotFoundError` when it is not stored. */
  async read(sha256: string): Promise<Buffer> {
    try {
      return await readFile(this.path(sha256));
    } catch (error) {
      throw notFoundOr(error, sha256);
    }
  }

  /** The blob's size in bytes; `NotFoundError` when it is not stored. */
  async size(sha256: string): Promise<number> {
    try {
      return (await stat(this.path(sha256))).size;
    } catch (error) {
      throw notFoundOr(error, sha256);
    }
  }

  /** Re-hashes a stored blob (streaming) and says whether its content still matches its name. */
  async verify(sha256: string): Promise<BlobVerification> {
    const file = this.path(sha256);
    if (!(await exists(file))) return { type: 'missing' };
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    const actualSha256 = hash.digest('hex');
    return actualSha256 === sha256 ? { type: 'ok', size } : { type: 'corrupt', actualSha256, size };
  }

  /**
   * Deletes temporary files left by writes a crash interrupted. Call it at startup, before any
   * write starts, since it cannot tell a leftover from a write in progress.
   */
  async removeTempFiles(): Promise<number> {
    const names = await readdir(this.tmpDir).catch(() => [] as string[]);
    await Promise.all(names.map((name) => rm(path.join(this.tmpDir, name), { force: true })));
    return names.length;
  }
}

function checkSha256(sha256: string): void {
  if (!sha256Pattern.test(sha256)) throw new BadInputError(`not a lowercase hex SHA-256: ${JSON.stringify(sha256)}`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

function notFoundOr(error: unknown, sha256: string): unknown {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? new NotFoundError(`no blob ${sha256}`, { cause: error }) : error;
}
