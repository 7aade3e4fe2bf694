import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * Writes what `source` yields to a new temporary file in `dir` and fsyncs it; returns its path.
 * If `source` throws, the file is removed and the error rethrown. Renaming the result into place
 * (then `syncDirectory`) is how a crash never leaves a half-written file under its final name.
 */
export async function writeTempFile(dir: string, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `${randomUUID()}.tmp`);
  const file = await open(tmp, 'wx');
  try {
    for await (const chunk of source) await file.write(chunk);
    await file.sync();
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw error;
  }
  await file.close();
  return tmp;
}

/** A rename survives a power loss only once the directory entry is on disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Replaces `file` with `bytes` so that a crash leaves either the old content or the new, never a mix. */
export async function writeFileDurably(file: string, bytes: Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  await rename(await writeTempFile(dir, [bytes]), file);
  await syncDirectory(dir);
}
