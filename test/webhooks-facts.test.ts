import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import type { EntityFact, GraphFacts } from '../src/graph/facts.js';
import { githubFacts, githubRepositoryKey } from '../src/webhooks/github-facts.js';
import { huggingfaceFacts } from '../src/webhooks/hf-facts.js';
import { requireShared, sharedPath } from './support/shared.js';
import { hfFixture } from './support/webhook-api.js';

type Json = Record<string, unknown>;

const github = (name: string): Json => JSON.parse(readFileSync(sharedPath('fixtures', 'github-webhooks', name), 'utf8')) as Json;
const entity = (facts: GraphFacts, key: string): EntityFact => {
  const found = facts.entities.find((e) => e.key === key);
  expect(found, `entity ${key} in ${JSON.stringify(facts.entities.map((e) => e.key))}`).to.not.equal(undefined);
  return found!;
};
/** A recorded body with its repository changed as a test needs. */
const withRepository = (body: Json, changes: Json): Json => ({ ...body, repository: { ...(body.repository as Json), ...changes } });

const HELLO = 'github.com/codertocat/hello-world';
const RECEIVED = Date.parse('2024-05-01T12:00:00Z');

describe('webhook facts', () => {
  describe('GitHub', () => {
    beforeEach(function () {
      requireShared(this, 'github-webhooks');
    });

    it('keys a repository as github.com/owner/name, lower-cased', () => {
      expect(githubRepositoryKey('Codertocat/Hello-World')).to.equal(HELLO);
      const facts = githubFacts('public', github('public/payload.json'));
      expect(entity(facts, HELLO)).to.deep.include({ kind: 'repository', name: 'Codertocat/Hello-World' });
      expect(entity(facts, HELLO).attrs).to.include({ private: false, public: true, default_branch: 'master', stars: 0, archived: false, description: null });
    });

    it('sets the stars of the starred repository on star events', () => {
      expect(entity(githubFacts('star', github('star/created.payload.json')), HELLO).attrs).to.include({ stars: 1, last_starred_at: '2019-05-15T15:20:40Z' });
      expect(entity(githubFacts('star', github('star/deleted.payload.json')), HELLO).attrs).to.include({ stars: 0 });
    });

    it('records the latest release from a published release, keeps prereleases apart, and leaves edits alone', () => {
      // As the GitHub poller records it, so that both write the same attribute.
      expect(entity(githubFacts('release', github('release/published.payload.json')), HELLO).attrs).to.deep.include({
        latest_release: { tag_name: '0.0.1', name: '', published_at: '2019-05-15T15:20:53Z' },
      });
      const pre = entity(githubFacts('release', github('release/prereleased.payload.json')), HELLO).attrs!;
      expect(pre).to.deep.include({ latest_prerelease: { tag_name: '0.0.1', name: '', published_at: '2019-05-15T15:20:53Z' } });
      expect(pre).to.not.have.property('latest_release');
      expect(entity(githubFacts('release', github('release/edited.payload.json')), HELLO).attrs).to.not.have.property('latest_release');
    });

    it('links the papers a release body or the description names (implements)', () => {
      const body = github('release/published.payload.json');
      const release = { ...(body.release as Json), body: 'Code for [our paper](https://arxiv.org/abs/2401.00001v2); see also arXiv:2312.12345.' };
      const facts = githubFacts('release', withRepository({ ...body, release }, { description: 'Implements https://huggingface.co/papers/2402.01234' }));
      expect(facts.edges).to.have.deep.members(['2402.01234', '2401.00001', '2312.12345'].map((id) => ({ from: { kind: 'repository', key: HELLO }, kind: 'implements', to: { kind: 'paper', key: id } })));
      expect(githubFacts('release', github('release/published.payload.json')).edges).to.deep.equal([]);
    });

    it('updates pushed_at on a push, and the head sha only for the default branch', () => {
      const toMaster = entity(githubFacts('push', github('push/with-new-branch.payload.json')), HELLO).attrs!;
      expect(toMaster).to.include({ pushed_at: '2019-05-15T15:20:57Z', last_push_ref: 'refs/heads/master' });
      expect(toMaster.head_sha).to.match(/^6113728f/);
      const tagDeleted = entity(githubFacts('push', github('push/payload.json')), HELLO).attrs!;
      expect(tagDeleted).to.include({ pushed_at: '2019-05-15T15:20:57Z' });
      expect(tagDeleted).to.not.have.property('head_sha');
    });

    it('records a transfer or a rename as renamed_to on the old key, the new name being a new key', () => {
      const transferred = githubFacts('repository', github('repository/transferred.payload.json'));
      expect(entity(transferred, 'github.com/octocat/hello-world').attrs).to.deep.equal({ renamed_to: 'github.com/octocoders/hello-world' });
      expect(entity(transferred, 'github.com/octocoders/hello-world').attrs).to.include({ default_branch: 'master' });
      const recorded = github('repository/renamed.payload.json');
      const renamed = githubFacts('repository', withRepository(recorded, { name: 'Hello-Paper', full_name: 'Octocoders/Hello-Paper' }));
      expect(entity(renamed, 'github.com/octocoders/hello-world').attrs).to.deep.equal({ renamed_to: 'github.com/octocoders/hello-paper' });
      expect(renamed.entities.map((e) => e.key)).to.include('github.com/octocoders/hello-paper');
      // The recording renames to the same name: nothing to record on an old key.
      expect(githubFacts('repository', recorded).entities.map((e) => e.key)).to.deep.equal(['github.com/octocoders/hello-world']);
    });

    it('marks privatized, archived and deleted repositories, with no paper links once deleted', () => {
      expect(entity(githubFacts('repository', github('repository/privatized.payload.json')), HELLO).attrs).to.include({ private: true, public: false });
      const deleted = githubFacts('repository', withRepository({ ...github('repository/created.payload.json'), action: 'deleted' }, { description: 'arXiv:2401.00001' }));
      expect(deleted.entities[0]!.attrs).to.include({ deleted: true });
      expect(deleted.edges).to.deep.equal([]);
      const archived = githubFacts('repository', { ...github('repository/created.payload.json'), action: 'archived' });
      expect(archived.entities[0]!.attrs).to.include({ archived: true });
    });

    it('takes nothing from an organisation ping, which names no repository', () => {
      expect(githubFacts('ping', github('ping/with-organization.payload.json'))).to.deep.equal({ entities: [], edges: [] });
      expect(githubFacts('ping', github('ping/payload.json')).entities.map((e) => e.key)).to.deep.equal(['github.com/octocoders/hello-world']);
    });
  });

  describe('Hugging Face', () => {
    beforeEach(function () {
      requireShared(this, 'hf-webhooks');
    });

    it('records a content update on the space: head sha, visibility, dated when received', () => {
      const facts = huggingfaceFacts(hfFixture('with_updated_refs.json'), RECEIVED);
      expect(facts.entities).to.have.length(1);
      expect(facts.entities[0]).to.deep.include({ kind: 'space', key: 'Wauplin/gradio-user-history' });
      expect(facts.entities[0]!.attrs).to.deep.equal({
        hf_id: '651311c46de9c503f3f34a9e', url: 'https://huggingface.co/spaces/Wauplin/gradio-user-history', private: false,
        sha: '5e7f29fffcc579cb52539fddb14a1a4f85f39e44', updatedAt: '2024-05-01T12:00:00.000Z',
      });
    });

    it('links the papers an arxiv tag names, with the edges the Hugging Face poller uses', () => {
      const body = hfFixture('create_discussion.json');
      const tagged = { ...body, event: { action: 'update', scope: 'repo' }, repo: { ...(body.repo as Json), tags: ['transformers', 'arxiv:1910.09700', 'arXiv:2401.00001v2', 'arxiv:not-an-id'] } };
      const facts = huggingfaceFacts(tagged, RECEIVED);
      expect(facts.entities[0]).to.deep.include({ kind: 'model', key: 'gpt2' });
      expect(facts.entities[0]!.attrs).to.include({ private: false }).and.to.have.property('tags').that.includes('arxiv:1910.09700');
      expect(facts.edges).to.deep.equal(['1910.09700', '2401.00001'].map((id) => ({ from: { kind: 'paper', key: id }, kind: 'introduces', to: { kind: 'model', key: 'gpt2' } })));
      const space = hfFixture('with_updated_refs.json');
      const taggedSpace = { ...space, repo: { ...(space.repo as Json), tags: ['arxiv:2401.00001'] } };
      expect(huggingfaceFacts(taggedSpace, RECEIVED).edges).to.deep.equal([{ from: { kind: 'space', key: 'Wauplin/gradio-user-history' }, kind: 'implements', to: { kind: 'paper', key: '2401.00001' } }]);
      const dataset = { ...taggedSpace, repo: { ...(taggedSpace.repo as Json), type: 'dataset', name: 'acme/corpus' } };
      expect(huggingfaceFacts(dataset, RECEIVED).edges).to.deep.equal([{ from: { kind: 'paper', key: '2401.00001' }, kind: 'uses_dataset', to: { kind: 'dataset', key: 'acme/corpus' } }]);
    });

    it('says only that the repo exists for discussion events, and marks deletions', () => {
      const discussion = huggingfaceFacts(hfFixture('update_discussion.json'), RECEIVED);
      expect(discussion.entities[0]).to.deep.include({ kind: 'space', key: 'Wauplin/leaderboard' });
      expect(discussion.entities[0]!.attrs).to.not.have.property('updatedAt');
      const body = hfFixture('with_updated_refs.json');
      const deleted = huggingfaceFacts({ ...body, event: { action: 'delete', scope: 'repo' } }, RECEIVED);
      expect(deleted.entities[0]!.attrs).to.include({ deleted: true });
    });
  });
});
