import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import type { Logger } from 'pino';
import { LlmCancelledError, LlmDeadlineError, LlmNoRouteError, LlmRequestRejectedError, LlmUnavailableError, type LlmAttemptRecord } from '../errors.js';
import { systemClock, type Clock, type Random } from '../runtime/clock.js';
import { Attempt, type AttemptContext } from './attempt.js';
import { Call } from './call.js';
import { RoutedChatStream, type LlmChatStream } from './chat-stream.js';
import { carriesToken, chunkError } from './chunks.js';
import { CompletionBuilder } from './completion-builder.js';
import { resolveLlmConfig, type EndpointSettings, type LlmConfig, type LlmRole, type ResolvedLlmConfig } from './config.js';
import { Endpoint, type EndpointSnapshot } from './endpoint.js';
import { EndpointHealth, type HealthChange } from './endpoint-health.js';
import { readErrorBody } from './error-shapes.js';
import { tokenUsageOf, type LlmRouterEvent, type LlmRouterObserver, type RequestOutcome } from './events.js';
import { AttemptFailedError, isCallersFault } from './failure.js';
import type { Permit, Priority } from './priority-gate.js';
import { Prober } from './probes.js';
import { chooseEndpoint } from './selection.js';
import { OpenAiUpstream, type Upstream } from './upstream.js';

/** A chat completion request as OpenAI defines it; `stream` is decided by the method called. */
export type ChatRequest = Omit<ChatCompletionCreateParamsBase, 'stream'>;
export type EmbeddingRequest = Omit<EmbeddingCreateParams, 'encoding_format'>;

export interface RouteOptions {
  /** `online` (default) is served before `offline` wherever requests queue. */
  readonly priority?: Priority;
  /** The whole request, failover and queueing included; defaults to the configured deadline for its priority. */
  readonly deadlineMs?: number;
  /** Cancels the request (and its upstream call) when it aborts. */
  readonly signal?: AbortSignal;
}

export interface LlmRouterOptions {
  readonly config: ResolvedLlmConfig;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly log?: Logger;
  /** The wire to each endpoint; the openai client over undici unless a test or bench says otherwise. */
  readonly upstream?: (endpoint: EndpointSettings) => Upstream;
}

export interface LlmRouterSnapshot {
  readonly at: number;
  readonly endpoints: EndpointSnapshot[];
}

type RequestKind = 'chat' | 'chat-stream' | 'embeddings';

/** Turned away from an endpoint's line because it just stopped taking requests. */
class EndpointRestingError extends Error {}

/**
 * Routes OpenAI-style chat and embedding requests over the configured endpoints: by priority, then
 * weight; around endpoints that are cooling or down; queueing online work before offline at each
 * endpoint's concurrency cap; retrying another endpoint (after a jittered pause) when one fails
 * before any output has reached the caller; all within one deadline per request.
 */
export class LlmRouter {
  private readonly config: ResolvedLlmConfig;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly log: Logger | undefined;
  private readonly endpoints: Endpoint[];
  private readonly observers = new Set<LlmRouterObserver>();
  private readonly waiters = new Set<() => void>();
  private readonly calls = new Set<Call>();
  private readonly prober: Prober;
  private readonly ctx: AttemptContext;
  private stopped = false;

  constructor(options: LlmRouterOptions) {
    this.config = options.config;
    this.clock = options.clock ?? systemClock();
    this.random = options.random ?? Math.random;
    this.log = options.log?.child({ component: 'llm-router' });
    const makeUpstream = options.upstream ?? ((s: EndpointSettings) => new OpenAiUpstream(s));
    this.endpoints = this.config.endpoints.map((settings) => {
      const health = new EndpointHealth(settings.name, this.config.cooldown, this.clock, this.random, (change) => this.changed(endpoint, change));
      const endpoint: Endpoint = new Endpoint(settings, makeUpstream(settings), health);
      return endpoint;
    });
    this.prober = new Prober(this.endpoints, this.clock, this.config.probe.intervalMs, this.config.probe.timeoutMs, (e) => this.emit(e));
    this.ctx = { clock: this.clock, emit: (e) => this.emit(e), wake: () => this.wake() };
  }

