import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { expect } from 'chai';
import { PaperRecord } from '../src/protocols/paper.js';
import { beirPaperId, readBeirCorpus, readBeirQrels, readBeirQueries, type RejectedLine } from '../src/sources/beir.js';
import { requireShared, sharedPath } from './support/shared.js';

const scifact = (file: string) => sharedPath('eval', 'scifact', file);

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('BEIR files', () => {
  let scratch: string;
  const scratchFile = (name: string, content: string) => {
    const file = path.join(scratch, name);
    writeFileSync(file, content);
    return file;
  };

  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'paperd-beir-'));
  });
  afterEach(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  describe('SciFact', () => {
    before(function () {
      requireShared(this, '..', 'eval', 'scifact');
    });

    it('streams the whole corpus as valid beir records, one per line', async () => {
      const lines = readFileSync(scifact('corpus.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
      const rejected: RejectedLine[] = [];
      const records = await collect(readBeirCorpus(scifact('corpus.jsonl'), { onRejected: (r) => rejected.push(r) }));
      expect(records).to.have.length(lines.length).and.length(5183);
      expect(rejected).to.deep.equal([]);
      expect(new Set(records.map((r) => r.id)).size).to.equal(records.length);
      for (const record of records) expect(Value.Check(PaperRecord, record), record.id).to.equal(true);
    });

    it('maps _id, title and text onto the record (SciFact writes "id" for "_id")', async () => {
      for await (const first of readBeirCorpus(scifact('corpus.jsonl'))) {
        const source = JSON.parse(readFileSync(scifact('corpus.jsonl'), 'utf8').split('\n')[0]!) as { id: string; title: string; text: string };
        expect(first).to.deep.equal({
          id: 'beir:4983',
          version: 1,
          title: 'Microstructural development of human newborn cerebral white matter assessed in vivo by diffusion tensor magnetic resonance imaging.',
          abstract: source.text,
          authors: [],
          categories: [],
          source: 'beir',
        });
        expect(source.id).to.equal('4983');
        break;
      }
    });

    it('reads the queries', async () => {
      const queries = await readBeirQueries(scifact('queries.jsonl'));
      expect(queries).to.have.length(809);
      expect(queries[0]).to.deep.equal({ id: '0', text: '0-dimensional biomaterials lack inductive properties.' });
    });

    it('reads the qrels, whose file has no header line, and every judged document is in the corpus', async () => {
      const rows = readFileSync(scifact('qrels.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
      const qrels = await readBeirQrels(scifact('qrels.tsv'));
      expect([...qrels.values()].reduce((n, judged) => n + judged.size, 0)).to.equal(rows.length).and.equal(919);
      expect(qrels.size).to.equal(new Set(rows.map((r) => r[0])).size);
      expect(qrels.get('0')).to.deep.equal(new Map([['31715818', 1]]));
      const corpusIds = new Set((await collect(readBeirCorpus(scifact('corpus.jsonl')))).map((r) => r.id));
      for (const [query, judged] of qrels) for (const doc of judged.keys()) expect(corpusIds.has(beirPaperId(doc)), `${query} → ${doc}`).to.equal(true);
    });
  });

  describe('malformed files', () => {
    it('reports malformed corpus lines with their line numbers and reads on', async () => {
      const file = scratchFile(
        'corpus.jsonl',
        [
          '{"_id": "a", "title": "A", "text": "first", "metadata": {}}',
          '{"_id": "b", "title": "B", "text": "cut',
          '',
          '["not", "an", "object"]',
          '{"title": "no id", "text": "x"}',
          '{"_id": 7, "text": "numeric id, no title"}',
          '{"_id": "c", "title": "C"}',
          '{"_id": "d", "title": "D", "text": "last"}',
        ].join('\n'),
      );
      const rejected: RejectedLine[] = [];
      const records = await collect(readBeirCorpus(file, { onRejected: (r) => rejected.push(r) }));
      expect(records.map((r) => [r.id, r.title, r.abstract])).to.deep.equal([
        ['beir:a', 'A', 'first'],
        ['beir:7', '', 'numeric id, no title'],
        ['beir:d', 'D', 'last'],
      ]);
      expect(rejected.map((r) => r.line)).to.deep.equal([2, 4, 5, 7]);
      expect(rejected[0]!.reason).to.match(/^not JSON: /);
      expect(rejected.slice(1).map((r) => r.reason)).to.deep.equal(['not a JSON object', 'no "_id"', '"text" of c is not a string']);
    });

    it('skips a qrels header line and reports rows that are not judgments', async () => {
      const file = scratchFile('qrels.tsv', 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\nq2\td4\tvery\n\nq3\td5\t0\n');
      const rejected: RejectedLine[] = [];
      const qrels = await readBeirQrels(file, { onRejected: (r) => rejected.push(r) });
      expect(qrels).to.deep.equal(
        new Map([
          ['q1', new Map([['d1', 1], ['d2', 2]])],
          ['q3', new Map([['d5', 0]])],
        ]),
      );
      expect(rejected.map((r) => r.line)).to.deep.equal([4, 5]);
    });

    it('reports query lines without text', async () => {
      const rejected: RejectedLine[] = [];
      const queries = await readBeirQueries(scratchFile('queries.jsonl', '{"_id":"1","text":"ok"}\n{"_id":"2"}\n'), { onRejected: (r) => rejected.push(r) });
      expect(queries).to.deep.equal([{ id: '1', text: 'ok' }]);
      expect(rejected).to.deep.equal([{ line: 2, reason: '"text" of query 2 is not a string' }]);
    });

    it('fails on a missing file instead of yielding nothing', async () => {
      let thrown: unknown;
      try {
        await collect(readBeirCorpus(path.join(scratch, 'absent.jsonl')));
      } catch (error) {
        thrown = error;
      }
      expect((thrown as NodeJS.ErrnoException).code).to.equal('ENOENT');
    });
  });
});
