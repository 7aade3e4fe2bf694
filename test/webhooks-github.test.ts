import { expect } from 'chai';
import { sign } from '@octokit/webhooks-methods';
import { GITHUB_EVENTS } from '../src/webhooks/deliveries.js';
import { requireShared } from './support/shared.js';
import { githubFixtures, postGithub, startWebhookApi, webhookJobs, type WebhookApi } from './support/webhook-api.js';

const delivery = (n: number | string) => `72d3162e-cc78-11e3-81ab-4c9367dc${String(n).padStart(4, '0')}`;

/** The body with one byte changed, staying ASCII so it is still the same size and text. */
function tampered(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  const at = Math.floor(copy.length / 2);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

describe('GitHub webhooks', function () {
  this.timeout(60_000);
  let api: WebhookApi;
  beforeEach(function () {
    requireShared(this, 'github-webhooks');
  });
  afterEach(async () => api?.close());

  it('accepts every recorded delivery signed with the secret, journaling the handled events once each at hot priority', async () => {
    api = await startWebhookApi();
    const fixtures = githubFixtures();
    expect(fixtures.length).to.be.greaterThan(40);
    let handled = 0;
    for (const [i, f] of fixtures.entries()) {
      const response = await postGithub(api.url, f.body, { event: f.event, delivery: delivery(i) });
      expect(response.status, f.name).to.equal(202);
      const answer = (await response.json()) as { status: string; job?: number };
      if (GITHUB_EVENTS.has(f.event)) {
        handled++;
        expect(answer.status, f.name).to.equal('accepted');
        expect(api.journal.get(answer.job!)!.payload, f.name).to.deep.include({ provider: 'github', event: f.event, deliveryId: delivery(i), body: JSON.parse(f.body.toString('utf8')) });
      } else {
        expect(answer, f.name).to.deep.equal({ status: 'ignored', event: f.event });
      }
    }
    const jobs = webhookJobs(api.db);
    expect(jobs).to.have.length(handled);
    expect(jobs.every((j) => j.priority === 0)).to.equal(true);
    expect(api.received()).to.equal(handled);
    // fork and watch are recorded but carry nothing paperd uses.
    expect(handled).to.be.lessThan(fixtures.length);
  });

  it('refuses each recorded delivery with one byte of its body changed (401), journaling nothing', async () => {
    api = await startWebhookApi();
    for (const [i, f] of githubFixtures().entries()) {
      const signature = await sign('gh-secret', f.body.toString('utf8'));
      const response = await postGithub(api.url, tampered(f.body), { event: f.event, delivery: delivery(i), signature });
      expect(response.status, f.name).to.equal(401);
      expect(await response.json(), f.name).to.include({ error: 'PAPERD_WEBHOOK_SIGNATURE' });
    }
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('refuses unsigned deliveries, malformed signatures and signatures made with another secret (401)', async () => {
    api = await startWebhookApi();
    const f = githubFixtures().find((x) => x.name === 'star/created.payload.json')!;
    const cases: (string | null)[] = [null, '', 'sha1=0123', `sha256=${'0'.repeat(64)}`, await sign('not-the-secret', f.body.toString('utf8'))];
    for (const signature of cases) {
      const response = await postGithub(api.url, f.body, { event: 'star', delivery: delivery(1), signature });
      expect(response.status, String(signature)).to.equal(401);
    }
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('dedupes a redelivery (same X-GitHub-Delivery) into the one job it made', async () => {
    api = await startWebhookApi();
    const f = githubFixtures().find((x) => x.name === 'release/published.payload.json')!;
    const first = (await (await postGithub(api.url, f.body, { event: 'release', delivery: delivery(7) })).json()) as { status: string; job: number };
    for (let i = 0; i < 3; i++) {
      const again = await postGithub(api.url, f.body, { event: 'release', delivery: delivery(7) });
      expect(again.status).to.equal(202);
      expect(await again.json()).to.deep.equal({ status: 'duplicate', job: first.job, event: 'release' });
    }
    expect(first.status).to.equal('accepted');
    expect(webhookJobs(api.db)).to.have.length(1);
    expect(api.received()).to.equal(1);
    // Another delivery of the same body is another event: GitHub sends a new id for it.
    expect(((await (await postGithub(api.url, f.body, { event: 'release', delivery: delivery(8) })).json()) as { status: string }).status).to.equal('accepted');
  });

  it('takes GitHub\'s form encoding (payload=…), signed over the form body', async () => {
    api = await startWebhookApi();
    const f = githubFixtures().find((x) => x.name === 'star/created.payload.json')!;
    const form = new URLSearchParams({ payload: f.body.toString('utf8') }).toString();
    const response = await postGithub(api.url, form, { event: 'star', delivery: delivery(3), contentType: 'application/x-www-form-urlencoded' });
    expect(response.status).to.equal(202);
    const { job } = (await response.json()) as { job: number };
    expect((api.journal.get(job)!.payload as { body: unknown }).body).to.deep.equal(JSON.parse(f.body.toString('utf8')));
    const noField = await postGithub(api.url, 'nothing=here', { event: 'star', delivery: delivery(4), contentType: 'application/x-www-form-urlencoded' });
    expect(noField.status).to.equal(400);
  });

  it('answers 400 with a clear message to a correctly signed body that is not JSON', async () => {
    api = await startWebhookApi();
    for (const body of ['{"action": "created", ', 'null', '[1,2]']) {
      const response = await postGithub(api.url, body, { event: 'star', delivery: delivery(5) });
      expect(response.status, body).to.equal(400);
      const answer = (await response.json()) as { error: string; message: string };
      expect(answer.error).to.equal('PAPERD_BAD_INPUT');
      expect(answer.message).to.match(/not valid JSON|must be a JSON object/);
    }
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('refuses a signed delivery without its event or delivery id (400)', async () => {
    api = await startWebhookApi();
    const f = githubFixtures().find((x) => x.name === 'ping/payload.json')!;
    expect((await postGithub(api.url, f.body, { event: '', delivery: delivery(1) })).status).to.equal(400);
    expect((await postGithub(api.url, f.body, { event: 'ping', delivery: '' })).status).to.equal(400);
    expect((await postGithub(api.url, f.body, { event: 'ping', delivery: 'x'.repeat(500) })).status).to.equal(400);
  });

  it('answers 413 to a body over the limit', async () => {
    api = await startWebhookApi({ githubBodyLimitBytes: 64 * 1024 });
    const big = JSON.stringify({ zen: 'x'.repeat(100 * 1024) });
    const response = await postGithub(api.url, big, { event: 'ping', delivery: delivery(9) });
    expect(response.status).to.equal(413);
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('takes bodies up to 25 MB by default, over the API\'s general limit', async () => {
    api = await startWebhookApi();
    const f = githubFixtures().find((x) => x.name === 'push/payload.json')!;
    const body = JSON.stringify({ ...JSON.parse(f.body.toString('utf8')), padding: 'x'.repeat(2 * 1_048_576) });
    expect((await postGithub(api.url, body, { event: 'push', delivery: delivery(10) })).status).to.equal(202);
  });

  it('refuses everything with 503 when no secret is configured, signed or not', async () => {
    api = await startWebhookApi({ githubSecret: '' });
    const f = githubFixtures().find((x) => x.name === 'push/payload.json')!;
    for (const signature of [undefined, null]) {
      const response = await postGithub(api.url, f.body, { event: 'push', delivery: delivery(2), secret: 'anything', signature });
      expect(response.status).to.equal(503);
      expect(await response.json()).to.include({ error: 'PAPERD_WEBHOOK_NOT_CONFIGURED' });
    }
    expect(webhookJobs(api.db)).to.have.length(0);
  });

  it('needs no API key, and is still rate limited per address, in a bucket of its own', async () => {
    api = await startWebhookApi({ githubPerMinute: 3, perMinuteAnonymous: 1 });
    const f = githubFixtures().find((x) => x.name === 'ping/payload.json')!;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await postGithub(api.url, f.body, { event: 'ping', delivery: delivery(100 + i) })).status);
    expect(statuses).to.deep.equal([202, 202, 202, 429, 429]);
  });

  it('counts unsigned deliveries against the rate limit', async () => {
    api = await startWebhookApi({ githubPerMinute: 2 });
    const f = githubFixtures().find((x) => x.name === 'ping/payload.json')!;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await postGithub(api.url, f.body, { event: 'ping', delivery: delivery(200 + i), signature: null })).status);
    expect(statuses).to.deep.equal([401, 401, 429]);
  });
});
