import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Alert } from '../../ops/alerts/types.js';

export interface AlertRouteDeps {
  readonly node: string;
  /** Every alert known (firing first); from the engine on the node that evaluates them. */
  readonly alerts: () => readonly Alert[];
  /** The rules evaluated, for people wondering what is watched. */
  readonly rules: readonly { readonly name: string; readonly severity: string; readonly summary: string }[];
}

export const AlertSchema = Type.Object({
  rule: Type.String(),
  subject: Type.String({ description: 'what within the rule: a source, an endpoint, a GPU; empty for a rule with one subject' }),
  severity: Type.Union([Type.Literal('warning'), Type.Literal('critical')]),
  state: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  summary: Type.String(),
  message: Type.String(),
  value: Type.Union([Type.Number(), Type.Null()]),
  firingSince: Type.Number({ description: 'epoch ms' }),
  resolvedAt: Type.Union([Type.Number(), Type.Null()]),
  lastEvaluatedAt: Type.Number(),
  node: Type.String(),
});

/** `GET /v1/alerts`: the built-in alerts' state (firing, resolved), evaluated by this node. */
export const alertRoutes: FastifyPluginAsyncTypebox<AlertRouteDeps> = async (app, deps) => {
  app.get(
    '/v1/alerts',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Built-in alerts and their state: firing first, then recently resolved',
        querystring: Type.Object({ state: Type.Optional(Type.Union([Type.Literal('firing'), Type.Literal('resolved')])) }),
        response: {
          200: Type.Object({
            node: Type.String(),
            firing: Type.Integer(),
            alerts: Type.Array(AlertSchema),
            rules: Type.Array(Type.Object({ name: Type.String(), severity: Type.String(), summary: Type.String() })),
          }),
        },
      },
    },
    async (req) => {
      const all = deps.alerts();
      return {
        node: deps.node,
        firing: all.filter((a) => a.state === 'firing').length,
        alerts: all.filter((a) => !req.query.state || a.state === req.query.state).map((a) => ({ ...a })),
        rules: deps.rules.map((r) => ({ name: r.name, severity: r.severity, summary: r.summary })),
      };
    },
  );
};
