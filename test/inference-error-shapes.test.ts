import { expect } from 'chai';
import { carriesToken, chunkError } from '../src/inference/chunks.js';
import { parseErrorText, readErrorBody } from '../src/inference/error-shapes.js';
import { retryAfterMs } from '../src/inference/retry-after.js';

const headers = (h: Record<string, string>) => new Headers(h);
const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  ({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] }) as never;

describe('inference error shapes', () => {
  it("reads vLLM's flat error, OpenAI's and Ollama's nested one, vLLM's nested stream error and Ollama's native string", () => {
    expect(readErrorBody({ object: 'error', message: 'The model `x` does not exist.', type: 'NotFoundError', param: null, code: 404 }))
      .to.deep.equal({ message: 'The model `x` does not exist.', type: 'NotFoundError', code: 404 });
    expect(readErrorBody({ error: { message: 'server busy, please try again.  maximum pending requests exceeded', type: 'api_error', param: null, code: null } }))
      .to.deep.equal({ message: 'server busy, please try again.  maximum pending requests exceeded', type: 'api_error' });
    expect(readErrorBody({ error: { object: 'error', message: 'CUDA error', type: 'InternalServerError', code: 500 } })).to.deep.equal({ message: 'CUDA error', type: 'InternalServerError', code: 500 });
    expect(readErrorBody({ error: 'model "llama9" not found, try pulling it first' })).to.deep.equal({ message: 'model "llama9" not found, try pulling it first' });
    expect(readErrorBody({ id: 'x', choices: [] })).to.equal(undefined);
    expect(readErrorBody('error')).to.equal(undefined);
  });

  it('keeps the text of a body that is not JSON, and says so when there is none', () => {
    expect(parseErrorText('<html><body>\n  502 Bad Gateway\n</body></html>', 502).message).to.equal('<html><body> 502 Bad Gateway </body></html>');
    expect(parseErrorText('', 503).message).to.equal('HTTP 503 with no body');
  });

  it('finds an error inside a stream chunk of either shape, and tells tokens from openers', () => {
    expect(chunkError({ object: 'error', message: 'boom', type: 'InternalServerError', code: 500 })).to.deep.include({ message: 'boom' });
    expect(chunkError({ error: { message: 'boom' } })).to.deep.include({ message: 'boom' });
    expect(chunkError(chunk({ content: 'hi' }))).to.equal(undefined);
    expect(carriesToken(chunk({ role: 'assistant', content: '' }))).to.equal(false);
    expect(carriesToken(chunk({ content: 'hi' }))).to.equal(true);
    expect(carriesToken(chunk({ reasoning_content: 'hmm' }))).to.equal(true);
    expect(carriesToken(chunk({ tool_calls: [{ index: 0, function: { name: 'f' } }] }))).to.equal(true);
    expect(carriesToken(chunk({ content: '' }, 'stop'))).to.equal(true);
  });

  it('reads Retry-After as seconds or an HTTP date, and retry-after-ms first', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': '7' }), now)).to.equal(7_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 01 Jan 2025 00:01:30 GMT' }), now)).to.equal(90_000);
    expect(retryAfterMs(headers({ 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }), now)).to.equal(0);
    expect(retryAfterMs(headers({ 'retry-after': '7', 'retry-after-ms': '250' }), now)).to.equal(250);
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }), now)).to.equal(undefined);
    expect(retryAfterMs(headers({}), now)).to.equal(undefined);
  });
});
