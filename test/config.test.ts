import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envName, leafPaths, loadConfig } from '../src/config/load.js';

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ env: {} });
    expect(config).to.deep.include({ node: 'single', dataDir: './data', testHooks: false });
    expect(config.api).to.deep.include({ host: '127.0.0.1', port: 8080 });
    expect(config.supervision.backoff.minMs).to.equal(200);
  });

  it('maps every key to a PAPERD_ variable in upper snake case', () => {
    const names = leafPaths().map((l) => envName(l.path));
    expect(names).to.include.members(['PAPERD_NODE', 'PAPERD_DATA_DIR', 'PAPERD_API_PORT', 'PAPERD_SUPERVISION_BACKOFF_RESET_AFTER_MS', 'PAPERD_TEST_HOOKS']);
  });

  it('layers file < environment < flags, converting each value to its type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperd-config-'));
    const file = join(dir, 'paperd.json');
    writeFileSync(file, JSON.stringify({ api: { port: 9000, host: '0.0.0.0' }, supervision: { intensity: 2 } }));
    const config = loadConfig({
      file,
      env: { PAPERD_API_PORT: '9100', PAPERD_TEST_HOOKS: 'true', PAPERD_SUPERVISION_BACKOFF_JITTER: '0.5' },
      overrides: { api: { port: 9200 } },
    });
    expect(config.api).to.deep.include({ port: 9200, host: '0.0.0.0' });
    expect(config.testHooks).to.equal(true);
    expect(config.supervision).to.deep.include({ intensity: 2 });
    expect(config.supervision.backoff.jitter).to.equal(0.5);
  });

  it('names what is wrong: a bad value, an unknown key, a file that is not JSON', () => {
    expect(() => loadConfig({ env: { PAPERD_TEST_HOOKS: 'maybe' } })).to.throw(/PAPERD_TEST_HOOKS="maybe" is not a boolean/);
    expect(() => loadConfig({ env: { PAPERD_NODE: 'laptop' } })).to.throw(/invalid config: node/);
    expect(() => loadConfig({ env: {}, overrides: { api: { prot: 1 } } })).to.throw(/unknown config key: api\.prot/);
    const dir = mkdtempSync(join(tmpdir(), 'paperd-config-'));
    writeFileSync(join(dir, 'bad.json'), '{ "api": ');
    expect(() => loadConfig({ file: join(dir, 'bad.json'), env: {} })).to.throw(/is not valid JSON/);
    expect(() => loadConfig({ file: join(dir, 'missing.json'), env: {} })).to.throw(/cannot read config file/);
  });
});
