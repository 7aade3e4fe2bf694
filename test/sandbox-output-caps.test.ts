import { expect } from 'chai';
import { SandboxBusyError } from '../src/errors.js';
import { CappedOutput } from '../src/sandbox/capped-output.js';
import { containerSpec } from '../src/sandbox/container-spec.js';
import { RunQueue } from '../src/sandbox/run-queue.js';
import { sandboxTestConfig } from './support/sandbox-fixtures.js';

const write = (sink: CappedOutput, data: string) => new Promise<void>((r) => sink.write(Buffer.from(data), () => r()));

describe('sandbox caps', () => {
  it('stdout keeps its first bytes, counts the rest, and says where it was cut', async () => {
    const out = new CappedOutput(5);
    await write(out, 'abc');
    await write(out, 'defgh');
    await write(out, 'ij');
    expect(out.total).to.equal(10);
    expect(out.truncated).to.equal(true);
    expect(out.text()).to.equal('abcde\n[paperd: output truncated: 5 more bytes were dropped]\n');
    const whole = new CappedOutput(5);
    await write(whole, 'abcde');
    expect([whole.truncated, whole.text()]).to.deep.equal([false, 'abcde']);
  });

  it('the queue lets `concurrency` runs in, queues up to its limit in order, and refuses past it', async () => {
    const queue = new RunQueue(2, 2);
    const a = await queue.acquire();
    const b = await queue.acquire();
    const order: string[] = [];
    const c = queue.acquire().then((release) => (order.push('c'), release));
    const d = queue.acquire().then((release) => (order.push('d'), release));
    let refused: unknown;
    await queue.acquire().catch((error: unknown) => (refused = error));
    expect(refused).to.be.instanceOf(SandboxBusyError);
    expect([queue.active, queue.queued]).to.deep.equal([2, 2]);
    a();
    a(); // a second release of the same place changes nothing
    (await c)();
    b();
    (await d)();
    expect(order).to.deep.equal(['c', 'd']);
    expect([queue.active, queue.queued]).to.deep.equal([0, 0]);
  });

  it('a container is confined: no network, nobody, read-only root, no capabilities, capped', () => {
    const config = sandboxTestConfig({ memoryBytes: 256 * 1_048_576, pidsLimit: 64, cpus: 0.5 });
    const spec = containerSpec(config, 'img', { snapshotDir: '/snap', codeDir: '/code-dir' }, { a: 'b' });
    const host = spec.HostConfig!;
    expect(spec.User).to.equal('65534:65534');
    expect(spec.NetworkDisabled).to.equal(true);
    expect(host).to.deep.include({ NetworkMode: 'none', ReadonlyRootfs: true, Privileged: false, Memory: 256 * 1_048_576, MemorySwap: 256 * 1_048_576, NanoCpus: 500_000_000, PidsLimit: 64 });
    expect(host.CapDrop).to.deep.equal(['ALL']);
    expect(host.CapAdd).to.equal(undefined);
    expect(host.SecurityOpt).to.deep.equal(['no-new-privileges:true']);
    expect(host.Binds).to.deep.equal(['/snap:/data:ro', '/code-dir:/code:ro']);
    expect(host.Tmpfs!['/out']).to.match(new RegExp(`size=${config.outBytes},`));
    expect(host.Tmpfs!['/tmp']).to.match(/noexec,nosuid,nodev/);
  });
});
