import { expect } from 'chai';
import { CompletionBuilder } from '../src/inference/completion-builder.js';

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
  ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'upstream-name', choices, ...extra }) as never;

describe('inference completion builder', () => {
  it('assembles text, reasoning, tool-call fragments, the finish reason and usage into one completion', () => {
    const b = new CompletionBuilder();
    b.add(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    b.add(chunk([{ index: 0, delta: { reasoning_content: 'think' }, finish_reason: null }]));
    b.add(chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]));
    b.add(chunk([{ index: 0, delta: { content: 'lo', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":' } }] }, finish_reason: null }]));
    b.add(chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"moe"}' } }] }, finish_reason: 'tool_calls', stop_reason: null }]));
    expect(b.finished).to.equal(true);
    b.add(chunk([], { usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } }));
    const c = b.build('m');
    expect(c).to.deep.include({ id: 'chatcmpl-1', object: 'chat.completion', created: 1700000000, model: 'm', usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } });
    expect(c.choices).to.deep.equal([{
      index: 0,
      finish_reason: 'tool_calls',
      logprobs: null,
      message: { role: 'assistant', content: 'Hello', refusal: null, reasoning_content: 'think', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search', arguments: '{"q":"moe"}' } }] },
    }]);
  });

  it('is not finished until every choice has its finish reason', () => {
    const b = new CompletionBuilder();
    b.add(chunk([{ index: 0, delta: { content: 'a' }, finish_reason: 'stop' }, { index: 1, delta: { content: 'b' }, finish_reason: null }]));
    expect(b.finished).to.equal(false);
    b.add(chunk([{ index: 1, delta: {}, finish_reason: 'length' }]));
    expect(b.finished).to.equal(true);
    expect(b.build('m').choices.map((c) => [c.message.content, c.finish_reason])).to.deep.equal([['a', 'stop'], ['b', 'length']]);
  });
});
