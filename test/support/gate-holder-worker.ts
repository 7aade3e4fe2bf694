// A writer thread for the write gate's tests: each request writes its rows to a table, one
// transaction per row, each held for `holdMs` while it holds the gate.
import { readlinkSync } from 'node:fs';
import { answerRequests, startedWith } from '../../src/runtime/persistent-worker.js';
import { openDatabase } from '../../src/storage/sqlite/database.js';
import { WriteGate } from '../../src/storage/sqlite/write-gate.js';

const { file, gate, politeMs } = startedWith<{ file: string; gate: SharedArrayBuffer; politeMs: number }>();
const turns = new WriteGate(gate, politeMs);
const db = openDatabase(file);
const insert = db.prepare('INSERT INTO writes (who) VALUES (?)');
const pause = new Int32Array(new SharedArrayBuffer(4));

answerRequests((request: { rows: string[]; holdMs: number } | { type: 'thread' }) => {
  // The thread's task id on Linux, to read its priority from /proc.
  if ('type' in request) return { thread: Number(readlinkSync('/proc/thread-self').split('/').at(-1)) };
  for (const who of request.rows) {
    turns.runBlocking(() =>
      db.transaction(() => {
        insert.run(who);
        Atomics.wait(pause, 0, 0, request.holdMs);
      }).immediate(),
    );
  }
  return { written: request.rows.length };
});
