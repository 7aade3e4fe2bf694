import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../errors.js';

const Role = Type.Union([Type.Literal('chat'), Type.Literal('embeddings')]);
export type LlmRole = Static<typeof Role>;

const Kind = Type.Union([Type.Literal('vllm'), Type.Literal('ollama'), Type.Literal('openai'), Type.Literal('remote')], {
  description: "decides the health probe: vLLM GET /health, Ollama GET /, any other GET <baseUrl>/models; 'remote': the inference actor of link peer `node`, asked over the link",
});
export type EndpointKind = Static<typeof Kind>;

const wholeAnswers = (options: { default?: 'json' } = {}) => Type.Union([Type.Literal('json'), Type.Literal('stream')], {
  ...options,
  description:
    "how a whole answer (`chat`) is asked of the endpoint: 'json' as a plain request (stream: false), the cheaper; 'stream' as a " +
    'stream assembled here. A JSON answer shows no first token, so only connectMs and totalMs guard it, not firstTokenMs',
});
export type WholeAnswers = Static<ReturnType<typeof wholeAnswers>>;

const ms = (description: string, fallback: number) => Type.Integer({ minimum: 1, default: fallback, description });

const Timeouts = Type.Object(
  {
    connectMs: ms('TCP connect, so a machine that is asleep or gone costs this much and no more', 2_000),
    firstTokenMs: ms('request sent → first generated token: vLLM queues instead of refusing, so this is its overload signal', 30_000),
    totalMs: ms('the whole answer, stream included', 300_000),
  },
  { default: {}, additionalProperties: false },
);

const EndpointSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$', description: 'unique; a metric label' }),
    baseUrl: Type.Optional(Type.String({ minLength: 1, description: "the OpenAI base URL, e.g. http://gpu:8000/v1; not for kind 'remote'" })),
    node: Type.Optional(Type.String({ minLength: 1, description: "kind 'remote': the link peer whose inference actor serves this endpoint" })),
    apiKey: Type.Optional(Type.String()),
    kind: Type.Optional(Kind),
    role: Type.Optional(Type.Union([Role, Type.Array(Role, { minItems: 1 })])),
    models: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'models served; empty serves any model asked for' })),
    upstreamModels: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }), {
      description: 'what this endpoint calls a model of `models` (Ollama says qwen2.5:7b where vLLM says Qwen/Qwen2.5-7B-Instruct)',
    })),
    priority: Type.Optional(Type.Integer({ minimum: 0, description: 'lower is tried first (as in DNS SRV)' })),
    weight: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'share among endpoints of equal priority' })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, description: 'requests in flight at once; the rest queue, online first' })),
    maxQueued: Type.Optional(Type.Integer({ minimum: 0 })),
    wholeAnswers: Type.Optional(wholeAnswers()),
    // No defaults here: what an endpoint leaves out comes from `defaults.timeouts`.
    timeouts: Type.Optional(Type.Object(
      { connectMs: Type.Optional(Type.Integer({ minimum: 1 })), firstTokenMs: Type.Optional(Type.Integer({ minimum: 1 })), totalMs: Type.Optional(Type.Integer({ minimum: 1 })) },
      { additionalProperties: false },
    )),
  },
  { additionalProperties: false },
);
export type LlmEndpointConfig = Static<typeof EndpointSchema>;

/**
 * The inference router's settings: OpenAI-compatible endpoints (vLLM, Ollama, others) and how
 * they are chosen, probed, cooled down and retried. An endpoint's unset fields take `defaults`.
 */
