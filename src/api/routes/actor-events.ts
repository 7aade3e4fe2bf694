import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Database } from 'better-sqlite3';
import { TooManyStreamsError } from '../../errors.js';
import type { Registry } from '../../supervisors/index.js';
import { ErrorBody } from '../schemas.js';
import { ActorEventHub, defaultActorEventOptions, type ActorEventOptions, type ActorStreamEvent } from './actor-event-hub.js';

export interface ActorEventRouteDeps {
  readonly registry: Registry;
  readonly db: Database;
  readonly node: string;
  readonly actorEvents?: Partial<ActorEventOptions>;
}

/** One event in the text/event-stream format; JSON holds no raw newline, so one `data:` line each. */
function frame(event: ActorStreamEvent): string {
  return `event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * `GET /v1/actors/events`: the live actor tree as server-sent events, for the web page. A
 * `snapshot` first (tree and last restarts), then `actor` (each lifecycle event), `tree` (when
 * counters or states changed), `restart` (each new restart log record) and `heartbeat`.
 */
export const actorEventRoutes: FastifyPluginAsyncTypebox<ActorEventRouteDeps> = async (app, deps) => {
  const options = { ...defaultActorEventOptions, ...deps.actorEvents };
  const hub = new ActorEventHub(deps.registry, deps.db, deps.node, options);
  // Open streams would hold the server's close forever: end them first.
  app.addHook('preClose', async () => hub.closeAll());

  app.get(
    '/v1/actors/events',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The live actor tree as server-sent events: snapshot, actor, tree, restart, heartbeat',
        produces: ['text/event-stream'],
        response: { 503: ErrorBody },
      },
    },
    async (_req, reply) => {
      if (hub.size >= options.maxClients) throw new TooManyStreamsError(options.maxClients);
      const res = reply.raw;
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // Proxies that buffer responses would hold events back.
        'x-accel-buffering': 'no',
      });
      res.write('retry: 2000\n\n');
      const remove = hub.add({
        send(event) {
          if (res.writableLength > options.maxBufferedBytes) throw new Error('client too slow');
          res.write(frame(event));
        },
        close() {
          res.end();
        },
      });
      if (!remove) return void res.end(); // not reached: nothing awaits between the check above and here
      // The response closes when the client goes away (or the stream is ended above).
      res.once('close', remove);
    },
  );
};
