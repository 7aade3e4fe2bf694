import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ArxivPollReport, type ArxivPollerMessage, type ArxivPollerReplies } from '../../protocols/arxiv-poller.js';
import { ask, type ActorRef } from '../../supervisors/index.js';
import { ErrorBody } from '../schemas.js';

export interface SourceRouteDeps {
  readonly arxivPoller: ActorRef<ArxivPollerMessage, ArxivPollerReplies>;
}

/** Operating the sources: poll arXiv now instead of waiting for the schedule. */
export const sourceRoutes: FastifyPluginAsyncTypebox<SourceRouteDeps> = async (app, deps) => {
  app.post(
    '/v1/sources/arxiv/poll',
    { config: { scope: 'write' }, schema: { summary: 'Poll the arXiv listings and API now; answers what the poll did', response: { 200: ArxivPollReport, 504: ErrorBody } } },
    // A poll pages through the API at one request every 3 s: give it minutes, not seconds.
    async () => ask(deps.arxivPoller, { type: 'poll' }, 10 * 60_000),
  );
};
