import Docker from 'dockerode';
import { SandboxUnavailableError } from '../errors.js';

/** Whether runs can start, and if not, why (for 503s and the actor tree). */
export type EngineState =
  | { readonly type: 'ready'; readonly version: string }
  | { readonly type: 'unavailable'; readonly reason: string };

// A ping answers in about a millisecond; within this, the last answer stands.
const RECHECK_MS = 2_000;

/**
 * The Docker engine the sandbox runs on, and whether it can run the sandbox's image (and
 * runtime) now. Checked before each run, so an engine that goes away makes runs fail with a
 * reason instead of hanging, and one that comes back is used again.
 */
export class SandboxEngine {
  readonly docker: Docker;
  private state: EngineState = { type: 'unavailable', reason: 'not checked yet' };
  private checkedAt = -Infinity;
  private checking: Promise<EngineState> | undefined;

  constructor(
    readonly socketPath: string,
    readonly image: string,
    readonly runtime: 'runc' | 'runsc',
    private readonly now: () => number = Date.now,
  ) {
    this.docker = new Docker({ socketPath, timeout: 0 });
  }

  get current(): EngineState {
    return this.state;
  }

  /** The engine's state, rechecked when the last check is older than a couple of seconds. */
  check(force = false): Promise<EngineState> {
    if (!force && this.now() - this.checkedAt < RECHECK_MS) return Promise.resolve(this.state);
    return (this.checking ??= this.probe().then((state) => {
      this.state = state;
      this.checkedAt = this.now();
      this.checking = undefined;
      return state;
    }));
  }

  /** Resolves when runs can start; throws `SandboxUnavailableError` saying why not. */
  async require(): Promise<void> {
    const state = await this.check();
    if (state.type === 'unavailable') throw new SandboxUnavailableError(state.reason);
  }

  private async probe(): Promise<EngineState> {
    let version: string;
    let runtimes: Record<string, unknown>;
    try {
      const info = (await withTimeout(this.docker.info(), 5_000)) as { ServerVersion?: string; Runtimes?: Record<string, unknown> };
      version = info.ServerVersion ?? 'unknown';
      runtimes = info.Runtimes ?? {};
    } catch (error) {
      return { type: 'unavailable', reason: `no Docker engine answers at ${this.socketPath} (${(error as Error).message})` };
    }
    if (!(this.runtime in runtimes)) {
      return { type: 'unavailable', reason: `the Docker engine has no runtime "${this.runtime}" (it has ${Object.keys(runtimes).join(', ') || 'none'}); register it with dockerd or set sandbox.runtime to runc` };
    }
    try {
      await withTimeout(this.docker.getImage(this.image).inspect(), 5_000);
    } catch (error) {
      const missing = (error as { statusCode?: number }).statusCode === 404;
      return {
        type: 'unavailable',
        reason: missing ? `the image ${this.image} is not in the Docker engine: run docker/sandbox/build.sh` : `the Docker engine could not inspect ${this.image} (${(error as Error).message})`,
      };
    }
    return { type: 'ready', version };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
