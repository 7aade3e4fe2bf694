import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { NodeDrainingError } from '../errors.js';

/** What a drain reports when it starts. */
export interface DrainReport {
  readonly node: string;
  readonly draining: true;
  /** Jobs this node held under a lease when the drain began: they are finished or handed back. */
  readonly leasedAtStart: number;
}

export interface DrainOptions {
  readonly node: string;
  readonly log: Logger;
  /** Jobs leased now (by this node's stages: it owns the data dir). */
  readonly leased: () => number;
  /**
   * Stops the node the way SIGTERM does: the API closes, the tree stops in reverse order, each
   * stage finishing its batch within its shutdownMs and releasing its leases, and the process exits 0.
   */
  readonly stop: () => void;
}

// Reads stay open while draining (status, alerts, metrics, search): people watch a drain.
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `paperd drain`: from the moment it is asked, the node refuses new work (every write answers 503
 * `PAPERD_DRAINING` with `Retry-After`; webhook senders redeliver later, to the restarted node),
 * says it is not ready (`/ready` 503, so a balancer stops sending), then stops like SIGTERM: work
 * in hand finishes, leases go back to the journal, the process exits 0.
 */
export class Drain {
  private started: DrainReport | undefined;

  constructor(private readonly options: DrainOptions) {}

  get draining(): boolean {
    return this.started !== undefined;
  }

  /** Begins the drain (once; asking again answers the first report). */
  begin(): DrainReport {
    if (this.started) return this.started;
    this.started = { node: this.options.node, draining: true, leasedAtStart: this.options.leased() };
    this.options.log.info({ node: this.options.node, leased: this.started.leasedAtStart }, 'draining: no new work; finishing or handing back what this node holds, then exiting');
    // After the answer to the drain request has gone out.
    setTimeout(() => this.options.stop(), 50).unref?.();
    return this.started;
  }

  /** Refuses new work while draining; `/v1/drain` itself and reads pass. */
  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (req, reply) => {
      if (!this.started) return;
      const route = req.routeOptions.url;
      if (route === '/ready') return reply.code(503).send({ ready: false });
      if (READ_METHODS.has(req.method) || route === '/v1/drain') return;
      reply.header('retry-after', '30');
      throw new NodeDrainingError(this.options.node);
    });
  }
}
