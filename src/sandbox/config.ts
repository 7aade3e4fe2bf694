import { Type, type Static } from '@sinclair/typebox';

const MiB = 1_048_576;

/**
 * The sandbox's settings (`sandbox.*`): which engine and image, how runs are confined, how many
 * run at once. Every cap here is enforced by the engine or by the runner, never by the code run.
 */
export const SandboxConfigSchema = Type.Object({
  /** Run analysis code at all; when false every sandbox call answers 503. */
  enabled: Type.Boolean({ default: true }),
  /** The Docker engine's socket. */
  dockerSocket: Type.String({ default: '/var/run/docker.sock' }),
  /** Image to run; empty: `paperd-sandbox:<hash of docker/sandbox>`, what `docker/sandbox/build.sh` builds. */
  image: Type.String({ default: '' }),
  /**
   * `runc` (Docker's default) or `runsc` (gVisor: a user-space kernel between the code and the
   * host's), which must be registered with dockerd under that name.
   */
  runtime: Type.Union([Type.Literal('runc'), Type.Literal('runsc')], { default: 'runc' }),
  /** Runs at once; more wait in a queue of `queueLimit`, past which calls answer 503. */
  concurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2 }),
  queueLimit: Type.Integer({ minimum: 0, default: 64 }),
  /**
   * Containers created and started ahead of runs (each used by one run, then removed). The pool
   * fills after the node's first run, so a node nobody runs code on starts no container.
   */
  poolSize: Type.Integer({ minimum: 0, maximum: 16, default: 1 }),
  /** A pooled container unused this long is replaced by a new one when a run comes. */
  poolIdleMs: Type.Integer({ minimum: 1000, default: 300_000 }),
  timeoutMs: Type.Integer({ minimum: 100, default: 30_000 }),
  /** The longest timeout a caller may ask for. */
  maxTimeoutMs: Type.Integer({ minimum: 100, default: 300_000 }),
  memoryBytes: Type.Integer({ minimum: 16 * MiB, default: 512 * MiB }),
  cpus: Type.Number({ minimum: 0.1, maximum: 64, default: 1 }),
  /** Processes and threads in one run (gVisor counts its own threads too: give it about 256). */
  pidsLimit: Type.Integer({ minimum: 8, default: 128 }),
  /** Open files per process. */
  nofile: Type.Integer({ minimum: 16, default: 256 }),
  /** The largest file a run may write anywhere (RLIMIT_FSIZE). */
  fileSizeBytes: Type.Integer({ minimum: 1024, default: 64 * MiB }),
  /** Size of the scratch tmpfs at /tmp. */
  tmpBytes: Type.Integer({ minimum: MiB, default: 64 * MiB }),
  /** Size of /out (a tmpfs); files past it fail to write in the run. */
  outBytes: Type.Integer({ minimum: 64 * 1024, default: 16 * MiB }),
  /** Files taken back from /out. */
  outFiles: Type.Integer({ minimum: 1, maximum: 1000, default: 32 }),
  /** Bytes kept of stdout, and of stderr; the rest is counted and dropped. */
  outputBytes: Type.Integer({ minimum: 1024, default: MiB }),
  /** The largest program accepted. */
  codeBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 }),
  /**
   * How old a snapshot of the stores may be when the stores have changed since: a node writes
   * all the time (journal, leases, metrics), and a snapshot costs a copy of the papers. 0: every
   * change makes the next run take a new one. Each result says when its snapshot was taken.
   */
  snapshotMaxAgeMs: Type.Integer({ minimum: 0, default: 10_000 }),
  /** Export the papers' vectors into each snapshot (`/data/vectors`). */
  vectors: Type.Boolean({ default: true }),
  ask: Type.Object({
    /** The chat model that writes the code; empty: the router's default. */
    model: Type.String({ default: '' }),
    /** How many times a failing program goes back to the model with its error. */
    maxRepairs: Type.Integer({ minimum: 0, maximum: 10, default: 2 }),
    maxTokens: Type.Integer({ minimum: 64, default: 2048 }),
  }, { default: {} }),
}, { default: {} });

export type SandboxConfig = Static<typeof SandboxConfigSchema>;
