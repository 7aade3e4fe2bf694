import { expect } from 'chai';
import fs from 'node:fs';
import { FakeLlmServer } from './support/fake-llm-server.js';
import { apiKey, spawnNode, withKey, type NodeProcess } from './support/node-process.js';
import { sandboxContainersOf, sandboxDataDir, sandboxUnavailableReason } from './support/sandbox-fixtures.js';

const BROKEN = '```python\nimport paperd\nprint(len(paperd.papers())) + undefined_name\n```';
const FIXED = 'Here it is:\n```python\nimport paperd\ndf = paperd.papers()\nprint(int(df.title.str.contains("LoRA").sum()))\n```';

interface AskBody {
  ok: boolean;
  answer: string;
  code: string;
  model: string;
  run?: { id: string; exitCode: number; askId: string };
  attempts: { runId?: string; exitCode?: number | null; problem?: string }[];
}

describe('sandbox ask: the LLM writes the program, failures go back to it (real Docker engine)', function () {
  this.timeout(180_000);
  let node: NodeProcess | undefined;
  let fake: FakeLlmServer | undefined;
  let dataDir: string;
  let url: string;
  let key: string;
  const bodies: { messages: { role: string; content: string }[] }[] = [];

  before(async function () {
    const reason = await sandboxUnavailableReason();
    if (reason) {
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    // Broken code first; once told that it failed, fixed code (unless the question wants it broken for good).
    fake = await FakeLlmServer.start({
      flavor: 'vllm',
      name: 'gpu',
      reply: (prompt, body) => {
        bodies.push(body as (typeof bodies)[number]);
        const question = ((body as (typeof bodies)[number]).messages[1]?.content ?? '');
        if (question.includes('never works')) return BROKEN;
        return prompt.includes('The program failed') ? FIXED : BROKEN;
      },
    });
    dataDir = await sandboxDataDir(30);
    key = apiKey(dataDir, ['sandbox']);
    node = spawnNode({
      dataDir,
      env: {
        PAPERD_ENRICHMENT_ENABLED: 'false',
        PAPERD_LLM_ENDPOINTS: JSON.stringify([{ name: 'gpu', kind: 'vllm', baseUrl: fake.baseUrl, models: ['coder-7b'], role: ['chat'], timeouts: { firstTokenMs: 10_000, totalMs: 20_000 } }]),
      },
    });
    url = await node.url;
  });

  after(async () => {
    if (node) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    await fake?.close();
    if (dataDir) {
      expect(sandboxContainersOf(dataDir), 'containers left behind').to.deep.equal([]);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const ask = async (question: string) => {
    const res = await fetch(`${url}/v1/sandbox/ask`, { method: 'POST', headers: withKey(key), body: JSON.stringify({ question }) });
    expect(res.status, await res.clone().text()).to.equal(200);
    return (await res.json()) as AskBody;
  };

  it('repairs a failing program with its error and answers with the program that worked', async () => {
    bodies.length = 0;
    const answer = await ask('How many papers are about LoRA?');
    expect(answer.ok).to.equal(true);
    expect(answer.answer).to.equal('10\n');
    expect(answer.code).to.equal('import paperd\ndf = paperd.papers()\nprint(int(df.title.str.contains("LoRA").sum()))');
    expect(answer.model).to.equal('coder-7b');
    expect(answer.attempts).to.have.length(2);
    expect(answer.attempts[0]!.exitCode).to.equal(1);
    expect(answer.attempts[0]!.problem).to.equal('it exited with code 1');
    expect(answer.attempts[1]!.exitCode).to.equal(0);
    // The model saw the schema, then the failing program's error.
    expect(bodies).to.have.length(2);
    expect(bodies[0]!.messages[0]!.content).to.include('CREATE TABLE papers');
    expect(bodies[1]!.messages.at(-1)!.content).to.match(/NameError: name 'undefined_name' is not defined/);
    // Each attempt is a kept run of the same ask.
    const first = (await (await fetch(`${url}/v1/sandbox/runs/${answer.attempts[0]!.runId}`, { headers: withKey(key, false) })).json()) as { askId: string; stderr: string };
    expect(first.askId).to.equal(answer.run!.askId);
    expect(first.stderr).to.match(/NameError/);
  });

  it('gives up after the configured repairs and says it did not answer', async () => {
    bodies.length = 0;
    const answer = await ask('A question whose program never works');
    expect(answer.ok).to.equal(false);
    // One program and two repairs (sandbox.ask.maxRepairs defaults to 2).
    expect(answer.attempts).to.have.length(3);
    expect(answer.attempts.every((a) => a.exitCode === 1)).to.equal(true);
    expect(bodies).to.have.length(3);
  });
});
