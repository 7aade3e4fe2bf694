import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { walkFiles } from '../../ingest/read-records.js';
import { importLocally } from '../../pipeline/import-locally.js';
import { createLogger } from '../../runtime/logger.js';
import { DataDirBusyError } from '../../storage/data-dir-lock.js';
import { authHeaders } from '../client.js';

interface ImportOpts {
  data: string;
  url?: string;
  fetchPdfs?: boolean;
  json?: boolean;
  config?: string;
}

/** Hands the files to a running node, one upload each; returns the node's reports. */
async function importRemotely(url: string, paths: string[]): Promise<unknown[]> {
  const reports = [];
  for await (const file of walkFiles(paths)) {
    const size = (await stat(file)).size;
    const response = await fetch(new URL(`/v1/import?name=${encodeURIComponent(basename(file))}`, url), {
      method: 'POST',
      headers: { ...authHeaders(), 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: createReadStream(file) as never,
      duplex: 'half',
    } as RequestInit);
    const body = (await response.json()) as Record<string, unknown>;
    reports.push({ file, status: response.status, ...body });
  }
  return reports;
}

/** `paperd import`: loads dumps (Atom, OAI-PMH, .abs, BEIR JSONL) through the journal and pipeline. */
export function registerImport(program: Command): void {
  program
    .command('import')
    .description('ingest arXiv Atom XML, OAI-PMH XML, .abs files and BEIR corpus JSONL through the journal and pipeline')
    .argument('<paths...>', 'files or directories')
    .option('--data <dir>', 'data directory', './data')
    .option('--url <url>', 'hand the files to a running node instead (with a write key in PAPERD_API_KEY)')
    .option('--fetch-pdfs', 'also download the arXiv PDFs (one every 3 s) and index their text')
    .option('--config <file>', 'JSON config file')
    .option('--json', 'machine output')
    .action(async (paths: string[], opts: ImportOpts) => {
      if (opts.url) return void console.log(JSON.stringify({ uploads: await importRemotely(opts.url, paths) }));
      const config = loadConfig({ file: opts.config, overrides: { dataDir: opts.data, pipeline: { fetchPdfs: opts.fetchPdfs ?? false } } });
      const log = createLogger({ level: 'warn', stderr: true });
      const bar = !opts.json && process.stderr.isTTY ? new SingleBar({ format: '{phase} | files {files} | accepted {accepted} | pipeline depth {depth}', stream: process.stderr }) : undefined;
      bar?.start(1, 0, { phase: 'reading', files: 0, accepted: 0, depth: 0 });
      let result;
      try {
        result = await importLocally(paths, config, log, (p) => bar?.update(0, p as unknown as Record<string, unknown>));
      } catch (error) {
        bar?.stop();
        // A running node owns the data dir: give it the files instead.
        if (error instanceof DataDirBusyError && error.owner.url) return void console.log(JSON.stringify({ uploads: await importRemotely(error.owner.url, paths) }));
        throw error;
      }
      bar?.stop();
      if (opts.json) console.log(JSON.stringify(result));
      else {
        console.log(`${result.files} files: ${result.accepted} entries accepted, ${result.duplicates} already there, ${result.rejectedEntries} rejected`);
        for (const f of result.failedFiles) console.log(`  could not read ${f.file}: ${f.reason}`);
        for (const r of result.rejectedSample) console.log(`  rejected ${r.file} ${r.where}: ${r.reason}`);
        console.log(`${result.papers} papers in the store; ${result.failedJobs} ingest jobs failed`);
      }
      if (result.failedFiles.length > 0) process.exitCode = 1;
    });
}
