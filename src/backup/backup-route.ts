import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { isAbsolute } from 'node:path';
import { BadInputError } from '../errors.js';
import { ErrorBody } from '../api/schemas.js';
import { takeBackup } from './take-backup.js';

export interface BackupRouteDeps {
  readonly db: Database;
  readonly dataDir: string;
}

const Manifest = Type.Object({
  v: Type.Literal(1),
  createdAt: Type.String(),
  schemaVersion: Type.Integer(),
  papers: Type.Integer(),
  lancedb: Type.Record(Type.String(), Type.Integer()),
  blobs: Type.Integer(),
  ms: Type.Integer(),
});

/** `POST /v1/backup {dir}`: a consistent online backup of the node's stores into a new directory on the node's machine. */
export const backupRoutes: FastifyPluginAsyncTypebox<BackupRouteDeps> = async (app, deps) => {
  app.post(
    '/v1/backup',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Back up SQLite, LanceDB and blobs, consistently, while the node runs; dir is an absolute path on the node that must not exist',
        body: Type.Object({ dir: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        response: { 200: Manifest, 400: ErrorBody },
      },
    },
    async (req) => {
      if (!isAbsolute(req.body.dir)) throw new BadInputError(`dir must be an absolute path on the node, not ${req.body.dir}`);
      return takeBackup(deps.db, deps.dataDir, req.body.dir);
    },
  );
};
