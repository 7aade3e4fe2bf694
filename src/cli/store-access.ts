import { existsSync } from 'node:fs';
import { PaperdError } from '../errors.js';
import { sqlitePath } from '../storage/sqlite/database.js';

/** The data dir has no store yet. */
export class NoStoreError extends PaperdError {
  readonly code = 'PAPERD_NO_STORE';
  override readonly status = 404;
  constructor(dir: string) {
    super(`no paperd store in ${dir} (start a node with --data ${dir} first, or pass --url)`);
  }
}

/** The SQLite file of a data dir that must exist. */
export function existingStore(dataDir: string): string {
  const file = sqlitePath(dataDir);
  if (!existsSync(file)) throw new NoStoreError(dataDir);
  return file;
}
