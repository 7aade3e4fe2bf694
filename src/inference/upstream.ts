import OpenAI, { APIConnectionError } from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse, EmbeddingCreateParams } from 'openai/resources/embeddings';
import { Agent, fetch as undiciFetch } from 'undici';
import type { EndpointSettings } from './config.js';
import { parseErrorText } from './error-shapes.js';
import { classifyError, type AttemptFailure } from './failure.js';

export type ProbeResult = { readonly ok: true } | { readonly ok: false; readonly failure: AttemptFailure };

/** One endpoint's wire: what the router asks of it. Injected, so the router can be driven without HTTP. */
export interface Upstream {
  /** A whole chat completion as one JSON body (`stream: false`); resolves once all of it is in. */
  chat(body: ChatCompletionCreateParamsNonStreaming, signal: AbortSignal): Promise<ChatCompletion>;
  /** Opens a streamed chat completion; resolves once the response headers are in. */
  chatStream(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>>;
  embed(body: EmbeddingCreateParams, signal: AbortSignal): Promise<CreateEmbeddingResponse>;
  /** The kind's health check: vLLM `GET /health`, Ollama `GET /`, others `GET <baseUrl>/models`. */
  probe(signal: AbortSignal): Promise<ProbeResult>;
  close(): Promise<void>;
}

const MAX_ERROR_BODY = 64 * 1024;

/**
 * An error body rewritten into the `{error:{message,type,code}}` shape the openai client reads, so
 * vLLM's flat `{object:'error',…}` keeps its message; status and Retry-After are kept.
 */
async function normalizedError(response: Response): Promise<Response> {
  let raw = '';
  try {
    const reader = response.body?.getReader();
    const decoder = new TextDecoder();
    while (reader && raw.length < MAX_ERROR_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      raw += decoder.decode(value, { stream: true });
    }
    await reader?.cancel().catch(() => undefined);
  } catch {
    // A body cut short still leaves its status and headers to go on.
  }
  const headers = new Headers({ 'content-type': 'application/json' });
  for (const name of ['retry-after', 'retry-after-ms', 'x-request-id']) {
    const v = response.headers.get(name);
    if (v !== null) headers.set(name, v);
  }
  return new Response(JSON.stringify({ error: parseErrorText(raw, response.status) }), { status: response.status, headers });
}

/** The openai client over undici, one connection pool per endpoint, its own retries off. */
export class OpenAiUpstream implements Upstream {
  private readonly agent: Agent;
  private readonly client: OpenAI;
  private readonly fetch: typeof globalThis.fetch;

  constructor(private readonly endpoint: EndpointSettings) {
    const t = endpoint.timeouts;
    this.agent = new Agent({ connect: { timeout: t.connectMs }, headersTimeout: t.totalMs, bodyTimeout: t.totalMs });
    const plain = ((input: string | URL, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: this.agent })) as unknown as typeof globalThis.fetch;
    this.fetch = plain;
    this.client = new OpenAI({
      baseURL: endpoint.baseUrl,
      // vLLM and Ollama run without keys; the client insists on one, and must not read OPENAI_API_KEY.
      apiKey: endpoint.apiKey ?? 'none',
      organization: null,
      project: null,
      // The router is the only retry loop, and it owns the clock: its own timers abort attempts.
      maxRetries: 0,
      timeout: t.totalMs + 1_000,
      logLevel: 'off',
      fetch: async (input, init) => {
        const response = await plain(input as string, init);
        return response.ok ? response : normalizedError(response);
      },
    });
  }

  async chat(body: ChatCompletionCreateParamsNonStreaming, signal: AbortSignal): Promise<ChatCompletion> {
    return this.client.chat.completions.create(body, { signal });
  }

  async chatStream(body: ChatCompletionCreateParamsStreaming, signal: AbortSignal): Promise<AsyncIterable<ChatCompletionChunk>> {
    return this.client.chat.completions.create(body, { signal });
  }

  async embed(body: EmbeddingCreateParams, signal: AbortSignal): Promise<CreateEmbeddingResponse> {
    return this.client.embeddings.create(body, { signal });
  }

  async probe(signal: AbortSignal): Promise<ProbeResult> {
    const e = this.endpoint;
    const url = e.kind === 'vllm' ? `${e.rootUrl}/health` : e.kind === 'ollama' ? `${e.rootUrl}/` : `${e.baseUrl}/models`;
    let response: Response;
    try {
      response = await this.fetch(url, { signal, headers: e.apiKey ? { authorization: `Bearer ${e.apiKey}` } : {} });
    } catch (error) {
      if (signal.aborted) return { ok: false, failure: { type: 'server-error', message: `probe ${url} got no answer in time` } };
      return { ok: false, failure: classifyError(new APIConnectionError({ cause: error as Error }), Date.now()) };
    }
    const text = await response.text().catch(() => '');
    if (response.ok) {
      if (e.kind === 'ollama' && !text.includes('Ollama is running')) {
        return { ok: false, failure: { type: 'malformed', message: `probe ${url}: not Ollama (${JSON.stringify(text.slice(0, 80))})` } };
      }
      return { ok: true };
    }
    const status = response.status;
    const said = parseErrorText(text, status).message;
    if (e.kind === 'vllm' && status === 503) return { ok: false, failure: { type: 'engine-dead', status, message: `probe ${url} answered 503: the engine is dead (${said})` } };
    if (status === 401 || status === 403) return { ok: false, failure: { type: 'unauthorized', status, message: `probe ${url} answered ${status}: ${said}` } };
    return { ok: false, failure: { type: 'server-error', status, message: `probe ${url} answered ${status}: ${said}` } };
  }

  /** Closes the connection pool at once: the router has cancelled what was still running. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }
}
