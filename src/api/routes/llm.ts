import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { errorCodeOf, httpStatusOf, LlmUnavailableError, PaperdError } from '../../errors.js';
import { SSE_HEADERS, sseFrames, type ChatRequest, type EmbeddingRequest, type LlmRouter, type Priority } from '../../inference/index.js';

export interface LlmRouteDeps {
  readonly router: LlmRouter;
}

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const RouteHeaders = Type.Object({
  'x-paperd-priority': Type.Optional(Type.Union([Type.Literal('online'), Type.Literal('offline')], { description: 'online (default) is served first where requests queue' })),
  'x-paperd-deadline-ms': Type.Optional(Type.Integer({ minimum: 1, description: 'the whole request, failover included; capped at the offline deadline' })),
});

// Loose on purpose: the router forwards what it does not read (vLLM's and Ollama's extra
// parameters), and the endpoint judges it.
const ChatBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(Type.Object({ role: Type.String({ minLength: 1 }) }, { additionalProperties: true }), { minItems: 1 }),
    stream: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const EmbeddingsBody = Type.Object(
  {
    model: Type.String({ minLength: 1, maxLength: 256 }),
    input: Type.Union([Type.String(), Type.Array(Type.String(), { minItems: 1, maxItems: 2048 }), Type.Array(Type.Integer()), Type.Array(Type.Array(Type.Integer()), { minItems: 1, maxItems: 2048 })]),
    encoding_format: Type.Optional(Type.Union([Type.Literal('float'), Type.Literal('base64')])),
    dimensions: Type.Optional(Type.Integer({ minimum: 1 })),
    user: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const EndpointSchema = Type.Object({
  name: Type.String(), kind: Type.String(), baseUrl: Type.String(), roles: Type.Array(Type.String()), models: Type.Array(Type.String()),
  priority: Type.Integer(), weight: Type.Number(), concurrency: Type.Integer(),
  state: Type.Union([Type.Literal('up'), Type.Literal('cooling'), Type.Literal('down')]),
  reason: Nullable(Type.String({ description: 'why it is not up: the failure that put it there' })),
  since: Type.Number(), cooldownUntil: Nullable(Type.Number()),
  halfOpen: Type.Boolean({ description: 'cooldown over: the next probe or request decides' }),
  failuresInARow: Type.Integer(), trips: Type.Integer(),
  lastFailure: Nullable(Type.Object({ at: Type.Number(), type: Type.String(), message: Type.String(), status: Type.Optional(Type.Integer()) })),
  inFlight: Type.Integer(), queued: Type.Object({ online: Type.Integer(), offline: Type.Integer() }),
  requests: Type.Integer(), errors: Type.Integer(), errorsByType: Type.Record(Type.String(), Type.Integer()),
  latency: Type.Object({ p50Ms: Nullable(Type.Number()), ewmaMs: Nullable(Type.Number()), firstTokenEwmaMs: Nullable(Type.Number()), samples: Type.Integer() }),
  lastProbe: Nullable(Type.Object({ at: Type.Number(), ok: Type.Boolean(), message: Nullable(Type.String()) })),
});

const openAiType: Record<number, string> = { 400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error', 429: 'rate_limit_error' };

/** An error as OpenAI clients read it: `{error:{message, type, code}}`, the code from paperd's catalogue. */
function openAiError(error: unknown) {
  const validation = (error as { validation?: unknown }).validation !== undefined;
  const status = validation ? 400 : httpStatusOf(error);
  return {
    status,
    body: { error: { message: (error as Error).message ?? String(error), type: openAiType[status] ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), code: validation ? 'PAPERD_BAD_INPUT' : errorCodeOf(error), param: null } },
  };
}

function routeOptions(headers: Static<typeof RouteHeaders>, reply: FastifyReply, router: LlmRouter) {
  const priority: Priority = headers['x-paperd-priority'] ?? 'online';
  const ceiling = Math.max(router.defaultDeadlineMs('online'), router.defaultDeadlineMs('offline'));
  const deadlineMs = Math.min(headers['x-paperd-deadline-ms'] ?? router.defaultDeadlineMs(priority), ceiling);
  // A caller that hangs up stops its upstream request, queued or running, rather than let it burn GPU time.
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return { priority, deadlineMs, signal: controller.signal };
}

/** OpenAI-compatible chat completions and embeddings through the router; errors in OpenAI's shape. */
const openAiCompatible: FastifyPluginAsyncTypebox<LlmRouteDeps> = async (app, { router }) => {
  app.setErrorHandler((error, req, reply) => {
    const { status, body } = openAiError(error);
    if (status >= 500) req.log[error instanceof PaperdError ? 'warn' : 'error']({ err: error }, 'inference request failed');
    if (error instanceof LlmUnavailableError && error.retryAfterMs !== undefined) void reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    void reply.code(status).send(body);
  });

  app.post(
    '/v1/chat/completions',
    { config: { scope: 'llm' }, schema: { summary: 'OpenAI-compatible chat completion, routed with failover; `stream: true` answers server-sent events', headers: RouteHeaders, body: ChatBody } },
    async (req, reply) => {
      const { stream, ...request } = req.body;
      const options = routeOptions(req.headers, reply, router);
      if (!stream) return router.chat(request as unknown as ChatRequest, options);
      // Failures before the first token answer with a status; after it, inside the stream.
      const chunks = await router.chatStream(request as unknown as ChatRequest, options);
      void reply.headers(SSE_HEADERS);
      return reply.send(Readable.from(sseFrames(chunks, (error) => {
        const { body } = openAiError(error);
        return body.error;
      })));
    },
  );

  app.post(
    '/v1/embeddings',
    { config: { scope: 'llm' }, schema: { summary: 'OpenAI-compatible embeddings, routed with failover', headers: RouteHeaders, body: EmbeddingsBody } },
    async (req, reply) => {
      const { encoding_format, ...request } = req.body;
      const response = await router.embed(request as EmbeddingRequest, routeOptions(req.headers, reply, router));
      if (encoding_format !== 'base64') return response;
      // OpenAI's base64: little-endian float32, what its clients decode by default.
      return { ...response, data: response.data.map((d) => ({ ...d, embedding: Buffer.from(new Float32Array(d.embedding).buffer).toString('base64') })) };
    },
  );
};

/** The inference router over HTTP: OpenAI-compatible chat and embeddings, and the endpoints' health. */
export const llmRoutes: FastifyPluginAsyncTypebox<LlmRouteDeps> = async (app, deps) => {
  app.get(
    '/v1/llm/endpoints',
    { config: { scope: 'read' }, schema: { summary: 'Each inference endpoint: state and why, latency, counts, slots in use and queued', response: { 200: Type.Object({ at: Type.Number(), endpoints: Type.Array(EndpointSchema) }) } } },
    async () => deps.router.snapshot(),
  );
  await app.register(openAiCompatible, deps);
};
