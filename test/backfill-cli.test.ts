import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { allIds, firstQuery, pages } from './support/oai-pages.js';
import { runCli, tempDataDir } from './support/node-process.js';

/** A local OAI-PMH repository serving the three pages; page 3 can be held back so a harvest is caught mid-way. */
async function startRepository() {
  const state = { holdThirdPage: true, requests: [] as string[], heldSeen: undefined as (() => void) | undefined };
  const routes: Record<string, string> = {
    [firstQuery]: pages.first,
    'verb=ListRecords&resumptionToken=tok1': pages.second,
    'verb=ListRecords&resumptionToken=tok2': pages.third,
  };
  const server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').search.slice(1);
    state.requests.push(query);
    if (query.endsWith('tok2') && state.holdThirdPage) {
      state.heldSeen?.();
      return; // never answered: the harvester waits here until it is killed
    }
    res.writeHead(routes[query] ? 200 : 400, { 'content-type': 'text/xml' });
    res.end(routes[query] ?? 'bad request');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/oai`, state, close: () => server.closeAllConnections() };
}

describe('paperd backfill', function () {
  this.timeout(120_000);

  it('resumes after a kill -9 mid-harvest from the last accepted page, and ends with every record in every store', async () => {
    const repo = await startRepository();
    const dataDir = join(tempDataDir(), 'data');
    const env = { ...process.env, PAPERD_ARXIV_OAI_BASE_URL: repo.url, PAPERD_ARXIV_INTERVAL_MS: '0', PAPERD_PIPELINE_IDLE_MS: '50' };
    const args = [resolve('bin/paperd.js'), 'backfill', '--from', '2024-01-01', '--until', '2024-01-31', '--set', 'cs', '--data', dataDir, '--json'];
    const held = new Promise<void>((r) => (repo.state.heldSeen = r));
    const first = spawn(process.execPath, args, { env, stdio: 'ignore' });
    await held;
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    repo.state.holdThirdPage = false;
    repo.state.requests.length = 0;
    const second = await runCli(args.slice(1), { PAPERD_ARXIV_OAI_BASE_URL: repo.url, PAPERD_ARXIV_INTERVAL_MS: '0', PAPERD_PIPELINE_IDLE_MS: '50' });
    expect(second.code, second.stderr).to.equal(0);
    // It asked only for the page it had not finished: the checkpoint held the token of page 3.
    expect(repo.state.requests).to.deep.equal(['verb=ListRecords&resumptionToken=tok2']);
    const result = JSON.parse(second.stdout) as { resumed: boolean; papers: number; deleted: number };
    expect(result).to.include({ resumed: true, papers: allIds.length });
    const check = await runCli(['check', '--data', dataDir, '--json']);
    expect(JSON.parse(check.stdout)).to.deep.include({ ok: true, papers: allIds.length, vectors: allIds.length });

    const third = await runCli(args.slice(1), { PAPERD_ARXIV_OAI_BASE_URL: repo.url });
    expect(JSON.parse(third.stdout)).to.include({ alreadyComplete: true });
    repo.close();
  });

  it('refuses dates that are not YYYY-MM-DD, or a range that runs backwards', async () => {
    const bad = await runCli(['backfill', '--from', '2024/01/01', '--until', '2024-01-31', '--data', tempDataDir()]);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('YYYY-MM-DD');
    const backwards = await runCli(['backfill', '--from', '2024-02-01', '--until', '2024-01-31', '--data', tempDataDir()]);
    expect(backwards.stderr).to.contain('is after --until');
  });
});
