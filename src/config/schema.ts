import { Type, type Static } from '@sinclair/typebox';

const Backoff = Type.Object({
  minMs: Type.Integer({ minimum: 0, default: 200 }),
  maxMs: Type.Integer({ minimum: 0, default: 30_000 }),
  jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
  resetAfterMs: Type.Integer({ minimum: 0, default: 60_000 }),
}, { default: {} });

/**
 * Every setting of a node, with its default. Each key can also come from the environment as
 * `PAPERD_` + its path in upper snake case (`api.port` → `PAPERD_API_PORT`); lists and objects
 * below a leaf are given as JSON.
 */
export const ConfigSchema = Type.Object({
  node: Type.Union([Type.Literal('single'), Type.Literal('main'), Type.Literal('gpu'), Type.Literal('mac')], { default: 'single' }),
  dataDir: Type.String({ minLength: 1, default: './data' }),
  api: Type.Object({
    /** Loopback by default: a lab opens it on purpose, never by accident. */
    host: Type.String({ default: '127.0.0.1' }),
    port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080 }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1_048_576 }),
  }, { default: {} }),
  log: Type.Object({
    level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  }, { default: {} }),
  supervision: Type.Object({
    intensity: Type.Integer({ minimum: 0, default: 5 }),
    periodMs: Type.Integer({ minimum: 1, default: 60_000 }),
    backoff: Backoff,
  }, { default: {} }),
  /** Enables `POST /v1/test/crash`, which crashes an actor on purpose. Never on in production. */
  testHooks: Type.Boolean({ default: false }),
});

export type Config = Static<typeof ConfigSchema>;
