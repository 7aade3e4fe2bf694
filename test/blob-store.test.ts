import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { BadInputError, NotFoundError } from '../src/errors.js';
import { BlobStore } from '../src/storage/blobs.js';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** Every file under `dir`, relative to it. */
function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a failure'),
    (error: unknown) => error,
  );
}

describe('BlobStore', () => {
  let dataDir: string;
  let blobs: BlobStore;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'paperd-blobs-'));
    blobs = new BlobStore(dataDir);
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores content under blobs/ab/cd/<sha256> and reads it back', async () => {
    const content = 'attention is all you need';
    const digest = sha256(content);
    const ref = await blobs.put(content);
    expect(ref).to.deep.equal({ sha256: digest, size: content.length, path: path.join(dataDir, 'blobs', digest.slice(0, 2), digest.slice(2, 4), digest) });
    expect(blobs.path(digest)).to.equal(ref.path);
    expect(await blobs.has(digest)).to.equal(true);
    expect((await blobs.read(digest)).toString('utf8')).to.equal(content);
    expect(await blobs.size(digest)).to.equal(content.length);
  });

  it('keeps one file when the same content is stored twice, even at the same time', async () => {
    const content = Buffer.from('same bytes');
    const refs = await Promise.all([blobs.put(content), blobs.put(content), blobs.putStream([content.subarray(0, 4), content.subarray(4)])]);
    expect(new Set(refs.map((r) => r.sha256)).size).to.equal(1);
    expect(listFiles(path.join(dataDir, 'blobs'))).to.deep.equal([path.join(refs[0]!.sha256.slice(0, 2), refs[0]!.sha256.slice(2, 4), refs[0]!.sha256)]);
  });

  it('hashes a streamed body chunk by chunk to the same address as the whole', async () => {
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100; i++) yield Buffer.from(`chunk ${i}\n`);
    }
    const whole = Array.from({ length: 100 }, (_, i) => `chunk ${i}\n`).join('');
    const ref = await blobs.putStream(chunks());
    expect(ref.sha256).to.equal(sha256(whole));
    expect(ref.size).to.equal(whole.length);
  });

  it('leaves nothing behind, under its final name or as a temp file, when the source fails midway', async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('%PDF-1.5 first half');
      throw new Error('connection reset');
    }
    const error = (await failure(blobs.putStream(failing()))) as Error;
    expect(error.message).to.equal('connection reset');
    expect(listFiles(path.join(dataDir, 'blobs'))).to.deep.equal([]);
  });

  it('leaves no blob under its final name when the process is killed mid-write', async () => {
    const moduleUrl = pathToFileURL(path.resolve('src/storage/blobs.ts')).href;
    // The child writes forever, a chunk every few ms, and says so after the first: we SIGKILL it there.
    const script = `
      const { BlobStore } = await import(${JSON.stringify(moduleUrl)});
      const blobs = new BlobStore(${JSON.stringify(dataDir)});
      async function* slow() {
        for (let i = 0; ; i++) {
          yield Buffer.alloc(4096, i % 256);
          if (i === 3) process.stdout.write('writing\\n');
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      await blobs.putStream(slow());
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the child never started writing')), 20_000);
        child.stdout.once('data', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(await exited).to.equal('SIGKILL');
    const files = listFiles(path.join(dataDir, 'blobs'));
    expect(files).to.have.length(1);
    expect(files[0]).to.match(/^tmp[/\\][0-9a-f-]+\.tmp$/);
    expect(await blobs.removeTempFiles()).to.equal(1);
    expect(listFiles(path.join(dataDir, 'blobs'))).to.deep.equal([]);
  });

  it('removes temp files a crash left behind, and only those', async () => {
    const kept = await blobs.put('kept');
    await mkdir(path.join(dataDir, 'blobs', 'tmp'), { recursive: true });
    await writeFile(path.join(dataDir, 'blobs', 'tmp', 'half-written.tmp'), 'partial');
    expect(await blobs.removeTempFiles()).to.equal(1);
    expect(listFiles(path.join(dataDir, 'blobs'))).to.deep.equal([path.relative(path.join(dataDir, 'blobs'), kept.path)]);
  });

  it('verifies a blob against its name: ok, corrupt after tampering, missing', async () => {
    const ref = await blobs.put('pristine');
    expect(await blobs.verify(ref.sha256)).to.deep.equal({ type: 'ok', size: 8 });
    writeFileSync(ref.path, 'tampered');
    expect(await blobs.verify(ref.sha256)).to.deep.equal({ type: 'corrupt', actualSha256: sha256('tampered'), size: 8 });
    expect(await blobs.verify(sha256('never stored'))).to.deep.equal({ type: 'missing' });
  });

  it('answers NotFoundError for a blob it does not hold, and BadInputError for what is not a SHA-256', async () => {
    const absent = sha256('absent');
    expect(await blobs.has(absent)).to.equal(false);
    expect(await failure(blobs.read(absent))).to.be.instanceOf(NotFoundError);
    expect(await failure(blobs.size(absent))).to.be.instanceOf(NotFoundError);
    expect(() => blobs.path('../../etc/passwd')).to.throw(BadInputError);
    expect(() => blobs.path(absent.toUpperCase())).to.throw(BadInputError);
  });
});
