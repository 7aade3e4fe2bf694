import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { freePort } from './free-port.js';

/** Whose protocol the fake speaks: vLLM's OpenAI server, or Ollama's OpenAI-compatible layer. */
export type FakeFlavor = 'vllm' | 'ollama';

/** What the fake does with the next requests, until told otherwise. */
export type FakeMode =
  | { readonly type: 'ok' }
  /** Headers at once, then nothing until `delayMs` (vLLM with a deep queue). */
  | { readonly type: 'slow-first-token'; readonly delayMs: number }
  /** 503: Ollama's "server busy" past its queue; vLLM's ServiceUnavailableError. */
  | { readonly type: 'busy' }
  | { readonly type: 'rate-limited'; readonly retryAfter: string }
  /** A 200 stream with `afterChunks` tokens, then an error event (`nested` `{error:{…}}`, or vLLM's `flat` `{object:'error',…}`). */
  | { readonly type: 'error-in-stream'; readonly afterChunks: number; readonly shape?: 'nested' | 'flat'; readonly message?: string }
  | { readonly type: 'http-error'; readonly status: number; readonly message: string }
  /** 200 with a body cut mid-JSON. */
  | { readonly type: 'malformed' }
  /** vLLM whose engine died: /health 503, every request 500. */
  | { readonly type: 'engine-dead' }
  /** Requests wait until `release()` (or until their client leaves). */
  | { readonly type: 'hold' }
  /** A stream sends its first `afterChunks` tokens, then holds the rest until `release()` (or until its client leaves). */
  | { readonly type: 'hold-mid-stream'; readonly afterChunks: number };

/** One request as the fake saw it arrive. */
export interface ArrivedLlmRequest {
  readonly method: string;
  readonly path: string;
  readonly model?: string;
  readonly stream?: boolean;
  /** The last user message's text, or the embedding inputs joined by `|`. */
  readonly prompt?: string;
}

export interface FakeLlmOptions {
  readonly flavor: FakeFlavor;
  readonly name: string;
  /** Models it has; any model is served when absent. */
  readonly models?: readonly string[];
  readonly embeddingDims?: number;
  /** Ollama's OLLAMA_MAX_QUEUE, roughly: past this many requests at once, 503 busy. */
  readonly maxPending?: number;
  /** Pause between streamed tokens. */
  readonly tokenDelayMs?: number;
  readonly contextLength?: number;
  /** What it answers a chat with (streamed a word at a time); `fakeReply(name, prompt)` when absent. */
  readonly reply?: (prompt: string, body: Record<string, unknown>) => string;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A deterministic unit vector for `text` (from its SHA-256), so tests can assert embeddings exactly. */
export function fakeEmbedding(text: string, dims = 8): number[] {
  const bytes: number[] = [];
  for (let i = 0; bytes.length < dims; i++) bytes.push(...createHash('sha256').update(`${i}:${text}`).digest());
  const raw = bytes.slice(0, dims).map((b) => b / 127.5 - 1);
  const norm = Math.hypot(...raw) || 1;
  // Rounded through float32: what a base64 answer can carry, so both encodings compare equal.
  return Array.from(new Float32Array(raw.map((x) => x / norm)));
}

/** The reply a fake gives to `prompt`: its name, then the prompt, so tests see who answered what. */
export function fakeReply(name: string, prompt: string): string {
  return `${name} heard: ${prompt}`;
}

/**
 * A local vLLM or Ollama on 127.0.0.1 speaking its real wire protocol: health (`/health` or `/`),
 * `/v1/models`, `/v1/chat/completions` (JSON, or SSE chunks then `data: [DONE]`), `/v1/embeddings`
 * (float or base64), each with its own error shape. Failure modes are set with `set`; `stop` closes
 * the port (connection refused) and `start` opens it again on the same port.
 * @internal for tests and benchmarks
 */
export class FakeLlmServer {
  readonly requests: ArrivedLlmRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private mode: FakeMode = { type: 'ok' };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private held: (() => void)[] = [];
  private port = 0;

  private constructor(readonly options: FakeLlmOptions) {}

  static async start(options: FakeLlmOptions): Promise<FakeLlmServer> {
    const fake = new FakeLlmServer(options);
    await fake.start();
    return fake;
  }

  get name(): string {
    return this.options.name;
  }

  /** The server's root, where vLLM and Ollama answer health checks. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The OpenAI base URL. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  set(mode: FakeMode): void {
    this.mode = mode;
  }

  /** Lets every held request go on (in the mode set now). */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const go of held) go();
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Opens the port (the same one as before, after a `stop`). */
  async start(): Promise<void> {
    if (this.server) return;
    // Reopened after a `stop`, the port must be one the kernel never hands out to outgoing connections.
    if (this.port === 0) this.port = await freePort();
    const server = createServer((req, res) => void this.handle(req, res).catch(() => res.destroy()));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Closes the port and every connection: clients get connection refused. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    this.release();
    await closed;
  }

