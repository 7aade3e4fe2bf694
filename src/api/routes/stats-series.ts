import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Database } from 'better-sqlite3';
import { BadInputError } from '../../errors.js';

export interface StatsSeriesDeps {
  readonly db: Database;
}

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Papers per publication day over `days` days up to `until`, every day present (0 when none).
 * Without `until`, the series ends at the newest paper's day, so an old corpus still shows.
 */
export function papersPerDay(db: Database, days: number, until?: string): { from: string; until: string; days: { day: string; count: number }[] } {
  const newest = (db.prepare('SELECT max(published) AS p FROM papers').get() as { p: string | null }).p;
  const endMs = Date.parse(`${until ?? newest?.slice(0, 10) ?? isoDay(Date.now())}T00:00:00Z`);
  if (Number.isNaN(endMs)) throw new BadInputError(`until ${JSON.stringify(until)} is not a calendar day (YYYY-MM-DD)`);
  const startMs = endMs - (days - 1) * DAY_MS;
  // Bounds as text, so the range is read from the papers_published index.
  const rows = db
    .prepare('SELECT substr(published, 1, 10) AS day, count(*) AS n FROM papers WHERE published >= ? AND published < ? GROUP BY day')
    .all(isoDay(startMs), isoDay(endMs + DAY_MS)) as { day: string; n: number }[];
  const counts = new Map(rows.map((r) => [r.day, r.n]));
  const series = Array.from({ length: days }, (_, i) => {
    const day = isoDay(startMs + i * DAY_MS);
    return { day, count: counts.get(day) ?? 0 };
  });
  return { from: isoDay(startMs), until: isoDay(endMs), days: series };
}

/** Time series the web page charts. */
export const statsSeriesRoutes: FastifyPluginAsyncTypebox<StatsSeriesDeps> = async (app, deps) => {
  app.get(
    '/v1/stats/papers-per-day',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Papers per publication day, every day of the range present',
        querystring: Type.Object({
          days: Type.Optional(Type.Integer({ minimum: 1, maximum: 366, default: 30 })),
          until: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the last day (default: the newest paper\'s)' })),
        }),
        response: {
          200: Type.Object({ from: Type.String(), until: Type.String(), days: Type.Array(Type.Object({ day: Type.String(), count: Type.Integer() })) }),
        },
      },
    },
    async (req) => papersPerDay(deps.db, req.query.days ?? 30, req.query.until),
  );
};
