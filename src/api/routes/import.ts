import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Ingestion } from '../../pipeline/ingestion.js';
import type { ImportReader } from '../../ingest/import-reader.js';
import { ErrorBody } from '../schemas.js';

export interface ImportRouteDeps {
  readonly dataDir: string;
  readonly importReader: ImportReader;
  readonly ingestion: Ingestion;
  readonly importLimitBytes: number;
}

const RejectedEntry = Type.Object({ file: Type.String(), where: Type.String(), reason: Type.String() });

/**
 * `POST /v1/import?name=FILE`: a dump uploaded as the raw body (arXiv Atom, OAI-PMH, `.abs`, BEIR
 * JSONL; the name's extension helps tell which). It is spooled to disk, read and journaled in
 * batches under backpressure by the import reader's thread, and answered with what was accepted;
 * the pipeline does the rest.
 */
export const importRoutes: FastifyPluginAsyncTypebox<ImportRouteDeps> = async (app, deps) => {
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  app.post(
    '/v1/import',
    {
      bodyLimit: deps.importLimitBytes,
      config: { scope: 'write' },
      schema: {
        summary: 'Import a dump file into the journal and pipeline',
        querystring: Type.Object({ name: Type.String({ minLength: 1, maxLength: 255, description: 'the file name, for its extension' }) }),
        response: {
          200: Type.Object({
            accepted: Type.Integer(),
            duplicates: Type.Integer(),
            rejectedEntries: Type.Integer(),
            rejectedSample: Type.Array(RejectedEntry),
            failedFiles: Type.Array(RejectedEntry),
          }),
          400: ErrorBody,
        },
      },
    },
    async (req, reply) => {
      const dir = join(deps.dataDir, 'incoming');
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${randomUUID()}-${basename(req.query.name).replace(/[^\w.-]/g, '_')}`);
      try {
        await pipeline(req.body as Readable, createWriteStream(file));
        const report = await deps.importReader.importFiles([file], {
          admit: () => deps.ingestion.watcher.waitForCapacity(),
          accepted: () => deps.ingestion.nudge(),
        });
        const name = req.query.name;
        const rename = <T extends { file: string }>(r: T): T => ({ ...r, file: name });
        const status = report.failedFiles.length > 0 ? 400 : 200;
        if (status === 400) {
          return reply.code(400).send({ error: 'PAPERD_BAD_INPUT', message: report.failedFiles.map((f) => f.reason).join('; '), statusCode: 400 });
        }
        return { accepted: report.accepted, duplicates: report.duplicates, rejectedEntries: report.rejectedEntries, rejectedSample: report.rejectedSample.map(rename), failedFiles: [] };
      } finally {
        await rm(file, { force: true });
      }
    },
  );
};
