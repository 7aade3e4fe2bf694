import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';

type Delta = ChatCompletionChunk.Choice['delta'] & Record<string, unknown>;
type ToolCall = { index: number; id?: string; type?: string; function: { name: string; arguments: string } };

interface ChoiceState {
  index: number;
  role: string;
  /** content, refusal, and the text fields some servers add (vLLM's reasoning_content). */
  text: Record<string, string>;
  tools: ToolCall[];
  finish: ChatCompletion.Choice['finish_reason'] | null;
  logprobs: { content: unknown[]; refusal: unknown[] } | null;
  extra: Record<string, unknown>;
}

/**
 * Folds the chunks of a streamed chat completion into the completion a non-streaming call returns:
 * text deltas concatenated, tool-call fragments joined by index, the last finish reason, usage.
 */
export class CompletionBuilder {
  private head: ChatCompletionChunk | undefined;
  private usage: ChatCompletion['usage'];
  private readonly choices = new Map<number, ChoiceState>();

  add(chunk: ChatCompletionChunk): void {
    this.head ??= chunk;
    if (chunk.usage) this.usage = chunk.usage;
    for (const c of chunk.choices ?? []) {
      let s = this.choices.get(c.index);
      if (!s) this.choices.set(c.index, (s = { index: c.index, role: 'assistant', text: {}, tools: [], finish: null, logprobs: null, extra: {} }));
      const delta = (c.delta ?? {}) as Delta;
      for (const [key, value] of Object.entries(delta)) {
        if (key === 'role' && typeof value === 'string') s.role = value;
        else if (key === 'tool_calls' && Array.isArray(value)) this.addTools(s, value);
        else if (typeof value === 'string') s.text[key] = (s.text[key] ?? '') + value;
      }
      if (c.finish_reason) s.finish = c.finish_reason;
      if (c.logprobs) {
        s.logprobs ??= { content: [], refusal: [] };
        s.logprobs.content.push(...(c.logprobs.content ?? []));
        s.logprobs.refusal.push(...(c.logprobs.refusal ?? []));
      }
      for (const [key, value] of Object.entries(c)) {
        if (!['index', 'delta', 'finish_reason', 'logprobs'].includes(key) && value !== null && value !== undefined) s.extra[key] = value;
      }
    }
  }

  private addTools(s: ChoiceState, fragments: unknown[]): void {
    for (const raw of fragments) {
      const f = raw as { index?: number; id?: string; type?: string; function?: { name?: string; arguments?: string } };
      const index = f.index ?? s.tools.length;
      let t = s.tools.find((x) => x.index === index);
      if (!t) s.tools.push((t = { index, function: { name: '', arguments: '' } }));
      if (f.id) t.id = f.id;
      if (f.type) t.type = f.type;
      if (f.function?.name) t.function.name += f.function.name;
      if (f.function?.arguments) t.function.arguments += f.function.arguments;
    }
  }

  /** Whether every choice seen has finished: a stream that ends before that was cut short. */
  get finished(): boolean {
    return this.choices.size > 0 && [...this.choices.values()].every((c) => c.finish !== null);
  }

  build(model: string): ChatCompletion {
    const head = this.head;
    const choices = [...this.choices.values()].sort((a, b) => a.index - b.index).map((s) => {
      const { content, refusal, ...otherText } = s.text;
      const message = {
        role: s.role,
        content: content ?? null,
        refusal: refusal ?? null,
        ...otherText,
        ...(s.tools.length ? { tool_calls: s.tools.map(({ index: _index, ...t }) => ({ ...t, type: t.type ?? 'function' })) } : {}),
      };
      return { index: s.index, message, finish_reason: s.finish ?? 'stop', logprobs: s.logprobs, ...s.extra };
    });
    return {
      id: head?.id ?? '',
      object: 'chat.completion',
      created: head?.created ?? Math.floor(Date.now() / 1000),
      model,
      choices: choices as ChatCompletion['choices'],
      ...(this.usage ? { usage: this.usage } : {}),
      ...(head?.system_fingerprint ? { system_fingerprint: head.system_fingerprint } : {}),
    };
  }
}
