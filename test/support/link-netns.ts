import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** Whether this process may make network namespaces (root with iproute2). */
export function canMakeNamespaces(): string | undefined {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/**
 * A test host: a network namespace joined to this one by a veth pair on a /30 of its own
 * (10.x.y.1 here, 10.x.y.2 there). `cut` and `heal` take the link down and up; `destroy` removes
 * both. Traffic goes only between this host and the namespace.
 * @internal for tests
 */
export class TestHost {
  readonly ns: string;
  readonly hostIp: string;
  readonly nsIp: string;
  private readonly outside: string;
  private readonly inside: string;

  constructor() {
    const id = randomBytes(3).toString('hex');
    this.ns = `pdlink-${id}`;
    this.outside = `pdo${id}`;
    this.inside = `pdi${id}`;
    const [a, b] = [100 + (parseInt(id.slice(0, 2), 16) % 100), parseInt(id.slice(2, 4), 16) & 0xfc];
    this.hostIp = `10.${a}.${b}.1`;
    this.nsIp = `10.${a}.${b}.2`;
    ip('netns', 'add', this.ns);
    try {
      ip('link', 'add', this.outside, 'type', 'veth', 'peer', 'name', this.inside);
      ip('link', 'set', this.inside, 'netns', this.ns);
      ip('addr', 'add', `${this.hostIp}/30`, 'dev', this.outside);
      ip('link', 'set', this.outside, 'up');
      ip('netns', 'exec', this.ns, 'ip', 'addr', 'add', `${this.nsIp}/30`, 'dev', this.inside);
      ip('netns', 'exec', this.ns, 'ip', 'link', 'set', this.inside, 'up');
      ip('netns', 'exec', this.ns, 'ip', 'link', 'set', 'lo', 'up');
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** Takes the veth down inside the namespace: packets between the two sides stop. */
  cut(): void {
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', this.inside, 'down');
  }

  heal(): void {
    ip('netns', 'exec', this.ns, 'ip', 'link', 'set', this.inside, 'up');
  }

  /** Runs `node args` inside the namespace. */
  spawnNode(args: string[], env: Record<string, string>): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns, process.execPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  destroy(): void {
    try {
      ip('link', 'del', this.outside);
    } catch {
      // Gone with the namespace already.
    }
    try {
      ip('netns', 'del', this.ns);
    } catch {
      // Never made.
    }
  }
}

/** The first stdout line of `child` that parses as JSON and passes `match`. */
export function jsonLine<T>(child: ChildProcess, match: (line: Record<string, unknown>) => boolean): Promise<T> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((res, rej) => {
    createInterface({ input: child.stdout! }).on('line', (text) => {
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (match(line)) res(line as T);
      } catch {
        // Not a JSON line.
      }
    });
    child.once('exit', (code) => rej(new Error(`process exited (${code}) before the expected line: ${stderr.slice(-2000)}`)));
  });
}

export const paperdBin = resolve('bin/paperd.js');
export const fakeLlmScript = resolve('test/support/link-fake-llm-process.ts');
