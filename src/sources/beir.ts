import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { PaperRecord } from '../protocols/paper.js';

/**
 * BEIR benchmark files (corpus, queries, qrels), read as streams so a million-document corpus
 * never sits in memory. What `paperd eval` measures search against.
 */

/** A line that could not be read; reading goes on after it. */
export interface RejectedLine {
  /** 1-based. */
  readonly line: number;
  readonly reason: string;
}

/** How to read a BEIR file. */
export interface BeirReadOptions {
  /** Hears of every malformed line; without it they are skipped unreported. */
  readonly onRejected?: (rejected: RejectedLine) => void;
}

/** A BEIR query. */
export interface BeirQuery {
  readonly id: string;
  readonly text: string;
}

/** Relevance judgments: query id → BEIR document id (not prefixed) → relevance. */
export type BeirQrels = Map<string, Map<string, number>>;

/** The paperd id of a BEIR document: `beir:<_id>`. */
export function beirPaperId(documentId: string): string {
  return `beir:${documentId}`;
}

/**
 * The corpus (`{"_id", "title", "text", "metadata"}` per line) as `PaperRecord`s: version 1, the
 * text as abstract, no authors or categories. `id` is accepted for `_id`, as some exports write it.
 */
export async function* readBeirCorpus(file: string, options: BeirReadOptions = {}): AsyncGenerator<PaperRecord> {
  for await (const { line, value } of jsonLines(file, options)) {
    const id = documentIdOf(value);
    const title = value.title ?? '';
    if (id === undefined) options.onRejected?.({ line, reason: 'no "_id"' });
    else if (typeof value.text !== 'string') options.onRejected?.({ line, reason: `"text" of ${id} is not a string` });
    else if (typeof title !== 'string') options.onRejected?.({ line, reason: `"title" of ${id} is not a string` });
    else yield { id: beirPaperId(id), version: 1, title, abstract: value.text, authors: [], categories: [], source: 'beir' };
  }
}

/** The queries (`{"_id", "text"}` per line). */
export async function readBeirQueries(file: string, options: BeirReadOptions = {}): Promise<BeirQuery[]> {
  const queries: BeirQuery[] = [];
  for await (const { line, value } of jsonLines(file, options)) {
    const id = documentIdOf(value);
    if (id === undefined) options.onRejected?.({ line, reason: 'no "_id"' });
    else if (typeof value.text !== 'string') options.onRejected?.({ line, reason: `"text" of query ${id} is not a string` });
    else queries.push({ id, text: value.text });
  }
  return queries;
}

/**
 * The qrels TSV (`query-id  corpus-id  score`). The header line is optional: a first line whose
 * score is not a number is taken for one.
 */
export async function readBeirQrels(file: string, options: BeirReadOptions = {}): Promise<BeirQrels> {
  const qrels: BeirQrels = new Map();
  let line = 0;
  for await (const raw of linesOf(file)) {
    line++;
    if (raw.trim() === '') continue;
    const columns = raw.split('\t').map((c) => c.trim());
    const score = Number(columns[2]);
    if (line === 1 && columns.length === 3 && !/^-?\d+$/.test(columns[2]!)) continue;
    if (columns.length !== 3 || !columns[0] || !columns[1] || !Number.isInteger(score)) {
      options.onRejected?.({ line, reason: `expected "query-id<TAB>corpus-id<TAB>integer score", got ${JSON.stringify(raw)}` });
      continue;
    }
    const judged = qrels.get(columns[0]) ?? new Map<string, number>();
    judged.set(columns[1]!, score);
    qrels.set(columns[0]!, judged);
  }
  return qrels;
}

type JsonObject = Record<string, unknown>;

/** Non-blank lines parsed as JSON objects; the others reported. */
async function* jsonLines(file: string, options: BeirReadOptions): AsyncGenerator<{ line: number; value: JsonObject }> {
  let line = 0;
  for await (const raw of linesOf(file)) {
    line++;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      options.onRejected?.({ line, reason: `not JSON: ${(error as Error).message}` });
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      options.onRejected?.({ line, reason: 'not a JSON object' });
      continue;
    }
    yield { line, value: value as JsonObject };
  }
}

function linesOf(file: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
}

function documentIdOf(value: JsonObject): string | undefined {
  const id = value._id ?? value.id;
  if (typeof id === 'string' && id.trim() !== '') return id.trim();
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}
