'use strict';
/**
 * paperd's stores, read-only, from inside the sandbox (CommonJS: `const paperd = require('paperd')`).
 *
 *   const rows = paperd.sql("SELECT id, title FROM papers LIMIT 5");
 *   const { ids, dimensions, data } = paperd.vectors();   // data: Float32Array, row-major
 *   paperd.writeOut('result.json', JSON.stringify(rows));
 *
 * /data holds a consistent snapshot of the stores taken when the run started; files written to
 * /out (PNG, SVG, CSV, JSON, HTML) come back with the result.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const DATA = process.env.PAPERD_DATA || '/data';
const OUT = process.env.PAPERD_OUT || '/out';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Runs a query on the snapshot through the sqlite3 shell (read-only, immutable) and returns its rows. */
function sql(query) {
  const text = execFileSync('sqlite3', ['-readonly', '-json', `file:${DATA}/paperd.sqlite?mode=ro&immutable=1`, query], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return text.trim() === '' ? [] : JSON.parse(text);
}

/** Every paper's vector as of the snapshot: ids, size, and one Float32Array of count × dimensions. */
function vectors(table = 'papers') {
  const meta = JSON.parse(fs.readFileSync(path.join(DATA, 'vectors', `${table}.json`), 'utf8'));
  const bytes = meta.count === 0 ? Buffer.alloc(0) : fs.readFileSync(path.join(DATA, 'vectors', `${table}.f32`));
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  return { ids: meta.ids, dimensions: meta.dimensions, data };
}

/** When the snapshot was taken and of which store versions. */
function manifest() {
  return JSON.parse(fs.readFileSync(path.join(DATA, 'manifest.json'), 'utf8'));
}

/** The path of a file in /out; names are plain (letters, digits, `.`, `_`, `-`). */
function out(name) {
  if (!NAME.test(name)) throw new Error(`not a plain file name for /out: ${JSON.stringify(name)}`);
  return path.join(OUT, name);
}

/** Writes a file into /out and returns its path. */
function writeOut(name, data) {
  const file = out(name);
  fs.writeFileSync(file, data);
  return file;
}

module.exports = { sql, vectors, manifest, out, writeOut, DATA, OUT };