  /** A router for the `llm` section of the node's configuration (defaults applied). */
  static fromConfig(config: LlmConfig, deps: Omit<LlmRouterOptions, 'config'> = {}): LlmRouter {
    return new LlmRouter({ ...deps, config: resolveLlmConfig(config) });
  }

  /** Starts the active probes (a first round at once). Requests work without it, on passive health alone. */
  start(): void {
    this.prober.start();
  }

  /** Stops probing, cancels every request in progress or queued, and closes the connections. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.prober.stop();
    for (const call of this.calls) call.cancel();
    for (const e of this.endpoints) e.gate.rejectQueued(new EndpointRestingError('the router is stopping'));
    await Promise.all(this.endpoints.map((e) => e.upstream.close().catch(() => undefined)));
  }

  /** Runs one probe round now and resolves when every endpoint has answered. @internal for tests */
  probeNow(): Promise<void> {
    return this.prober.round();
  }

  /** Every endpoint's state, why, latency, counts and slots. */
  snapshot(): LlmRouterSnapshot {
    const now = this.clock.now();
    return { at: now, endpoints: this.endpoints.map((e) => e.snapshot(now)) };
  }

  /** Streams the router's events to `observer` (metrics, logs); returns the unsubscribe. */
  inspect(observer: LlmRouterObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** The deadline a request of this priority gets when it names none. */
  defaultDeadlineMs(priority: Priority): number {
    return priority === 'online' ? this.config.deadlines.onlineMs : this.config.deadlines.offlineMs;
  }

  /**
   * A whole chat completion, asked of the endpoint as its `wholeAnswers` says: as plain JSON
   * (guarded by connectMs and totalMs only, since no first token shows), or as a stream assembled
   * here (firstTokenMs guarding it too). Nothing reaches the caller before the end, so any failure,
   * mid-stream included, goes on to another endpoint.
   */
  chat(request: ChatRequest, options: RouteOptions = {}): Promise<ChatCompletion> {
    return this.route('chat', 'chat', request.model, options, false, async (attempt, endpoint) => {
      const completion = endpoint.settings.wholeAnswers === 'json' ? await this.whole(request, attempt, endpoint) : await this.assemble(request, attempt, endpoint);
      attempt.succeed(tokenUsageOf(completion));
      return completion;
    });
  }

  /**
   * A streamed chat completion. Resolves once an endpoint has produced its first token (failing
   * over until one does); the chunks held back until then come first. Rejects like `chat`.
   */
  chatStream(request: ChatRequest, options: RouteOptions = {}): Promise<LlmChatStream> {
    return this.route('chat-stream', 'chat', request.model, options, true, async (attempt, endpoint, call) => {
      const { held, rest } = await this.open(request, false, attempt, endpoint);
      return new RoutedChatStream(held, rest, attempt, call, request.model, (outcome) => {
        this.calls.delete(call);
        this.emit({ type: 'request', kind: 'chat-stream', priority: call.priority, outcome, durationMs: this.clock.now() - call.startedAt });
      });
    });
  }

  /** Embeddings as floats (whatever the endpoint's default), one per input, in order. */
  embed(request: EmbeddingRequest, options: RouteOptions = {}): Promise<CreateEmbeddingResponse> {
    return this.route('embeddings', 'embeddings', request.model, options, false, async (attempt, endpoint) => {
      const response = await endpoint.upstream.embed({ ...request, model: endpoint.upstreamModel(request.model), encoding_format: 'float' }, attempt.signal);
      const expected = typeof request.input === 'string' || typeof request.input[0] === 'number' ? 1 : request.input.length;
      const data = (response as Partial<CreateEmbeddingResponse> | null)?.data;
      if (!Array.isArray(data) || data.length !== expected || !data.every((d) => Array.isArray(d?.embedding) && d.embedding.every((x) => typeof x === 'number'))) {
        throw new AttemptFailedError({ type: 'malformed', message: `expected ${expected} embedding${expected === 1 ? '' : 's'} of numbers` });
      }
      attempt.succeed(tokenUsageOf(response));
      return { ...response, model: request.model };
    });
  }

  /** Asks for the whole answer as one JSON body. */
  private async whole(request: ChatRequest, attempt: Attempt, endpoint: Endpoint): Promise<ChatCompletion> {
    const response = await endpoint.upstream.chat({ ...upstreamBody(request, endpoint), stream: false }, attempt.signal);
    const choices = (response as Partial<ChatCompletion> | null)?.choices;
    if (!Array.isArray(choices) || choices.length === 0) {
      const said = readErrorBody(response);
      throw new AttemptFailedError({ type: 'malformed', message: said ? `an error in a 200 answer: ${said.message}` : 'expected a chat completion with choices', ...(said ? { upstream: said } : {}) });
    }
    return { ...response, model: request.model };
  }

  /** Asks for the answer as a stream and folds it into one completion. */
  private async assemble(request: ChatRequest, attempt: Attempt, endpoint: Endpoint): Promise<ChatCompletion> {
    const { held, rest } = await this.open(request, true, attempt, endpoint);
    const builder = new CompletionBuilder();
    for (const c of held) builder.add(c);
    for (;;) {
      const next = await rest.next();
      if (next.done) break;
      const error = chunkError(next.value);
      if (error) throw new AttemptFailedError({ type: 'stream-error', message: `error inside the stream: ${error.message}`, upstream: error });
      builder.add(next.value);
    }
    // A stream that stopped short: a timeout or the deadline if one fired, else a broken stream.
    if (!builder.finished) throw attempt.signal.aborted ? attempt.signal.reason : new AttemptFailedError({ type: 'stream-error', message: 'the stream ended before a finish_reason' });
    return builder.build(request.model);
  }

  /** Sends a streamed chat request and reads up to its first token; what came before it is held. */
  private async open(request: ChatRequest, usage: boolean, attempt: Attempt, endpoint: Endpoint) {
    const body = { ...upstreamBody(request, endpoint), stream: true as const, ...(usage ? { stream_options: { include_usage: true } } : {}) };
    attempt.awaitFirstToken();
    const upstream = await endpoint.upstream.chatStream(body, attempt.signal);
    const it = upstream[Symbol.asyncIterator]();
    const held: ChatCompletionChunk[] = [];
    for (;;) {
      const next = await it.next();
      if (next.done) throw attempt.signal.aborted ? attempt.signal.reason : new AttemptFailedError({ type: 'stream-error', message: 'the stream ended before its first token' });
      const error = chunkError(next.value);
      if (error) throw new AttemptFailedError({ type: 'stream-error', message: `error inside the stream: ${error.message}`, upstream: error });
      held.push(next.value);
      if (carriesToken(next.value)) break;
    }
    attempt.firstToken();
    return { held, rest: it };
  }

  /**
   * The failover loop: pick an endpoint, wait for a slot, run one attempt; on a failure that is
   * the endpoint's, pause with jitter and go on to another, until the deadline, the attempt limit
   * or the endpoints run out. `keep` leaves the call open on success (a stream still running).
   */
  private async route<T>(kind: RequestKind, role: LlmRole, model: string, options: RouteOptions, keep: boolean, run: (attempt: Attempt, endpoint: Endpoint, call: Call) => Promise<T>): Promise<T> {
    const priority = options.priority ?? 'online';
    if (this.stopped) throw new LlmUnavailableError(`${kind} for ${model}`, [{ endpoint: '*', type: 'stopped', message: 'the router is stopped' }]);
    const call = new Call(`${kind} for ${model}`, priority, Math.max(1, options.deadlineMs ?? this.defaultDeadlineMs(priority)), this.clock, this.random, this.config.retry.jitterMs, options.signal);
    this.calls.add(call);
    let outcome: RequestOutcome = 'ok';
    try {
      for (;;) {
        if (call.attempts >= this.config.retry.maxAttempts) throw this.unavailable(call, role, model);
        const { endpoint, trial } = await this.pick(call, role, model);
        let permit: Permit;
        try {
          permit = await endpoint.gate.acquire(priority, call.signal);
        } catch (error) {
          if (trial) {
            endpoint.health.dropTrial();
            this.wake();
          }
          if (call.signal.aborted) throw call.abortError();
          call.skipped(endpoint.name, (error as Error).message);
          call.excluded.add(endpoint.name);
          continue;
        }
        call.attempts++;
        call.tried.add(endpoint.name);
        const attempt = new Attempt(endpoint, permit, trial, call, this.ctx);
        try {
          return await run(attempt, endpoint, call);
        } catch (error) {
          const verdict = attempt.fail(error);
          if (verdict === 'abandoned') throw call.abortError();
          if (isCallersFault(verdict)) throw new LlmRequestRejectedError(endpoint.name, verdict.status ?? 400, verdict.upstream?.message ?? verdict.message);
          call.failed(endpoint.name, verdict);
          this.log?.debug({ endpoint: endpoint.name, failure: verdict.type, reason: verdict.message, attempt: call.attempts }, 'llm attempt failed');
          if (call.attempts < this.config.retry.maxAttempts) {
            await call.pause().catch(() => {
              throw call.abortError();
            });
          }
        }
      }
    } catch (error) {
      outcome = outcomeOf(error);
      throw error;
    } finally {
      // A stream handed over keeps its call (and deadline) until it ends.
      if (!keep || outcome !== 'ok') {
        this.calls.delete(call);
        call.end();
        this.emit({ type: 'request', kind, priority, outcome, durationMs: this.clock.now() - call.startedAt });
      }
    }
  }

  /**
   * The endpoint for the next attempt, and whether it goes as a half-open trial. Endpoints not yet
   * tried come first; when none is willing, waits for a cooling one whose cooldown ends in time
   * (an online request only briefly; nobody waits for one that is down), else gives up saying why.
   */
  private async pick(call: Call, role: LlmRole, model: string): Promise<{ endpoint: Endpoint; trial: boolean }> {
    const serving = this.endpoints.filter((e) => e.serves(role, model));
    if (serving.length === 0) throw new LlmNoRouteError(role, model, [...new Set(this.endpoints.filter((e) => e.settings.roles.includes(role)).flatMap((e) => e.settings.models))]);
    for (;;) {
      if (call.signal.aborted) throw call.abortError();
      const now = this.clock.now();
      const willing = serving.filter((e) => !call.excluded.has(e.name) && e.health.admission(now) !== 'shut');
      const fresh = willing.filter((e) => !call.tried.has(e.name));
      const chosen = chooseEndpoint(fresh.length > 0 ? fresh : willing, this.random);
      if (chosen) {
        if (chosen.health.admission(now) === 'open') return { endpoint: chosen, trial: false };
        if (chosen.health.takeTrial()) return { endpoint: chosen, trial: true };
        continue;
      }
      const wait = this.nextChance(serving, call, now);
      if (wait === undefined) throw this.unavailable(call, role, model);
      await call.sleep(wait, (wake) => {
        this.waiters.add(wake);
        return () => this.waiters.delete(wake);
      }).catch(() => {
        throw call.abortError();
      });
    }
  }

  /**
   * How long to wait before looking again: until the first cooling endpoint's cooldown that ends
   * in time (before the deadline; for online requests, within `onlineWaitMs` of their start), or
   * (when only someone else's half-open trial stands in the way) until a change wakes us.
   * Undefined when none will.
   */
  private nextChance(serving: readonly Endpoint[], call: Call, now: number): number | undefined {
    // A person is waiting on an online request: better a prompt 503 with Retry-After than a long wait.
    const limit = call.priority === 'online' ? Math.min(call.deadlineAt, call.startedAt + this.config.retry.onlineWaitMs) : call.deadlineAt;
    let soonest: number | undefined;
    for (const e of serving) {
      if (call.excluded.has(e.name)) continue;
      const h = e.health.snapshot(now);
      if (h.state === 'up' || h.cooldownUntil === null) continue;
      // Down is not a pause: callers hear at once (and may fall back) while probes find out when it is back.
      if (h.state === 'down') continue;
      // Its trial is out (someone else's request or a probe): its verdict will wake us.
      const at = h.cooldownUntil <= now ? now : h.cooldownUntil;
      if (at < limit && (soonest === undefined || at < soonest)) soonest = at;
    }
    if (soonest === undefined) return undefined;
    return soonest <= now ? Math.max(1, limit - now) : soonest - now;
  }

  private unavailable(call: Call, role: LlmRole, model: string): LlmUnavailableError {
    const now = this.clock.now();
    const records: LlmAttemptRecord[] = [...call.records];
    let retryAt: number | undefined;
    for (const e of this.endpoints.filter((x) => x.serves(role, model))) {
      const h = e.health.snapshot(now);
      if (h.cooldownUntil !== null && h.cooldownUntil > now) retryAt = Math.min(retryAt ?? Infinity, h.cooldownUntil);
      if (records.some((r) => r.endpoint === e.name)) continue;
      const until = h.cooldownUntil !== null && h.cooldownUntil > now ? ` for ${Math.ceil((h.cooldownUntil - now) / 1000)} s more` : '';
      records.push({ endpoint: e.name, type: h.state, message: `${h.state}${until}${h.reason ? ` after ${h.reason}` : ''}` });
    }
    return new LlmUnavailableError(call.what, records, retryAt === undefined ? undefined : retryAt - now);
  }

  private changed(endpoint: Endpoint, change: HealthChange): void {
    this.emit({ type: 'state', ...change });
    const fields = { endpoint: change.endpoint, from: change.from, to: change.to, reason: change.reason, cooldownUntil: change.cooldownUntil };
    if (change.to === 'up') this.log?.info(fields, 'llm endpoint up');
    else this.log?.warn(fields, `llm endpoint ${change.to}`);
    if (change.to !== 'up') {
      // Those waiting in its line go elsewhere now rather than wait out its cooldown.
      endpoint.gate.rejectQueued(new EndpointRestingError(`${change.to}: ${change.reason}`));
      if (change.to === 'down' && change.cooldownUntil !== null) this.prober.due(endpoint, change.cooldownUntil);
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private emit(event: LlmRouterEvent): void {
    for (const o of this.observers) {
      try {
        o(event);
      } catch (error) {
        this.log?.error({ err: error }, 'llm router observer failed');
      }
    }
  }
}

/** The request as `endpoint` is to get it: its name for the model, and no `stream` of the caller's. */
function upstreamBody(request: ChatRequest, endpoint: Endpoint): ChatRequest {
  const { stream: _ignored, ...rest } = request as ChatRequest & { stream?: unknown };
  return { ...rest, model: endpoint.upstreamModel(request.model) };
}

function outcomeOf(error: unknown): RequestOutcome {
  if (error instanceof LlmUnavailableError) return 'unavailable';
  if (error instanceof LlmDeadlineError) return 'deadline';
  if (error instanceof LlmCancelledError) return 'cancelled';
  if (error instanceof LlmRequestRejectedError) return 'rejected';
  if (error instanceof LlmNoRouteError) return 'no-route';
  return 'upstream-error';
}
