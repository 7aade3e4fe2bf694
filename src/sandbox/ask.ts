import { randomUUID } from 'node:crypto';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { SandboxUnavailableError } from '../errors.js';
import type { LlmRouter } from '../inference/router.js';
import type { SandboxService } from './sandbox-service.js';
import type { StoredRun } from './run-store.js';

/** One program the model wrote for a question, and how it ran. */
export interface AskAttempt {
  readonly runId?: string;
  readonly code?: string;
  readonly exitCode?: number | null;
  readonly timedOut?: boolean;
  /** Why this attempt did not answer (no code in the reply, a failing program). */
  readonly problem?: string;
}

/** The answer to a question: what the last program printed, the program itself, and every attempt. */
export interface AskAnswer {
  readonly askId: string;
  readonly question: string;
  readonly ok: boolean;
  /** The last program's stdout (its answer, when `ok`). */
  readonly answer: string;
  /** The program that produced the answer (or the last one tried). */
  readonly code: string;
  readonly language: 'python';
  readonly model: string;
  readonly run?: StoredRun;
  readonly attempts: readonly AskAttempt[];
}

export interface SandboxAskOptions {
  readonly router: LlmRouter;
  readonly service: SandboxService;
  readonly model: string;
  readonly maxRepairs: number;
  readonly maxTokens: number;
  /** The stores' schema as runs see it. */
  readonly schema: () => string;
}

const TAIL = 4_000;

/** The instructions the model gets: the stores' schema, the helper module, the rules of the sandbox. */
export function askSystemPrompt(schema: string): string {
  return [
    'You answer questions about a corpus of machine learning papers by writing one Python 3 program.',
    'The program runs in a sandbox with no network, as an unprivileged user, with a read-only snapshot of the data.',
    'Available: numpy, pandas, matplotlib (Agg backend), sqlite3, and the module `paperd`:',
    '  paperd.sql(query, params=()) -> pandas.DataFrame   # SQLite, read-only',
    '  paperd.papers() -> DataFrame of papers (published/updated as datetimes, authors/categories as lists)',
    '  paperd.vectors() -> (ids, float32 matrix)           # one embedding per paper',
    '  paperd.save(figure=None, name="chart.png")          # write a chart to /out',
    'Write result files (PNG, SVG, CSV, JSON) only to /out. Print the answer to stdout, briefly.',
    'Reply with exactly one ```python code block containing the whole program, and nothing else.',
    '',
    'The SQLite schema:',
    schema,
  ].join('\n');
}

/** The program in a model's reply: the first fenced block (```python, ```py or bare), else the whole reply if it looks like code. */
export function extractProgram(reply: string): string | undefined {
  const fenced = /```(?:python|py|python3)?[ \t]*\r?\n([\s\S]*?)```/i.exec(reply);
  if (fenced) return fenced[1]!.trim() || undefined;
  const text = reply.trim();
  return /^(import|from|print|#)/m.test(text) ? text : undefined;
}

/**
 * `POST /v1/sandbox/ask`: the LLM router writes a program for the question (with the stores'
 * schema in its prompt), the sandbox runs it, and a failing program goes back to the model with
 * its error, up to `maxRepairs` times. The answer carries the program that produced it.
 */
export class SandboxAsk {
  constructor(private readonly options: SandboxAskOptions) {}

  async ask(question: string, context: { keyId?: string } = {}): Promise<AskAnswer> {
    const { router, service, model } = this.options;
    if (!model) throw new SandboxUnavailableError('no chat model to write the code: set sandbox.ask.model, or list models on a chat endpoint');
    const askId = randomUUID();
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: askSystemPrompt(this.options.schema()) },
      { role: 'user', content: question },
    ];
    const attempts: AskAttempt[] = [];
    let last: { code: string; run: StoredRun } | undefined;
    for (let attempt = 0; attempt <= this.options.maxRepairs; attempt++) {
      const completion = await router.chat({ model, messages, temperature: 0, max_tokens: this.options.maxTokens }, { priority: 'online' });
      const reply = completion.choices[0]?.message?.content ?? '';
      messages.push({ role: 'assistant', content: reply });
      const code = extractProgram(reply);
      if (!code) {
        attempts.push({ problem: 'the reply had no program in a ```python block' });
        messages.push({ role: 'user', content: 'Your reply had no program. Reply with the whole program in one ```python code block.' });
        continue;
      }
      const run = await service.run({ language: 'python', code }, { askId, ...context });
      const result = run.result!;
      last = { code, run };
      const ok = result.exitCode === 0 && !result.timedOut;
      attempts.push({ runId: run.id, code, exitCode: result.exitCode, timedOut: result.timedOut, ...(ok ? {} : { problem: failure(run) }) });
      if (ok) return { askId, question, ok: true, answer: result.stdout, code, language: 'python', model, run, attempts };
      messages.push({
        role: 'user',
        content: `The program failed: ${failure(run)}.\nIts stderr (the end):\n${result.stderr.slice(-TAIL)}\nIts stdout (the end):\n${result.stdout.slice(-TAIL / 4)}\nFix it. Reply with the whole corrected program in one \`\`\`python code block.`,
      });
    }
    return { askId, question, ok: false, answer: last?.run.result?.stdout ?? '', code: last?.code ?? '', language: 'python', model, ...(last ? { run: last.run } : {}), attempts };
  }
}

function failure(run: StoredRun): string {
  const r = run.result!;
  return r.timedOut ? 'it was stopped at the time limit' : `it exited with code ${r.exitCode}`;
}
