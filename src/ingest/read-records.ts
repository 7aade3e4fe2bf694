import { open, readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { BadInputError, describeError } from '../errors.js';
import type { PaperRecord } from '../protocols/paper.js';
import { parseAbs } from '../sources/arxiv/abs.js';
import { absVersionFromFileName } from '../sources/arxiv/abs.js';
import { parseArxivAtom } from '../sources/arxiv/atom.js';
import { parseOaiPmh } from '../sources/arxiv/oai.js';
import { readBeirCorpus } from '../sources/beir.js';

/** The file formats `paperd import` reads. */
export type ImportFormat = 'atom' | 'oai-pmh' | 'abs' | 'beir' | 'arxiv-recording';

/** An entry of a file that could not be used; the rest of the file goes on. */
export interface RejectedEntry {
  readonly file: string;
  readonly where: string;
  readonly reason: string;
}

/** What one file yields: records, and the entries it had to reject. */
export type FileItem = { readonly record: PaperRecord } | { readonly rejected: RejectedEntry };

/** Every file below the given paths, depth first, in name order (stable across runs). */
export async function* walkFiles(paths: readonly string[]): AsyncGenerator<string> {
  for (const path of paths) {
    const info = await stat(path);
    if (info.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
      yield* walkFiles(names.map((n) => join(path, n)));
    } else if (info.isFile()) {
      yield path;
    }
  }
}

/** Decides a file's format from its name, and from its first bytes where the name is not enough. */
export async function detectFormat(file: string): Promise<ImportFormat> {
  const ext = extname(file).toLowerCase();
  if (ext === '.abs') return 'abs';
  if (ext === '.jsonl' || ext === '.ndjson') return 'beir';
  const handle = await open(file, 'r');
  let head: string;
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (/^\s*\{\s*"url"\s*:/.test(head) && head.includes('"status_code"')) return 'arxiv-recording';
  if (/<OAI-PMH[\s>]/.test(head)) return 'oai-pmh';
  if (/<feed[\s>]/.test(head)) return 'atom';
  if (/^\s*\{/.test(head)) return 'beir';
  throw new BadInputError(`${file}: not a format paperd imports (arXiv Atom XML, OAI-PMH XML, .abs, BEIR corpus JSONL)`);
}

/**
 * The records of one file. Entries a parser rejects come out as `rejected`; a file that cannot
 * be read at all throws, and the caller reports it and goes on with the next file.
 */
export async function* readRecords(file: string, format: ImportFormat): AsyncGenerator<FileItem> {
  switch (format) {
    case 'abs': {
      const version = absVersionFromFileName(file);
      yield { record: parseAbs(await readFile(file), { file, ...(version ? { version } : {}) }) };
      return;
    }
    case 'beir': {
      const rejected: RejectedEntry[] = [];
      for await (const record of readBeirCorpus(file, { onRejected: (r) => rejected.push({ file, where: `line ${r.line}`, reason: r.reason }) })) {
        while (rejected.length > 0) yield { rejected: rejected.shift()! };
        yield { record };
      }
      for (const r of rejected) yield { rejected: r };
      return;
    }
    case 'atom': {
      const page = parseArxivAtom(await readFile(file));
      for (const r of page.rejected) yield { rejected: { file, where: `entry ${r.index}`, reason: r.reason } };
      for (const record of page.entries) yield { record };
      return;
    }
    case 'arxiv-recording': {
      // A recorded API response: `{url, status_code, body}`, body being the Atom document.
      const recording = JSON.parse(await readFile(file, 'utf8')) as { url?: unknown; body?: unknown };
      if (typeof recording.body !== 'string') throw new BadInputError(`${file}: a recording without a string body`);
      const page = parseArxivAtom(repairMojibake(recording.body));
      for (const r of page.rejected) yield { rejected: { file, where: `entry ${r.index}`, reason: r.reason } };
      for (const record of page.entries) yield { record };
      return;
    }
    case 'oai-pmh': {
      const page = parseOaiPmh(await readFile(file));
      for (const r of page.rejected) yield { rejected: { file, where: `record ${r.index}`, reason: r.reason } };
      // The `arXiv` metadata format omits the version of a revised paper; guessing would corrupt the dedup key.
      for (const p of page.unversioned) yield { rejected: { file, where: p.id, reason: 'revised, but the record does not say which version it describes (harvest arXivRaw instead)' } };
      for (const record of page.records) yield { record };
      return;
    }
  }
}

/** A one-line reason for a file that could not be read. */
export function fileFailure(file: string, error: unknown): RejectedEntry {
  const { name, message } = describeError(error);
  return { file, where: 'file', reason: `${name}: ${message}` };
}

/**
 * Undoes UTF-8 bytes that were decoded as Latin-1 ("WÃ¼bben" → "Wübben"), as some recorders of
 * HTTP responses do. Only when every character fits in a byte and the bytes are valid UTF-8:
 * text that was right to begin with is left alone.
 */
export function repairMojibake(text: string): string {
  if (!/[\u00c2-\u00f4][\u0080-\u00bf]/.test(text) || /[^\u0000-\u00ff]/.test(text)) return text;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(text, 'latin1'));
  } catch {
    return text;
  }
}
