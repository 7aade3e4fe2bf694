import { expect } from 'chai';
import fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { RunnerEvent, SandboxRunner } from '../src/sandbox/runner.js';
import { until } from './support/until.js';
import { sandboxContainersOf, sandboxDataDir, sandboxTestConfig, sandboxUnavailableReason, startTestRunner } from './support/sandbox-fixtures.js';

const MiB = 1_048_576;

/** Host processes whose command line is exactly `argv`. */
function hostProcesses(argv: string[]): number[] {
  const wanted = argv.join('\0') + '\0';
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe('sandbox abuse is contained (real Docker engine)', function () {
  this.timeout(180_000);
  let dataDir: string;
  let runner: SandboxRunner | undefined;
  const config = sandboxTestConfig({ poolSize: 1, concurrency: 2, timeoutMs: 4_000, memoryBytes: 256 * MiB, outBytes: 4 * MiB, outputBytes: 64 * 1024 });

  before(async function () {
    const reason = await sandboxUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    dataDir = await sandboxDataDir(20);
    fs.writeFileSync(path.join(dataDir, 'host-secret.txt'), 'the host only');
    runner = await startTestRunner(dataDir, config);
  });

  afterEach(async function () {
    if (!runner) return;
    // The next run is unaffected by whatever the last one did.
    const next = await runner.run({ language: 'python', code: 'print("next run fine")' });
    expect(next.exitCode).to.equal(0);
    expect(next.stdout).to.equal('next run fine\n');
  });

  after(async () => {
    if (runner) {
      await runner.stop();
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
    }
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops a process that forks without end at the pids limit, and a fork bomb at the timeout', async () => {
    const counted = await runner!.run({
      language: 'python',
      code: [
        'import os, time',
        'n = 0',
        'try:',
        '    while True:',
        '        if os.fork() == 0:',
        '            time.sleep(60)',
        '            os._exit(0)',
        '        n += 1',
        'except OSError as e:',
        '    print(n, e.errno)',
      ].join('\n'),
    });
    const [forked, errno] = counted.stdout.trim().split(' ').map(Number);
    expect(errno).to.equal(11); // EAGAIN: the pids cgroup said no
    expect(forked).to.be.greaterThan(0).and.lessThan(config.pidsLimit);

    const bomb = await runner!.run({ language: 'python', timeoutMs: 3_000, code: 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass' });
    expect(bomb.timedOut).to.equal(true);
    expect(bomb.exitCode).to.equal(null);
    expect(hostProcesses(['python3', '-B', '/code/main.py'])).to.deep.equal([]);
  });

  it('kills a run that takes more memory than its cap', async () => {
    const result = await runner!.run({ language: 'python', code: 'chunks = []\nwhile True:\n    chunks.append(bytearray(16 * 1024 * 1024))' });
    expect(result.timedOut).to.equal(false);
    // The OOM killer's SIGKILL (128 + 9), or Python's MemoryError when an allocation is refused.
    if (result.exitCode === 137) expect(result.stderr).to.equal('');
    else {
      expect(result.exitCode).to.equal(1);
      expect(result.stderr).to.match(/MemoryError/);
    }
  });

  it('kills an endless loop at the timeout and says so', async () => {
    // Long enough for node to start and print even on a loaded machine: what it printed before the kill is kept.
    const result = await runner!.run({ language: 'javascript', timeoutMs: 8_000, code: 'console.log("looping"); for (;;) {}' });
    expect(result.timedOut).to.equal(true);
    expect(result.exitCode).to.equal(null);
    expect(result.stdout).to.equal('looping\n');
  });

  it('keeps the first bytes of 1 GB of stdout, counts the rest, and marks the cut', async () => {
    const result = await runner!.run({
      language: 'python',
      timeoutMs: 90_000,
      code: "import sys\nchunk = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stdout.write(chunk)\nsys.stderr.write('done')",
    });
    expect(result.timedOut).to.equal(false);
    expect(result.exitCode).to.equal(0);
    expect(result.stdoutBytes).to.equal(1 << 30);
    expect(result.truncated).to.equal(true);
    expect(result.stdout.startsWith('x'.repeat(config.outputBytes) + '\n[paperd: output truncated')).to.equal(true);
    expect(result.stdout.length).to.be.lessThan(config.outputBytes + 200);
    expect(result.stderr).to.equal('done');
  });

  it('caps /out: a huge file fails to write in the run, and what comes back stays under the cap', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        "open('/out/small.json', 'w').write('{\"ok\": true}')",
        "with open('/out/big.csv', 'w') as f:",
        "    for _ in range(1024):",
        "        f.write('a,b\\n' * (1 << 18))",
      ].join('\n'),
    });
    expect(result.exitCode).to.equal(1);
    expect(result.stderr).to.match(/No space left on device/);
    const total = result.files.reduce((sum, f) => sum + f.data.length, 0);
    expect(total).to.be.at.most(config.outBytes);
    expect(result.files.find((f) => f.name === 'small.json')?.data.toString()).to.equal('{"ok": true}');
  });

  it('refuses writes to /, /etc and /data, and leaves the snapshot as it was', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        'import errno, os',
        "for target in ['/evil', '/etc/evil', '/data/evil', '/data/paperd.sqlite']:",
        '    try:',
        "        open(target, 'a').write('x')",
        "        print(target, 'WRITTEN')",
        '    except OSError as e:',
        '        print(target, errno.errorcode[e.errno])',
      ].join('\n'),
    });
    const lines = result.stdout.trim().split('\n');
    expect(lines).to.have.length(4);
    for (const line of lines) expect(line).to.match(/ (EROFS|EACCES)$/);
    const snapshots = path.join(dataDir, 'sandbox', 'snapshots');
    for (const dir of fs.readdirSync(snapshots)) expect(fs.existsSync(path.join(snapshots, dir, 'evil'))).to.equal(false);
  });

  it('has no network: nothing reaches a listener on the host’s loopback, and other addresses are unreachable', async () => {
    let connections = 0;
    const server: Server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const result = await runner!.run({
        language: 'python',
        code: [
          'import errno, socket',
          `for host, port in [('127.0.0.1', ${port}), ('192.0.2.1', 80), ('10.0.0.1', 443)]:`,
          '    s = socket.socket()',
          '    s.settimeout(2)',
          '    try:',
          '        s.connect((host, port))',
          "        print(host, 'CONNECTED')",
          '    except OSError as e:',
          "        print(host, errno.errorcode.get(e.errno, e.errno))",
          'try:',
          "    socket.getaddrinfo('example.com', 80)",
          "    print('dns RESOLVED')",
          'except OSError as e:',
          "    print('dns failed')",
        ].join('\n'),
      });
      expect(result.stdout.trim().split('\n')).to.deep.equal(['127.0.0.1 ECONNREFUSED', '192.0.2.1 ENETUNREACH', '10.0.0.1 ENETUNREACH', 'dns failed']);
      expect(connections).to.equal(0);
    } finally {
      server.close();
    }
  });

  it('cannot see the host’s files, processes or Docker socket', async () => {
    const result = await runner!.run({
      language: 'python',
      code: [
        'import os',
        `for p in [${JSON.stringify(path.join(dataDir, 'host-secret.txt'))}, '/work/main/package.json', '/var/run/docker.sock', '/run/docker.sock']:`,
        '    print(os.path.exists(p))',
        "print(sorted({open(f'/proc/{p}/cmdline','rb').read().split(b'\\0')[0].decode() for p in os.listdir('/proc') if p.isdigit()}))",
      ].join('\n'),
    });
    const lines = result.stdout.trim().split('\n');
    expect(lines.slice(0, 4)).to.deep.equal(['False', 'False', 'False', 'False']);
    // Only the container's own processes: its holder (sleep) and this program.
    expect(lines[4]).to.equal("['python3', 'sleep']");
  });

  it('leaves no child behind: one sleeping past the timeout is killed with it, one left by a program that exited goes with its container', async () => {
    const timedOut = await runner!.run({
      language: 'python',
      timeoutMs: 2_000,
      code: "import subprocess\nsubprocess.Popen(['sleep', '4242'], start_new_session=True)\nwhile True:\n    pass",
    });
    expect(timedOut.timedOut).to.equal(true);
    expect(hostProcesses(['sleep', '4242'])).to.deep.equal([]);

    const exited = await runner!.run({ language: 'python', code: "import subprocess\nsubprocess.Popen(['sleep', '4243'])\nprint('leaving')" });
    expect(exited.timedOut).to.equal(false);
    expect(exited.exitCode).to.equal(0);
    expect(exited.stdout).to.equal('leaving\n');
    // The result is answered first; the container, and the child with it, go right after.
    await until('the left child to be gone', async () => (hostProcesses(['sleep', '4243']).length === 0 ? true : undefined), 15_000);
  });

  it('queues 20 runs sent at once under the concurrency cap, and every one completes', async () => {
    let running = 0;
    let most = 0;
    const stop = runner!.inspect((event: RunnerEvent) => {
      if (event.type === 'started') most = Math.max(most, ++running);
      if (event.type === 'finished') running--;
    });
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => runner!.run({ language: i % 2 ? 'python' : 'javascript', code: i % 2 ? `print(${i})` : `console.log(${i})` })));
      expect(results.map((r) => r.stdout.trim())).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
      expect(results.every((r) => r.exitCode === 0)).to.equal(true);
      expect(most).to.equal(config.concurrency);
      // Runs queued: some waited for a place.
      expect(results.some((r) => r.queuedMs > 0)).to.equal(true);
    } finally {
      stop();
    }
  });
});
