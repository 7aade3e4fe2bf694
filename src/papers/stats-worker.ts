// The stats reader's thread (started through typescript-worker.mjs by StatsReader): counts the
// store on a read-only connection of its own.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { storeCounts, type StoreCounts } from './stats.js';

const { file } = startedWith<{ file: string }>();
const db = openDatabase(file, { readonly: true });

answerRequests<readonly string[], StoreCounts>((categories) => storeCounts(db, categories));
