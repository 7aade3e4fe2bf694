import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BadInputError } from '../../errors.js';
import { backupRoutes, type BackupRouteDeps } from '../../backup/backup-route.js';
import type { BackfillRequests } from '../../offline/backfill/backfill-requests.js';
import type { Scheduler } from '../../offline/scheduler.js';
import { ErrorBody } from '../schemas.js';

export interface JobsRouteDeps {
  readonly scheduler: Scheduler;
  /** Present where the node can backfill (it holds the store of papers). */
  readonly backfills?: BackfillRequests;
  /** Present where the node holds the stores: `POST /v1/backup`. */
  readonly backup?: BackupRouteDeps;
}

const ClassView = Type.Object({
  name: Type.String(),
  priority: Type.Number(),
  paused: Type.Boolean(),
  state: Type.Union([Type.Literal('running'), Type.Literal('waiting'), Type.Literal('paused'), Type.Literal('idle')]),
  queued: Type.Integer({ description: 'work waiting, in the class’s own units (backfill: harvests)' }),
  running: Type.Integer({ description: 'steps running now' }),
  done: Type.Integer({ description: 'units finished, over every run (backfill: records)' }),
  failed: Type.Integer(),
  ratePerMinute: Type.Number({ description: 'units done per minute over the last 5 minutes' }),
  etaSeconds: Type.Union([Type.Integer(), Type.Null()]),
  window: Type.Optional(Type.String({ description: 'the off-peak window: cron, time zone, length' })),
  note: Type.Optional(Type.String({ description: 'why it waits, or its last error' })),
});

export const JobsSnapshot = Type.Object({
  paused: Type.Boolean({ description: 'all offline work is paused' }),
  classes: Type.Array(ClassView),
  gpuLeases: Type.Array(Type.Object({
    node: Type.String(), holder: Type.Union([Type.String(), Type.Null()]), until: Type.Union([Type.Number(), Type.Null()]),
    hot: Type.Optional(Type.String({ description: 'why batch work may not lease this GPU now: it is hot or throttling' })),
  })),
  load: Type.Object({ level: Type.Union([Type.Literal('low'), Type.Literal('moderate'), Type.Literal('high')]), reasons: Type.Array(Type.String()) }),
});

/** The optional body of pause and resume: absent (all offline work) or `{"class": NAME}`. */
function classOf(body: unknown): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  const name = (body as { class?: unknown }).class;
  const keys = typeof body === 'object' ? Object.keys(body) : [];
  if (typeof body !== 'object' || keys.some((k) => k !== 'class') || (name !== undefined && (typeof name !== 'string' || name === ''))) {
    throw new BadInputError('the body is optional; when given it is {"class": NAME}');
  }
  return name as string | undefined;
}
const day = '^\\d{4}-\\d{2}-\\d{2}$';
const BackfillBody = Type.Object(
  { from: Type.String({ pattern: day }), until: Type.String({ pattern: day }), set: Type.Optional(Type.String({ pattern: '^[a-z-]+(:[A-Za-z.-]+)?$' })) },
  { additionalProperties: false },
);

/** The offline scheduler: its classes and GPU leases, pause and resume, and backfills to queue. */
export const jobRoutes: FastifyPluginAsyncTypebox<JobsRouteDeps> = async (app, deps) => {
  if (deps.backup) await app.register(backupRoutes, deps.backup);
  app.get('/v1/jobs', { config: { scope: 'read' }, schema: { summary: 'Offline job classes: state, counts, rate and ETA; GPU leases', response: { 200: JobsSnapshot } } }, async () =>
    deps.scheduler.snapshot(),
  );
  app.post(
    '/v1/jobs/pause',
    { config: { scope: 'admin' }, schema: { summary: 'Pause one class (body {"class": NAME}) or all offline work (no body); durable across restarts', response: { 200: JobsSnapshot, 400: ErrorBody, 404: ErrorBody } } },
    async (req) => deps.scheduler.pause(classOf(req.body)),
  );
  app.post(
    '/v1/jobs/resume',
    { config: { scope: 'admin' }, schema: { summary: 'Resume one class (body {"class": NAME}) or all offline work (no body)', response: { 200: JobsSnapshot, 400: ErrorBody, 404: ErrorBody } } },
    async (req) => deps.scheduler.resume(classOf(req.body)),
  );
  app.post(
    '/v1/jobs/backfill',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Queue an OAI-PMH backfill of a date range (and set) as offline work; asking again for the same one is a no-op',
        body: BackfillBody,
        response: { 202: Type.Object({ backfill: Type.Object({ id: Type.Integer(), from: Type.String(), until: Type.String(), set: Type.Union([Type.String(), Type.Null()]), state: Type.String() }), jobs: JobsSnapshot }), 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req, reply) => {
      if (!deps.backfills) throw new BadInputError('this node holds no store of papers: backfill on the main node');
      if (req.body.from > req.body.until) throw new BadInputError(`from ${req.body.from} is after until ${req.body.until}`);
      const request = deps.backfills.add(req.body.from, req.body.until, req.body.set);
      deps.scheduler.wake();
      void reply.code(202);
      return { backfill: { id: request.id, from: request.from, until: request.until, set: request.set, state: request.state }, jobs: deps.scheduler.snapshot() };
    },
  );
};
