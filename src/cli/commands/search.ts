import { Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { EMBEDDING_DIMENSIONS, EmbedderProvider } from '../../embedding/embedder-provider.js';
import { paperDetails, type PaperDetails } from '../../papers/paper-details.js';
import { SearchService, type SearchMode, type SearchResponse } from '../../search/search-service.js';
import { VectorStore } from '../../storage/lancedb/vector-store.js';
import { openDatabase } from '../../storage/sqlite/database.js';
import { lancedbPath } from '../../storage/store.js';
import { parseSince } from '../since.js';
import { callNode } from '../client.js';
import { existingStore } from '../store-access.js';

/** Opens a data dir for reading (beside a running node: WAL readers never block its writer). */
async function withLocalSearch<T>(dataDir: string, fn: (search: SearchService, db: ReturnType<typeof openDatabase>) => Promise<T>): Promise<T> {
  const db = openDatabase(existingStore(dataDir), { readonly: true });
  const embedders = await EmbedderProvider.open(dataDir);
  const dir = lancedbPath(dataDir);
  const vectors = existsSync(dir) ? await VectorStore.open(dir, EMBEDDING_DIMENSIONS) : undefined;
  try {
    // One search: threads would take longer to start than the reads they take off this one.
    const search = new SearchService({ db, vectors: vectors!, embedder: () => embedders.current(), readerThreads: 0 });
    return await fn(search, db);
  } finally {
    vectors?.close();
    db.close();
  }
}

const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width));
const plain = (html: string) => html.replace(/<\/?mark>/g, '*').replace(/&#(\d+);/g, (_m, c: string) => String.fromCharCode(Number(c)));

function printResults(r: SearchResponse): void {
  if (r.hits.length === 0) return void console.log(r.reason ? `no results: ${r.reason}` : 'no results');
  console.log(`${r.total} results (${r.mode}, vectors by ${r.embedder})\n`);
  console.log(`${'#'.padStart(3)}  ${'id'.padEnd(16)} ${'date'.padEnd(10)}  ${'title'.padEnd(60)} authors`);
  for (const h of r.hits) {
    const authors = h.authors.length > 2 ? `${h.authors[0]} et al.` : h.authors.join(', ');
    console.log(`${String(h.rank).padStart(3)}  ${clip(h.id, 16)} ${(h.published ?? '').slice(0, 10).padEnd(10)}  ${clip(h.title, 60)} ${authors}${h.hasCode ? '  [code]' : ''}`);
    console.log(`     ${clip(plain(h.snippet).replace(/\s+/g, ' '), 120).trimEnd()}`);
  }
}

function printPaper(p: PaperDetails): void {
  console.log(`${p.title}\n${p.id}v${p.version}  ${p.published?.slice(0, 10) ?? ''}  ${p.categories.join(' ')}`);
  console.log(`${p.authors.map((a) => a.name).join(', ')}\n`);
  console.log(p.abstract);
  if (p.versions.length > 1) console.log(`\nversions: ${p.versions.map((v) => `v${v.version} ${v.updated?.slice(0, 10) ?? ''}`).join(', ')}`);
  for (const l of p.links) console.log(`${l.rel}: ${l.href}`);
  console.log(`pdf: ${p.pdf.status}${p.pdf.error ? ` (${p.pdf.error})` : ''}; full text: ${p.text.status}`);
}

/** `paperd search` and `paperd paper`, against the local data dir or a running node. */
export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('search papers (hybrid BM25 + vectors by default)')
    .argument('<query>', 'what to look for')
    .option('--limit <n>', 'results', (v) => Number(v), 10)
    .option('--offset <n>', 'skip this many', (v) => Number(v), 0)
    .option('--category <cat...>', 'only these categories')
    .option('--since <when>', 'published on or after (a date, or 7d, 2h…)')
    .addOption(new Option('--mode <mode>', 'hybrid, bm25 or vector').choices(['hybrid', 'bm25', 'vector']).default('hybrid'))
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'ask a running node instead')
    .option('--json', 'machine output')
    .action(async (query: string, opts: { limit: number; offset: number; category?: string[]; since?: string; mode: SearchMode; data: string; url?: string; json?: boolean }) => {
      const from = opts.since ? new Date(parseSince(opts.since)).toISOString().slice(0, 10) : undefined;
      let result: SearchResponse;
      if (opts.url) {
        const qs = new URLSearchParams({ q: query, mode: opts.mode, limit: String(opts.limit), offset: String(opts.offset), ...(from ? { from } : {}) });
        for (const c of opts.category ?? []) qs.append('category', c);
        result = await callNode<SearchResponse>(opts.url, `/v1/search?${qs}`);
      } else {
        result = await withLocalSearch(opts.data, (search) =>
          search.search({ q: query, mode: opts.mode, limit: opts.limit, offset: opts.offset, filters: { categories: opts.category, ...(from ? { from } : {}) } }),
        );
      }
      if (opts.json) return void console.log(JSON.stringify(result));
      printResults(result);
    });

  program
    .command('paper')
    .description('show one paper')
    .argument('<id>', 'its id (arXiv id without version, or source:id)')
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'ask a running node instead')
    .option('--json', 'machine output')
    .action(async (id: string, opts: { data: string; url?: string; json?: boolean }) => {
      const paper = opts.url
        ? await callNode<PaperDetails>(opts.url, `/v1/papers/${encodeURIComponent(id)}`)
        : await withLocalSearch(opts.data, async (_search, db) => paperDetails(db, id));
      if (opts.json) return void console.log(JSON.stringify(paper));
      printPaper(paper);
    });
}