export const LlmConfigSchema = Type.Object(
  {
    endpoints: Type.Array(EndpointSchema, { default: [] }),
    defaults: Type.Object(
      {
        kind: Type.Union([Type.Literal('vllm'), Type.Literal('ollama'), Type.Literal('openai')], { default: 'openai' }),
        role: Type.Union([Role, Type.Array(Role, { minItems: 1 })], { default: 'chat' }),
        priority: Type.Integer({ minimum: 0, default: 0 }),
        weight: Type.Number({ exclusiveMinimum: 0, default: 1 }),
        concurrency: Type.Integer({ minimum: 1, default: 8 }),
        /** Past this many waiting at an endpoint, a request goes elsewhere or fails rather than wait. */
        maxQueued: Type.Integer({ minimum: 0, default: 256 }),
        wholeAnswers: wholeAnswers({ default: 'json' }),
        timeouts: Timeouts,
      },
      { default: {}, additionalProperties: false },
    ),
    /** What a request may take in all, failover and queueing included, unless the caller says otherwise. */
    deadlines: Type.Object(
      {
        onlineMs: Type.Integer({ minimum: 1, default: 60_000 }),
        offlineMs: Type.Integer({ minimum: 1, default: 15 * 60_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    probe: Type.Object(
      {
        /** 0 turns active probes off; passive health from traffic still applies. */
        intervalMs: Type.Integer({ minimum: 0, default: 10_000 }),
        timeoutMs: Type.Integer({ minimum: 1, default: 2_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    cooldown: Type.Object(
      {
        /** Errors in a row (5xx, broken streams) before an endpoint cools; 429, 503, timeouts and refused connections cool it at once. */
        failureThreshold: Type.Integer({ minimum: 1, default: 3 }),
        baseMs: Type.Integer({ minimum: 0, default: 2_000 }),
        maxMs: Type.Integer({ minimum: 0, default: 120_000 }),
        /** Each failed half-open trial multiplies the next cooldown by this. */
        multiplier: Type.Number({ minimum: 1, default: 2 }),
        jitter: Type.Number({ minimum: 0, maximum: 1, default: 0.2 }),
        /** A Retry-After is honoured up to this long (a bogus one must not park an endpoint for a day). */
        maxRetryAfterMs: Type.Integer({ minimum: 0, default: 600_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
    retry: Type.Object(
      {
        /** Attempts per request across endpoints; the deadline bounds them too. */
        maxAttempts: Type.Integer({ minimum: 1, default: 6 }),
        /** Full jitter before the next attempt: uniform in [0, jitterMs · 2^(attempt−1)], capped at 1 s. */
        jitterMs: Type.Integer({ minimum: 0, default: 50 }),
        /**
         * How long an online request may wait for a cooling endpoint to come back when no other can
         * take it; past that it fails at once (503 with Retry-After). Offline requests wait up to their deadline.
         */
        onlineWaitMs: Type.Integer({ minimum: 0, default: 2_000 }),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { default: {}, additionalProperties: false },
);
export type LlmConfig = Static<typeof LlmConfigSchema>;

/** One endpoint with every setting decided. */
export interface EndpointSettings {
  readonly name: string;
  readonly baseUrl: string;
  /** The server's root (the base URL without its trailing `/v1`), where vLLM and Ollama answer probes. */
  readonly rootUrl: string;
  /** Kind 'remote': the link peer that serves it. */
  readonly node?: string;
  readonly apiKey: string | undefined;
  readonly kind: EndpointKind;
  readonly roles: readonly LlmRole[];
  readonly models: readonly string[];
  readonly upstreamModels: Readonly<Record<string, string>>;
  readonly priority: number;
  readonly weight: number;
  readonly concurrency: number;
  readonly maxQueued: number;
  readonly wholeAnswers: WholeAnswers;
  readonly timeouts: { readonly connectMs: number; readonly firstTokenMs: number; readonly totalMs: number };
}

/** The router's settings with every endpoint resolved against the defaults. */
export interface ResolvedLlmConfig {
  readonly endpoints: readonly EndpointSettings[];
  readonly deadlines: LlmConfig['deadlines'];
  readonly probe: LlmConfig['probe'];
  readonly cooldown: LlmConfig['cooldown'];
  readonly retry: LlmConfig['retry'];
}

/**
 * Applies `defaults` to each endpoint and checks what the schema cannot: unique names, http(s)
 * URLs, upstream names only for listed models. `config` must already carry the schema's defaults
 * (as `loadConfig` leaves it, or `Value.Default(LlmConfigSchema, …)`).
 */
export function resolveLlmConfig(config: LlmConfig): ResolvedLlmConfig {
  const seen = new Set<string>();
  const endpoints = config.endpoints.map((e, i): EndpointSettings => {
    const where = `llm.endpoints[${i}] (${e.name})`;
    if (seen.has(e.name)) throw new ConfigError(`${where}: the name ${e.name} is used twice`);
    seen.add(e.name);
    const kind = e.kind ?? config.defaults.kind;
    if (kind === 'remote' && !e.node) throw new ConfigError(`${where}: kind remote needs node, the link peer that serves it`);
    if (kind !== 'remote' && e.node) throw new ConfigError(`${where}: node is only for kind remote`);
    if (kind !== 'remote' && !e.baseUrl) throw new ConfigError(`${where}: baseUrl is required`);
    let url: URL;
    try {
      url = new URL(kind === 'remote' ? `http://link.invalid/${e.node}` : e.baseUrl!);
    } catch {
      throw new ConfigError(`${where}: baseUrl ${JSON.stringify(e.baseUrl)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`${where}: baseUrl must be http or https, not ${url.protocol}`);
    const models = e.models ?? [];
    for (const m of Object.keys(e.upstreamModels ?? {})) {
      if (!models.includes(m)) throw new ConfigError(`${where}: upstreamModels names ${m}, which is not in its models`);
    }
    const baseUrl = url.href.replace(/\/+$/, '');
    const role = e.role ?? config.defaults.role;
    return {
      name: e.name,
      baseUrl,
      rootUrl: baseUrl.replace(/\/v1$/, ''),
      ...(e.node ? { node: e.node } : {}),
      apiKey: e.apiKey,
      kind,
      roles: [...new Set(Array.isArray(role) ? role : [role])],
      models,
      upstreamModels: e.upstreamModels ?? {},
      priority: e.priority ?? config.defaults.priority,
      weight: e.weight ?? config.defaults.weight,
      concurrency: e.concurrency ?? config.defaults.concurrency,
      maxQueued: e.maxQueued ?? config.defaults.maxQueued,
      wholeAnswers: e.wholeAnswers ?? config.defaults.wholeAnswers,
      timeouts: { ...config.defaults.timeouts, ...e.timeouts },
    };
  });
  return { endpoints, deadlines: config.deadlines, probe: config.probe, cooldown: config.cooldown, retry: config.retry };
}
