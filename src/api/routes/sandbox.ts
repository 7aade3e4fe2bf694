import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { grants, type Scope } from '../../auth/scopes.js';
import { NotFoundError, SandboxUnavailableError } from '../../errors.js';
import type { SandboxAsk } from '../../sandbox/ask.js';
import type { SandboxService } from '../../sandbox/sandbox-service.js';
import type { StoredRun } from '../../sandbox/run-store.js';
import type { BlobStore } from '../../storage/blobs.js';
import { ErrorBody } from '../schemas.js';

export interface SandboxRouteDeps {
  /** Absent when the sandbox is disabled on this node: every call that runs code answers 503. */
  readonly service?: SandboxService;
  /** Absent without an LLM router or a chat model. */
  readonly ask?: SandboxAsk;
  readonly blobs: BlobStore;
  /** Why runs cannot start when `service` is absent. */
  readonly disabledReason: string;
  readonly codeBytes: number;
}

const RunFile = Type.Object({ name: Type.String(), contentType: Type.String(), size: Type.Integer(), sha256: Type.String(), url: Type.String() });
const Run = Type.Object({
  id: Type.String(),
  status: Type.Union([Type.Literal('running'), Type.Literal('finished'), Type.Literal('failed')]),
  language: Type.Union([Type.Literal('python'), Type.Literal('javascript')]),
  code: Type.String(),
  createdAt: Type.String(),
  finishedAt: Type.Optional(Type.String()),
  askId: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  stdout: Type.String(),
  stderr: Type.String(),
  durationMs: Type.Integer(),
  timedOut: Type.Boolean(),
  truncated: Type.Boolean(),
  stdoutBytes: Type.Integer(),
  stderrBytes: Type.Integer(),
  queuedMs: Type.Integer(),
  snapshotTakenAt: Type.Optional(Type.String()),
  files: Type.Array(RunFile),
  rejectedFiles: Type.Array(Type.Object({ name: Type.String(), reason: Type.String() })),
});
const Attempt = Type.Object({
  runId: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
  exitCode: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  timedOut: Type.Optional(Type.Boolean()),
  problem: Type.Optional(Type.String()),
});
const Status = Type.Object({ engine: Type.String(), image: Type.String(), runtime: Type.String(), running: Type.Integer(), queued: Type.Integer(), pooled: Type.Integer(), runs: Type.Integer() });

// Files come from untrusted programs: an SVG or HTML one may carry script. Served inert: no
// script, no requests, a sandboxed origin, no sniffing into another type.
const INERT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox";

/** A stored run as the API shows it: its files as URLs under the run. */
export function runView(run: StoredRun): typeof Run.static {
  const r = run.result;
  return {
    id: run.id,
    status: run.status,
    language: run.language,
    code: run.code,
    createdAt: run.createdAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    ...(run.askId ? { askId: run.askId } : {}),
    ...(run.error ? { error: run.error } : {}),
    exitCode: r?.exitCode ?? null,
    stdout: r?.stdout ?? '',
    stderr: r?.stderr ?? '',
    durationMs: r?.durationMs ?? 0,
    timedOut: r?.timedOut ?? false,
    truncated: r?.truncated ?? false,
    stdoutBytes: r?.stdoutBytes ?? 0,
    stderrBytes: r?.stderrBytes ?? 0,
    queuedMs: r?.queuedMs ?? 0,
    ...(r ? { snapshotTakenAt: r.snapshotTakenAt } : {}),
    files: (r?.files ?? []).map((f) => ({ ...f, url: `/v1/sandbox/runs/${run.id}/files/${encodeURIComponent(f.name)}` })),
    rejectedFiles: [...(r?.rejectedFiles ?? [])],
  };
}

/**
 * The sandbox: `POST /v1/sandbox/runs` runs a program and answers with its result;
 * `GET /v1/sandbox/runs/:id` and `…/files/:name` read kept runs (they need no engine);
 * `POST /v1/sandbox/ask` has the LLM write the program. All need the `sandbox` scope.
 */
