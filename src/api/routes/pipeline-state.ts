import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DepthWatcher } from '../../supervisors/index.js';

export interface PipelineStateDeps {
  /** Ingest jobs not done plus outbox rows not yet in LanceDB. */
  readonly depth: () => number;
  readonly watcher: DepthWatcher;
  readonly highWatermark: number;
  readonly lowWatermark: number;
}

/** `GET /v1/pipeline`: the pipeline's depth and its backpressure state, as JSON (Prometheus has the same at /metrics). */
export const pipelineStateRoutes: FastifyPluginAsyncTypebox<PipelineStateDeps> = async (app, deps) => {
  app.get(
    '/v1/pipeline',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Pipeline depth and backpressure: paused at the high watermark until below the low one',
        response: {
          200: Type.Object({
            depth: Type.Integer(),
            paused: Type.Boolean({ description: 'producers are paused' }),
            highWatermark: Type.Integer(),
            lowWatermark: Type.Integer(),
            crossings: Type.Object({ paused: Type.Integer(), resumed: Type.Integer() }),
          }),
        },
      },
    },
    async () => ({
      depth: deps.depth(),
      paused: deps.watcher.isPaused,
      highWatermark: deps.highWatermark,
      lowWatermark: deps.lowWatermark,
      crossings: { ...deps.watcher.crossings },
    }),
  );
};