  close(): Promise<void> {
    return this.stop();
  }

  private errorBody(status: number, message: string, type: string): Record<string, unknown> {
    return this.options.flavor === 'vllm'
      ? { object: 'error', message, type, param: null, code: status }
      : { error: { message, type: 'api_error', param: null, code: null } };
  }

  private sendError(res: ServerResponse, status: number, message: string, type: string, headers: Record<string, string> = {}): void {
    const body = JSON.stringify(this.errorBody(status, message, type));
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers }).end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const flavor = this.options.flavor;
    if (req.method === 'GET' && ((flavor === 'vllm' && path === '/health') || (flavor === 'ollama' && path === '/'))) {
      this.requests.push({ method: 'GET', path });
      if (this.mode.type === 'engine-dead') return void res.writeHead(flavor === 'vllm' ? 503 : 500, { 'content-length': 0 }).end();
      if (flavor === 'vllm') return void res.writeHead(200, { 'content-length': 0 }).end();
      return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('Ollama is running');
    }
    if (req.method === 'GET' && path === '/v1/models') {
      this.requests.push({ method: 'GET', path });
      const created = Math.floor(Date.now() / 1000);
      const data = (this.options.models ?? ['any']).map((id) => (flavor === 'vllm' ? { id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: this.options.contextLength ?? 4096 } : { id, object: 'model', created, owned_by: 'library' }));
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data }));
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/v1/embeddings')) {
      return this.sendError(res, 404, flavor === 'vllm' ? 'Not Found' : '404 page not found', 'NotFoundError');
    }

    let raw = '';
    for await (const chunk of req) raw += String(chunk);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return this.sendError(res, 400, 'Invalid JSON body', 'BadRequestError');
    }
    const chat = path === '/v1/chat/completions';
    const model = String(body.model ?? '');
    const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
    const prompt = chat ? String([...messages].reverse().find((m) => m.role === 'user')?.content ?? '') : [body.input].flat().join('|');
    this.requests.push({ method: 'POST', path, model, stream: body.stream === true, prompt });

    let gone = false;
    res.once('close', () => (gone = true));
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.options.maxPending !== undefined && this.inFlight > this.options.maxPending) return this.busy(res);
      if (this.mode.type === 'hold') {
        await new Promise<void>((go) => {
          this.held.push(go);
          res.once('close', go);
        });
        if (gone) return;
      }
      const mode = this.mode;
      switch (mode.type) {
        case 'busy':
          return this.busy(res);
        case 'rate-limited':
          return this.sendError(res, 429, 'Too many requests; slow down', 'RateLimitError', { 'retry-after': mode.retryAfter });
        case 'http-error':
          return this.sendError(res, mode.status, mode.message, 'InternalServerError');
        case 'engine-dead':
          return this.sendError(res, 500, 'EngineCore encountered an issue. See stack trace (above) for the root cause.', 'InternalServerError');
        case 'malformed':
          return void res.writeHead(200, { 'content-type': chat && body.stream ? 'text/event-stream; charset=utf-8' : 'application/json' })
            .end(chat && body.stream ? 'data: {"id":"chatcmpl-x","object":"chat.completion.chunk","choi\n\n' : '{"id":"x","object":"list","data":[{"embedd');
        case 'ok':
        case 'hold':
        case 'hold-mid-stream':
        case 'slow-first-token':
        case 'error-in-stream':
          break;
      }
      if (this.options.models && !this.options.models.includes(model)) {
        return this.sendError(res, 404, flavor === 'vllm' ? `The model \`${model}\` does not exist.` : `model "${model}" not found, try pulling it first`, 'NotFoundError');
      }
      const maxTokens = Number(body.max_tokens ?? body.max_completion_tokens ?? 0);
      const context = this.options.contextLength ?? 4096;
      if (maxTokens > context) {
        return this.sendError(res, 400, `This model's maximum context length is ${context} tokens. However, you requested ${maxTokens} tokens in the messages, Please reduce the length of the messages or completion.`, 'BadRequestError');
      }
      if (!chat) return this.embeddings(res, body, model);
      if (mode.type === 'slow-first-token') {
        if (body.stream === true) res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
        await sleep(mode.delayMs);
        if (gone) return;
      }
      if (mode.type === 'error-in-stream' && body.stream !== true) return this.sendError(res, 500, mode.message ?? 'CUDA error: an illegal memory access was encountered', 'InternalServerError');
      const text = this.options.reply ? this.options.reply(prompt, body) : fakeReply(this.name, prompt);
      const tokens = text.match(/\s*\S+/g) ?? [];
      const limited = maxTokens > 0 ? tokens.slice(0, maxTokens) : tokens;
      const finish = limited.length < tokens.length ? 'length' : 'stop';
      if (body.stream === true) return await this.stream(res, body, model, limited, finish, mode, () => gone);
      return this.completion(res, model, limited.join(''), finish, messages);
    } finally {
      this.inFlight--;
    }
  }

  private busy(res: ServerResponse): void {
    if (this.options.flavor === 'ollama') return this.sendError(res, 503, 'server busy, please try again.  maximum pending requests exceeded', 'api_error');
    this.sendError(res, 503, 'The server is temporarily unable to service the request', 'ServiceUnavailableError');
  }

  private id(prefix: string): string {
    return this.options.flavor === 'vllm' ? `${prefix}-${randomBytes(16).toString('hex')}` : `${prefix}-${Math.floor(Math.random() * 1000)}`;
  }

  private usage(promptText: string, completion: number) {
    const prompt = Math.max(1, promptText.split(/\s+/).filter(Boolean).length);
    return { prompt_tokens: prompt, total_tokens: prompt + completion, completion_tokens: completion };
  }

  private completion(res: ServerResponse, model: string, content: string, finish: string, messages: { content: unknown }[]): void {
    const vllm = this.options.flavor === 'vllm';
    const message = vllm ? { role: 'assistant', reasoning_content: null, content, tool_calls: [] } : { role: 'assistant', content };
    const body = {
      id: this.id('chatcmpl'), object: 'chat.completion', created: Math.floor(Date.now() / 1000), model,
      ...(vllm ? {} : { system_fingerprint: 'fp_ollama' }),
      choices: [{ index: 0, message, ...(vllm ? { logprobs: null } : {}), finish_reason: finish, ...(vllm ? { stop_reason: null } : {}) }],
      usage: this.usage(messages.map((m) => String(m.content)).join(' '), content.split(/\s+/).filter(Boolean).length),
      ...(vllm ? { prompt_logprobs: null } : {}),
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private async stream(res: ServerResponse, body: Record<string, unknown>, model: string, tokens: string[], finish: string, mode: FakeMode, gone: () => boolean): Promise<void> {
    const vllm = this.options.flavor === 'vllm';
    const id = this.id('chatcmpl');
    const created = Math.floor(Date.now() / 1000);
    if (!res.headersSent) res.writeHead(200, vllm ? { 'content-type': 'text/event-stream; charset=utf-8' } : { 'content-type': 'text/event-stream' });
    const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
    const chunk = (delta: Record<string, unknown>, finishReason: string | null) => ({
      id, object: 'chat.completion.chunk', created, model, ...(vllm ? {} : { system_fingerprint: 'fp_ollama' }),
      choices: [{ index: 0, delta, ...(vllm ? { logprobs: null } : {}), finish_reason: finishReason, ...(vllm && finishReason ? { stop_reason: null } : {}) }],
    });
    // vLLM opens with a role-only chunk; Ollama repeats the role in every delta.
    if (vllm) send(chunk({ role: 'assistant', content: '' }, null));
    const failAfter = mode.type === 'error-in-stream' ? mode.afterChunks : Infinity;
    for (let i = 0; i < tokens.length; i++) {
      if (gone()) return;
      if (i === failAfter && mode.type === 'error-in-stream') {
        const body = this.errorBody(500, mode.message ?? 'CUDA error: an illegal memory access was encountered', 'InternalServerError');
        // vLLM wraps its flat error object as `error` inside streams (older versions sent it bare:
        // `shape: 'flat'`); Ollama's error body is already `{error:{…}}`.
        send(vllm && mode.shape !== 'flat' ? { error: body } : body);
        res.end('data: [DONE]\n\n');
        return;
      }
      if (mode.type === 'hold-mid-stream' && i === mode.afterChunks) {
        await new Promise<void>((go) => {
          this.held.push(go);
          res.once('close', go);
        });
        if (gone()) return;
      }
      send(chunk(vllm ? { content: tokens[i] } : { role: 'assistant', content: tokens[i] }, null));
      if (this.options.tokenDelayMs) await sleep(this.options.tokenDelayMs);
    }
    send(chunk(vllm ? { content: '' } : { role: 'assistant', content: '' }, finish));
    if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
      send({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: this.usage('', tokens.length) });
    }
    res.end('data: [DONE]\n\n');
  }

  private embeddings(res: ServerResponse, body: Record<string, unknown>, model: string): void {
    const inputs = [body.input].flat().map(String);
    const base64 = body.encoding_format === 'base64';
    const dims = this.options.embeddingDims ?? 8;
    const data = inputs.map((text, index) => {
      const v = fakeEmbedding(text, dims);
      return { index, object: 'embedding', embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v };
    });
    const usage = this.usage(inputs.join(' '), 0);
    const out = this.options.flavor === 'vllm'
      ? { id: this.id('embd'), object: 'list', created: Math.floor(Date.now() / 1000), model, data, usage }
      : { object: 'list', data, model, usage: { prompt_tokens: usage.prompt_tokens, total_tokens: usage.total_tokens } };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
  }
}
