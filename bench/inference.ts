/**
 * The inference router's overhead: requests per second and latency through `LlmRouter` vs the
 * same openai client (openai over an undici pool, retries off, built as the router's upstream is)
 * calling a fake vLLM directly, in the same run, variants measured in turn each round, 64 requests
 * in flight. The fake runs in a child process, as a real upstream would, so the ratios price the
 * router against the client alone. Prints req/s (medians over rounds), CPU per request in this
 * process, p50/p99 latency, and router/direct ratios of both (goal ≥ 0.9) for streamed chat,
 * whole-answer chat (asked as JSON and as a stream, each against the same call made directly)
 * and embeddings. Bounded: --requests per variant and round, and --max-seconds for the whole run.
 * Run: npm run bench:inference [-- --requests 3000 --rounds 3 --concurrency 64 --words 32]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { CompletionBuilder } from '../src/inference/completion-builder.js';
import { LlmConfigSchema, LlmRouter, type LlmConfig } from '../src/inference/index.js';
import { FakeLlmServer } from '../test/support/fake-llm-server.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};

if (args.includes('--serve')) {
  const fake = await FakeLlmServer.start({ flavor: 'vllm', name: 'bench', embeddingDims: 384 });
  console.log(fake.baseUrl);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  await main();
}

async function main(): Promise<void> {
  const requests = arg('requests', 3000);
  const rounds = arg('rounds', 3);
  const concurrency = arg('concurrency', 64);
  const words = arg('words', 32);
  // Nothing here may run longer than this, whatever the arguments say.
  const stopAt = Date.now() + arg('max-seconds', 240) * 1000;

  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`fake server exited (${code})`)));
  });

  const config = Value.Default(LlmConfigSchema, {
    endpoints: [{ name: 'bench', baseUrl, kind: 'vllm', role: ['chat', 'embeddings'], concurrency }],
    probe: { intervalMs: 0 },
  }) as LlmConfig;
  const router = LlmRouter.fromConfig(config);
  // The same endpoint asked for whole answers as streams, as `wholeAnswers: 'stream'` does.
  const streamingRouter = LlmRouter.fromConfig({ ...config, defaults: { ...config.defaults, wholeAnswers: 'stream' } });
  const agent = new Agent({ connect: { timeout: 2_000 } });
  const direct = new OpenAI({
    baseURL: baseUrl, apiKey: 'none', organization: null, project: null, maxRetries: 0, logLevel: 'off',
    fetch: ((input: string, init?: RequestInit) => undiciFetch(input, { ...(init as object), dispatcher: agent })) as unknown as typeof fetch,
  });

  const prompt = Array.from({ length: words }, (_, i) => `word${i}`).join(' ');
  const messages = [{ role: 'user' as const, content: prompt }];
  const inputs = Array.from({ length: 8 }, (_, i) => `${prompt} ${i}`);

  type Run = () => Promise<unknown>;
  const drain = async (stream: AsyncIterable<unknown>) => {
    let n = 0;
    for await (const _ of stream) n++;
    if (n === 0) throw new Error('empty stream');
  };
  const assemble = async (stream: AsyncIterable<ChatCompletionChunk>) => {
    const builder = new CompletionBuilder();
    for await (const chunk of stream) builder.add(chunk);
    return builder.build('m');
  };
  interface Case {
    readonly name: string;
    /** Label → call; measured in turn, each round. */
    readonly variants: Record<string, Run>;
    readonly ratios: readonly (readonly [string, string, string])[];
  }
  const cases: Case[] = [
    {
      name: 'chat, streamed',
      variants: {
        'direct (openai client)': async () => drain(await direct.chat.completions.create({ model: 'm', messages, stream: true })),
        'through the router': async () => drain(await router.chatStream({ model: 'm', messages })),
      },
      ratios: [['through the router', 'direct (openai client)', 'goal ≥ 0.9']],
    },
    {
      // `wholeAnswers: 'json'` (the default) asks for a plain JSON answer; 'stream' asks for a
      // stream (so time to first token guards it) and assembles it. Each is set against the same
      // request made directly; the last ratio is the price of choosing 'stream'.
      name: 'chat, whole answer',
      variants: {
        'direct, JSON': () => direct.chat.completions.create({ model: 'm', messages }),
        'router, JSON': () => router.chat({ model: 'm', messages }),
        'direct, streamed + assembled': async () => assemble(await direct.chat.completions.create({ model: 'm', messages, stream: true, stream_options: { include_usage: true } })),
        'router, streamed + assembled': () => streamingRouter.chat({ model: 'm', messages }),
      },
      ratios: [
        ['router, JSON', 'direct, JSON', "goal ≥ 0.9: wholeAnswers 'json'"],
        ['router, streamed + assembled', 'direct, streamed + assembled', "goal ≥ 0.9: wholeAnswers 'stream'"],
        ['router, streamed + assembled', 'direct, JSON', "wholeAnswers 'stream' against a direct JSON answer"],
      ],
    },
    {
      name: 'embeddings, 8 inputs',
      variants: {
        'direct (openai client)': () => direct.embeddings.create({ model: 'm', input: inputs, encoding_format: 'float' }),
        'through the router': () => router.embed({ model: 'm', input: inputs }),
      },
      ratios: [['through the router', 'direct (openai client)', 'goal ≥ 0.9']],
    },
  ];

  /** `requests` calls, `concurrency` at a time; throughput and per-call latencies. */
  async function measure(run: Run): Promise<{ rps: number; cpuUs: number; latencies: number[] }> {
    const latencies: number[] = [];
    let next = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < requests && Date.now() < stopAt) {
        next++;
        const t = performance.now();
        await run();
        latencies.push(performance.now() - t);
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { rps: latencies.length / seconds, cpuUs: (cpu.user + cpu.system) / latencies.length, latencies };
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  };
  const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;
  console.log(`requests per variant and round: ${requests}, rounds: ${rounds}, in flight: ${concurrency}, prompt: ${words} words (~${words + 3} streamed chunks)`);
  try {
    for (const c of cases) {
      const labels = Object.keys(c.variants);
      for (const l of labels) await measure(c.variants[l]!); // warm-up: JIT, connection pools
      const seen = new Map(labels.map((l) => [l, { rps: [] as number[], cpu: [] as number[], lat: [] as number[] }]));
      for (let i = 0; i < rounds && Date.now() < stopAt; i++) {
        for (const l of labels) {
          const m = await measure(c.variants[l]!);
          seen.get(l)!.rps.push(m.rps);
          seen.get(l)!.cpu.push(m.cpuUs);
          seen.get(l)!.lat.push(...m.latencies);
        }
      }
      console.log(`\n${c.name}`);
      for (const [l, v] of seen) {
        console.log(`  ${(l + ':').padEnd(30)} ${String(Math.round(median(v.rps))).padStart(5)} req/s   ${String(Math.round(median(v.cpu))).padStart(5)} µs CPU/req   p50 ${ms(pct(v.lat, 50))}   p99 ${ms(pct(v.lat, 99))}`);
      }
      // CPU per request in this process is the steadier figure when other work shares the machine.
      for (const [a, b, note] of c.ratios) {
        const rps = median(seen.get(a)!.rps) / median(seen.get(b)!.rps);
        const cpu = median(seen.get(b)!.cpu) / median(seen.get(a)!.cpu);
        console.log(`  ${a} / ${b}: throughput ${rps.toFixed(3)}, CPU efficiency ${cpu.toFixed(3)}  (${note})`);
      }
    }
    const failed = router.snapshot().endpoints[0]!.errors + streamingRouter.snapshot().endpoints[0]!.errors;
    if (failed > 0) console.log(`\nwarning: ${failed} routed attempts failed; the figures above are not clean`);
  } finally {
    await router.stop();
    await streamingRouter.stop();
    await agent.close();
    child.stdin!.end();
    child.kill();
  }
}
