import { expect } from 'chai';
import fs from 'node:fs';
import type { SandboxRunner } from '../src/sandbox/runner.js';
import { SandboxEngine } from '../src/sandbox/engine.js';
import { sandboxImageName } from '../src/sandbox/image.js';
import { DOCKER_SOCKET, sandboxContainersOf, sandboxDataDir, sandboxTestConfig, sandboxUnavailableReason, startTestRunner } from './support/sandbox-fixtures.js';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('sandbox on gVisor (runsc, a real Docker engine)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let runner: SandboxRunner | undefined;
  // gVisor's own threads count against the pids limit.
  const config = sandboxTestConfig({ runtime: 'runsc', pidsLimit: 256, poolSize: 1, timeoutMs: 60_000 });

  before(async function () {
    const reason = (await sandboxUnavailableReason()) ?? (await new SandboxEngine(DOCKER_SOCKET, sandboxImageName(), 'runsc').check(true).then((s) => (s.type === 'ready' ? undefined : s.reason)));
    if (reason) {
      console.log(`      skipped: ${reason} (apt-get install runsc; docker/sandbox/ensure-engine.sh registers it when it starts dockerd)`);
      this.skip();
    }
    dataDir = await sandboxDataDir(30);
    runner = await startTestRunner(dataDir, config);
  });

  after(async () => {
    if (runner) {
      await runner.stop();
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the chart under gVisor’s kernel, not the host’s', async () => {
    const result = await runner!.run({
      language: 'python',
      code: 'import os, paperd\ndf = paperd.papers()\ndf.groupby(df.published.dt.year).size().plot()\npaperd.save(name="y.png")\nprint(len(df), os.uname().release)\nprint(open("/proc/version").read())',
    });
    expect(result.stderr).to.not.match(/Traceback/);
    expect(result.exitCode).to.equal(0);
    const [first, version] = result.stdout.split('\n');
    expect(first!.split(' ')[0]).to.equal('30');
    // The sentry answers uname and /proc itself; the host's kernel is not what the program sees.
    expect(first!.split(' ')[1]).to.not.equal(fs.readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
    expect(version).to.not.equal(fs.readFileSync('/proc/version', 'utf8').trim());
    expect(result.files[0]!.data.subarray(0, 8).equals(PNG_MAGIC)).to.equal(true);
  });

  it('keeps the confinement: no network, nobody, read-only root, killed at the timeout', async () => {
    const probe = await runner!.run({
      language: 'python',
      code: [
        'import errno, os, socket',
        'print(os.getuid())',
        'try:',
        "    open('/evil', 'w')",
        'except OSError as e:',
        '    print(errno.errorcode[e.errno])',
        's = socket.socket()',
        'try:',
        "    s.connect(('192.0.2.1', 80))",
        'except OSError as e:',
        '    print(errno.errorcode.get(e.errno, e.errno))',
      ].join('\n'),
    });
    const [uid, write, connect] = probe.stdout.trim().split('\n');
    expect(uid).to.equal('65534');
    expect(write).to.match(/^(EROFS|EACCES)$/);
    expect(connect).to.match(/^E(NET|HOST)UNREACH$/);
    const loop = await runner!.run({ language: 'javascript', timeoutMs: 2_000, code: 'for (;;) {}' });
    expect(loop.timedOut).to.equal(true);
  });
});
