import { Type } from '@sinclair/typebox';

export const ErrorBody = Type.Object({
  error: Type.String({ description: 'stable error code, e.g. PAPERD_BAD_INPUT' }),
  message: Type.String(),
  statusCode: Type.Integer(),
});

export const ActorNodeSchema = Type.Recursive(
  (Self) =>
    Type.Object({
      path: Type.String(),
      name: Type.String(),
      kind: Type.Union([Type.Literal('worker'), Type.Literal('supervisor')]),
      status: Type.String(),
      depth: Type.Integer(),
      queued: Type.Integer(),
      inFlight: Type.Integer(),
      handled: Type.Integer(),
      restarts: Type.Integer(),
      lastError: Type.Union([
        Type.Object({ name: Type.String(), message: Type.String(), stack: Type.String(), at: Type.Number() }),
        Type.Null(),
      ]),
      summary: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      children: Type.Array(Self),
    }),
  { $id: 'ActorNode' },
);

export const RestartRecordSchema = Type.Object({
  at: Type.Number(),
  event: Type.Union([Type.Literal('restart'), Type.Literal('give_up'), Type.Literal('escalate')]),
  actor: Type.String(),
  supervisor: Type.String(),
  strategy: Type.String(),
  errorName: Type.String(),
  errorMessage: Type.String(),
  errorStack: Type.String(),
  attempt: Type.Integer(),
  delayMs: Type.Integer(),
  restarted: Type.Array(Type.String()),
});
