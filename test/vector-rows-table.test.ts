import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { VectorStore } from '../src/storage/lancedb/vector-store.js';
import { vectorRowsTable, vectorSchema } from '../src/storage/lancedb/vector-rows-table.js';

const DIMS = 16;

function rows(count: number, seed = 1) {
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  return Array.from({ length: count }, (_, i) => ({
    id: `2401.${String(i).padStart(5, '0')}${i % 50 === 0 ? '-é' : ''}`,
    vector: Float32Array.from({ length: DIMS }, next),
    embedder: i % 3 === 0 ? 'lsa-v1-a' : 'lsa-v1-b',
    updated: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  }));
}

describe('vector rows as an Arrow table, built without LanceDB\'s inference', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paperd-arrow-'));
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('holds what LanceDB makes of the same rows, column by column', () => {
    const given = rows(120);
    const ours = vectorRowsTable(given, DIMS);
    const theirs = lancedb.makeArrowTable(given, { schema: vectorSchema(DIMS) });
    expect(ours.numRows).to.equal(120);
    expect(String(ours.schema)).to.equal(String(theirs.schema));
    for (const column of ['id', 'embedder', 'updated']) {
      expect(ours.getChild(column)!.toArray()).to.deep.equal(theirs.getChild(column)!.toArray());
    }
    const vectors = (table: typeof ours) => Array.from({ length: table.numRows }, (_, i) => [...(table.getChild('vector')!.get(i) as { toArray(): Float32Array }).toArray()]);
    expect(vectors(ours)).to.deep.equal(vectors(theirs));
    expect(vectors(ours)[7]).to.deep.equal([...given[7]!.vector]);
  });

  it('upserts through a real table: every row reads back bit for bit, and a second upsert replaces by id', async () => {
    const store = await VectorStore.open(dir, DIMS);
    try {
      const first = rows(300);
      await store.upsert(first);
      expect(await store.count()).to.equal(300);
      for (const i of [0, 1, 50, 299]) {
        const stored = (await store.get(first[i]!.id))!;
        expect(stored).to.deep.include({ id: first[i]!.id, embedder: first[i]!.embedder, updated: first[i]!.updated });
        expect([...stored.vector]).to.deep.equal([...first[i]!.vector]);
      }
      const replaced = rows(100, 7);
      await store.upsert(replaced);
      expect(await store.count()).to.equal(300);
      expect([...(await store.get(replaced[42]!.id))!.vector]).to.deep.equal([...replaced[42]!.vector]);
      expect([...(await store.get(first[142]!.id))!.vector]).to.deep.equal([...first[142]!.vector]);
    } finally {
      store.close();
    }
  });
});
