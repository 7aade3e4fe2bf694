import { EmbeddingsMismatchError, PaperdError } from '../errors.js';
import type { LlmRouter } from '../inference/router.js';
import type { EmbedOptions, Embedder } from './embedder.js';

/**
 * Whether an error says the embeddings endpoint cannot answer now (down, busy, past its deadline,
 * misconfigured, answering vectors of the wrong shape): callers wait or do without vectors,
 * rather than crash.
 */
export function embedderCannotAnswer(error: unknown): error is PaperdError {
  return error instanceof PaperdError && (error.code.startsWith('PAPERD_LLM_') || error instanceof EmbeddingsMismatchError);
}

// Servers cap a request's inputs (vLLM by its batch, OpenAI at 2,048); this stays well under.
const MAX_INPUTS = 128;

/**
 * Vectors from an OpenAI-compatible `/v1/embeddings` (vLLM, Ollama, any other) through the router:
 * failover, cooldowns, online queries before offline syncs. Its name says the model and size, so
 * its vectors are never compared with another model's.
 */
export class RemoteEmbedder implements Embedder {
  readonly name: string;

  constructor(
    private readonly router: LlmRouter,
    readonly model: string,
    readonly dimensions: number,
  ) {
    this.name = `openai:${model}@${dimensions}`;
  }

  /** @throws the router's errors (LlmUnavailableError, …) and EmbeddingsMismatchError for an answer of the wrong shape */
  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += MAX_INPUTS) {
      const input = texts.slice(i, i + MAX_INPUTS).map((t) => (t.length > 0 ? t : ' '));
      const response = await this.router.embed({ model: this.model, input }, { priority: options.priority ?? 'offline' });
      const data = [...response.data].sort((a, b) => a.index - b.index);
      if (data.length !== input.length) throw new EmbeddingsMismatchError(this.model, `${data.length} vectors for ${input.length} inputs`);
      for (const item of data) {
        if (item.embedding.length !== this.dimensions) {
          throw new EmbeddingsMismatchError(this.model, `vectors of ${item.embedding.length} dimensions; embeddings.dimensions says ${this.dimensions}`);
        }
        out.push(Float32Array.from(item.embedding));
      }
    }
    return out;
  }
}