export const sandboxRoutes: FastifyPluginAsyncTypebox<SandboxRouteDeps> = async (app, deps) => {
  const service = (): SandboxService => {
    if (!deps.service) throw new SandboxUnavailableError(deps.disabledReason);
    return deps.service;
  };
  // A run shows its code and output: only the key that sent it, or an admin key, may read it.
  const stored = (id: string, key: { id: string; scopes: Scope[] } | undefined): StoredRun => {
    const run = deps.service?.get(id);
    const mine = run && (!run.keyId || run.keyId === key?.id || (key !== undefined && grants(key.scopes, 'admin')));
    if (!run || !mine) throw new NotFoundError(`no sandbox run ${id}`);
    return run;
  };

  app.get('/v1/sandbox', {
    config: { scope: 'sandbox' },
    schema: { summary: 'Whether the sandbox can run code, and its queue', response: { 200: Status, 503: ErrorBody } },
  }, async () => {
    const runner = service().runner;
    const engine = await runner.engineState();
    if (engine.type === 'unavailable') throw new SandboxUnavailableError(engine.reason);
    return { ...runner.describe(), ...runner.stats(), engine: `ready (Docker ${engine.version})` };
  });

  app.post('/v1/sandbox/runs', {
    config: { scope: 'sandbox' },
    bodyLimit: deps.codeBytes * 2 + 4096,
    schema: {
      summary: 'Run a Python or JavaScript program against a read-only snapshot of the stores',
      body: Type.Object({
        language: Type.Union([Type.Literal('python'), Type.Literal('javascript')]),
        code: Type.String({ minLength: 1 }),
        timeoutMs: Type.Optional(Type.Integer({ minimum: 100 })),
      }, { additionalProperties: false }),
      response: { 201: Run, 400: ErrorBody, 503: ErrorBody },
    },
  }, async (req, reply) => {
    const run = await service().run(req.body, req.apiKey ? { keyId: req.apiKey.id } : {});
    return reply.code(201).send(runView(run));
  });

  app.get('/v1/sandbox/runs/:id', {
    config: { scope: 'sandbox' },
    schema: { summary: 'A sandbox run and its result', params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 200: Run, 404: ErrorBody } },
  }, async (req) => runView(stored(req.params.id, req.apiKey)));

  app.get('/v1/sandbox/runs/:id/files/:name', {
    config: { scope: 'sandbox' },
    schema: { summary: 'A file a sandbox run wrote to /out', params: Type.Object({ id: Type.String({ maxLength: 64 }), name: Type.String({ maxLength: 128 }) }) },
  }, async (req, reply) => {
    const file = stored(req.params.id, req.apiKey).result?.files.find((f) => f.name === req.params.name);
    if (!file) throw new NotFoundError(`sandbox run ${req.params.id} has no file ${req.params.name}`);
    const data = await deps.blobs.read(file.sha256);
    return reply
      .header('content-type', file.contentType)
      .header('content-security-policy', INERT_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cross-origin-resource-policy', 'same-origin')
      .header('content-disposition', `${/^image\/png$/.test(file.contentType) ? 'inline' : 'attachment'}; filename="${file.name}"`)
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(data);
  });

  app.post('/v1/sandbox/ask', {
    config: { scope: 'sandbox' },
    schema: {
      summary: 'Answer a question with a program the LLM writes and the sandbox runs (failing programs go back to the LLM)',
      body: Type.Object({ question: Type.String({ minLength: 1, maxLength: 4000 }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          askId: Type.String(), question: Type.String(), ok: Type.Boolean(), answer: Type.String(), code: Type.String(),
          language: Type.Literal('python'), model: Type.String(), run: Type.Optional(Run), attempts: Type.Array(Attempt),
        }),
        400: ErrorBody,
        503: ErrorBody,
      },
    },
  }, async (req) => {
    service();
    if (!deps.ask) throw new SandboxUnavailableError('no LLM endpoint with a chat model is configured on this node (llm.endpoints, sandbox.ask.model)');
    const answer = await deps.ask.ask(req.body.question, req.apiKey ? { keyId: req.apiKey.id } : {});
    const { run, attempts, ...rest } = answer;
    return { ...rest, attempts: [...attempts], ...(run ? { run: runView(run) } : {}) };
  });
};
