// A search reader's thread (started through typescript-worker.mjs by SearchReaders): answers
// BM25 searches, snippets and facets on a read-only connection of its own.
import { answerRequests, startedWith } from '../runtime/persistent-worker.js';
import { openDatabase } from '../storage/sqlite/database.js';
import { answerSearchRead, type SearchRead, type SearchReadAnswer } from './search-reads.js';
import type { SearchReaderData } from './search-readers.js';

const { file, cacheKib } = startedWith<SearchReaderData>();
const db = openDatabase(file, { readonly: true });
db.pragma(`cache_size = -${cacheKib}`);

answerRequests<SearchRead, SearchReadAnswer>((read) => answerSearchRead(db, read));
