import { expect } from 'chai';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { readOutFiles } from '../src/sandbox/out-files.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('rest of a png')]);

type Entry = { name: string; body?: Buffer | string; type?: tar.Headers['type']; linkname?: string };

/** A tar archive as `tar -C /out -cf - .` would make it, with whatever entries a program left. */
async function archive(entries: Entry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => pack.on('end', r));
  pack.entry({ name: './', type: 'directory' });
  for (const e of entries) {
    const body = e.body === undefined ? undefined : Buffer.from(e.body);
    pack.entry({ name: e.name, type: e.type ?? 'file', ...(e.linkname ? { linkname: e.linkname } : {}), ...(body ? { size: body.length } : {}) }, body);
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

const read = async (entries: Entry[], limits = { maxFiles: 10, maxBytes: 1_000 }) => readOutFiles(Readable.from([await archive(entries)]), limits);

describe('files from a run’s /out', () => {
  it('takes plain files whose content matches their type, typed by us', async () => {
    const { files, rejected } = await read([
      { name: './chart.png', body: PNG },
      { name: './data.json', body: '{"a":1}' },
      { name: './table.csv', body: 'a,b\n1,2\n' },
      { name: './plot.svg', body: '<svg xmlns="http://www.w3.org/2000/svg"></svg>' },
    ]);
    expect(rejected).to.deep.equal([]);
    expect(files.map((f) => [f.name, f.contentType])).to.deep.equal([
      ['chart.png', 'image/png'], ['data.json', 'application/json'], ['table.csv', 'text/csv; charset=utf-8'], ['plot.svg', 'image/svg+xml'],
    ]);
    expect(files[0]!.data.equals(PNG)).to.equal(true);
  });

  it('rejects links, devices, subdirectories, odd names and types it does not serve, saying why', async () => {
    const { files, rejected } = await read([
      { name: './passwd.csv', type: 'symlink', linkname: '/etc/passwd' },
      { name: './hard.csv', type: 'link', linkname: './x' },
      { name: './dev.csv', type: 'character-device' },
      { name: './sub/inner.png', body: PNG },
      { name: './.hidden.png', body: PNG },
      { name: './run.sh', body: 'echo hi' },
    ]);
    expect(files).to.deep.equal([]);
    const reasons = Object.fromEntries(rejected.map((r) => [r.name, r.reason]));
    expect(reasons['passwd.csv']).to.match(/symlink, not a regular file/);
    expect(reasons['hard.csv']).to.match(/link, not a regular file/);
    expect(reasons['dev.csv']).to.match(/character-device/);
    expect(reasons['sub/inner.png']).to.match(/subdirectory/);
    expect(reasons['.hidden.png']).to.match(/plain file name/);
    expect(reasons['run.sh']).to.match(/not one of the types/);
  });

  it('rejects content that is not what its name says', async () => {
    const { files, rejected } = await read([
      { name: './fake.png', body: '<html><script>alert(1)</script></html>' },
      { name: './bad.json', body: '{"a":' },
      { name: './binary.csv', body: Buffer.from([0xff, 0xfe, 0x00, 0x41]) },
      { name: './nosvg.svg', body: '<html></html>' },
    ]);
    expect(files).to.deep.equal([]);
    expect(rejected.map((r) => r.reason)).to.deep.equal([
      'not a PNG (no PNG signature)', rejected[1]!.reason, 'not valid UTF-8 text', 'not an SVG (no <svg> element)',
    ]);
    expect(rejected[1]!.reason).to.match(/^not valid JSON/);
  });

  it('keeps to the count and byte caps', async () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ name: `./f${i}.csv`, body: 'x'.repeat(300) }));
    const { files, rejected } = await read(many, { maxFiles: 10, maxBytes: 1_000 });
    expect(files.map((f) => f.name)).to.deep.equal(['f0.csv', 'f1.csv', 'f2.csv']);
    expect(rejected.map((r) => r.reason)).to.deep.equal(['over the 1000-byte cap on files', 'over the 1000-byte cap on files']);
    const counted = await read(many, { maxFiles: 2, maxBytes: 10_000 });
    expect(counted.files).to.have.length(2);
    expect(counted.rejected.map((r) => r.reason)).to.deep.equal(['past the 2-file cap', 'past the 2-file cap', 'past the 2-file cap']);
  });
});
