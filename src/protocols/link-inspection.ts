import { Type, type Static } from '@sinclair/typebox';
import type { ActorNode } from '../supervisors/registry.js';
import type { LinkProtocol } from './link.js';
import { messageSchema } from './message.js';

/** Asks a node for its live supervision tree (what its own GET /v1/actors shows). */
export const ActorsTree = messageSchema('actors.tree', {});
export const InspectionMessage = Type.Union([ActorsTree]);
export type InspectionMessage = Static<typeof InspectionMessage>;

const TreeReply = Type.Object({
  node: Type.String(),
  tree: Type.Unsafe<ActorNode[]>(Type.Array(Type.Object({ path: Type.String(), children: Type.Array(Type.Unknown()) }, { additionalProperties: true }))),
});
export type InspectionReplies = { 'actors.tree': Static<typeof TreeReply> };

/** Every node exports its inspector, so the main node can show the trees of all of them. */
export const InspectionProtocol: LinkProtocol<InspectionMessage, InspectionReplies> = {
  name: 'inspection',
  messages: InspectionMessage,
  replies: { 'actors.tree': TreeReply },
};
