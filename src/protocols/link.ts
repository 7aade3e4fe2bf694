import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** The link's wire version: the first frame of every message. A node drops frames of another version. */
export const LINK_PROTOCOL_VERSION = '1';

/** A node's name on the link: its ZeroMQ routing id, and `from`/`to` of the envelope. */
export const NodeName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$' });

/**
 * The cross-node envelope (ARCHITECTURE.md §3): the second frame, as JSON. `to` is `node` for the
 * link's own messages and `node/actor` for an exported actor's; `ask` marks a message that wants a
 * reply, which comes back as a `link.reply` whose `corrId` is the ask's `msgId`. Times are epoch ms.
 */
export const LinkEnvelope = Type.Object(
  {
    v: Type.Literal(1),
    msgId: Type.String({ minLength: 1, maxLength: 64 }),
    corrId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    from: NodeName,
    to: Type.String({ minLength: 1, maxLength: 160, pattern: '^[a-z0-9][a-z0-9_-]*(/[A-Za-z0-9_./-]+)?$' }),
    type: Type.String({ minLength: 1, maxLength: 64 }),
    sentAt: Type.Integer({ minimum: 0 }),
    deadline: Type.Optional(Type.Integer({ minimum: 0 })),
    ask: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type LinkEnvelope = Static<typeof LinkEnvelope>;

/** Sent on (re)connection: who I am and which run of me this is, so a peer that restarted is seen. */
export const LinkHello = Type.Object({ boot: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
/** The application heartbeat; carries the boot id too, so a restart is noticed without a hello. */
export const LinkHeartbeat = Type.Object({ boot: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
/** Receipt of reliable messages by msgId; duplicates are acked again. */
export const LinkAck = Type.Object({ ids: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { minItems: 1, maxItems: 10_000 }) }, { additionalProperties: false });
/** The answer to an ask: a value (checked against the asked protocol's reply schema) or an error. */
export const LinkReply = Type.Union([
  Type.Object({ ok: Type.Literal(true), value: Type.Unknown() }, { additionalProperties: false }),
  Type.Object({ ok: Type.Literal(false), error: Type.Object({ code: Type.String(), message: Type.String() }, { additionalProperties: false }) }, { additionalProperties: false }),
]);
export type LinkReply = Static<typeof LinkReply>;

/** The link's own message types and their bodies. */
export const LinkControl = {
  'link.hello': LinkHello,
  'link.heartbeat': LinkHeartbeat,
  'link.ack': LinkAck,
  'link.reply': LinkReply,
} as const satisfies Record<string, TSchema>;
export type LinkControlType = keyof typeof LinkControl;

/**
 * What an actor exported over the link accepts: its messages (a union discriminated by `type`) and,
 * for each askable type, the schema of the reply. Both sides check arrivals against it.
 */
export interface LinkProtocol<M extends { type: string } = { type: string }, R extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly messages: TSchema;
  readonly replies: { readonly [K in keyof R]: TSchema };
  /** Phantom: carries the TypeScript types of the messages and replies. */
  readonly __types?: { messages: M; replies: R };
}

/** What a link peer actor receives: its timer, every `heartbeatMs`. */
export const LinkTick = Type.Object({ type: Type.Literal('tick') }, { additionalProperties: false });
export const LinkPeerMessage = Type.Union([LinkTick]);
export type LinkPeerMessage = Static<typeof LinkPeerMessage>;
/** The listener actor takes no messages: it holds the ROUTER and the ZAP handler. */
export const LinkListenerMessage = Type.Never();
export type LinkListenerMessage = Static<typeof LinkListenerMessage>;
