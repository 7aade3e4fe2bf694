import { Type, type Static } from '@sinclair/typebox';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { CreateEmbeddingResponse } from 'openai/resources/embeddings';
import type { ChatRequest, EmbeddingRequest } from '../inference/router.js';
import type { LinkProtocol } from './link.js';
import { messageSchema } from './message.js';

const Priority = Type.Union([Type.Literal('online'), Type.Literal('offline')]);

/** An OpenAI chat request; its fields are the upstream's business, the link checks its shape. */
const ChatRequestSchema = Type.Unsafe<ChatRequest>(
  Type.Object({ model: Type.String({ minLength: 1 }), messages: Type.Array(Type.Object({ role: Type.String() })) }, { additionalProperties: true }),
);
const EmbeddingRequestSchema = Type.Unsafe<EmbeddingRequest>(
  Type.Object({ model: Type.String({ minLength: 1 }), input: Type.Union([Type.String(), Type.Array(Type.Unknown())]) }, { additionalProperties: true }),
);

/** A whole chat completion from the node's own router. */
export const LlmChat = messageSchema('llm.chat', { request: ChatRequestSchema, priority: Priority });
export const LlmEmbed = messageSchema('llm.embed', { request: EmbeddingRequestSchema, priority: Priority });
/** Is any of the node's endpoints up for this role? */
export const LlmProbe = messageSchema('llm.probe', { role: Type.Union([Type.Literal('chat'), Type.Literal('embeddings')]) });

/**
 * A streamed chat completion: answered once the node's router has its first token (or has failed,
 * so the asker can go elsewhere); the chunks then follow as `llm.stream.frame` tells to the
 * asker's `streams` actor on node `replyTo`, in order by `seq`, the last one with `end`.
 */
export const LlmStream = messageSchema('llm.stream', {
  streamId: Type.String({ minLength: 1, maxLength: 128 }),
  replyTo: Type.String({ minLength: 1, maxLength: 64 }),
  request: ChatRequestSchema,
  priority: Priority,
});
/** The asker stopped reading (its deadline, its caller gone): stop the upstream request. */
export const LlmStreamCancel = messageSchema('llm.stream.cancel', { streamId: Type.String({ minLength: 1, maxLength: 128 }) });

export const InferenceMessage = Type.Union([LlmChat, LlmEmbed, LlmProbe, LlmStream, LlmStreamCancel]);
export type InferenceMessage = Static<typeof InferenceMessage>;

/** Why the remote node's router could not answer, in the terms of `AttemptFailure`. */
const RemoteFailure = Type.Object({
  type: Type.String(),
  message: Type.String(),
  status: Type.Optional(Type.Integer()),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type RemoteFailure = Static<typeof RemoteFailure>;

const failed = Type.Object({ ok: Type.Literal(false), failure: RemoteFailure }, { additionalProperties: false });
const ChatOutcome = Type.Union([
  Type.Object({ ok: Type.Literal(true), completion: Type.Unsafe<ChatCompletion>(Type.Object({ choices: Type.Array(Type.Unknown(), { minItems: 1 }) }, { additionalProperties: true })) }, { additionalProperties: false }),
  failed,
]);
const EmbedOutcome = Type.Union([
  Type.Object({ ok: Type.Literal(true), response: Type.Unsafe<CreateEmbeddingResponse>(Type.Object({ data: Type.Array(Type.Unknown()) }, { additionalProperties: true })) }, { additionalProperties: false }),
  failed,
]);
const ProbeOutcome = Type.Union([Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }), failed]);

export type InferenceReplies = {
  'llm.chat': Static<typeof ChatOutcome>;
  'llm.embed': Static<typeof EmbedOutcome>;
  'llm.probe': Static<typeof ProbeOutcome>;
  'llm.stream': Static<typeof ProbeOutcome>;
};

/** The inference actor of a gpu or mac node, as the main node's router asks it over the link. */
export const InferenceProtocol: LinkProtocol<InferenceMessage, InferenceReplies> = {
  name: 'inference',
  messages: InferenceMessage,
  replies: { 'llm.chat': ChatOutcome, 'llm.embed': EmbedOutcome, 'llm.probe': ProbeOutcome, 'llm.stream': ProbeOutcome },
};

/** One frame of a stream: a chunk, or the end (with the failure that cut it short, if one did). */
export const LlmStreamFrame = messageSchema('llm.stream.frame', {
  streamId: Type.String({ minLength: 1, maxLength: 128 }),
  seq: Type.Integer({ minimum: 0 }),
  chunk: Type.Optional(Type.Unsafe<ChatCompletionChunk>(Type.Object({ choices: Type.Array(Type.Unknown()) }, { additionalProperties: true }))),
  end: Type.Optional(Type.Union([Type.Object({ ok: Type.Literal(true) }, { additionalProperties: false }), failed])),
});
export const StreamFrameMessage = Type.Union([LlmStreamFrame]);
export type StreamFrameMessage = Static<typeof StreamFrameMessage>;

/** Every node that asks for streams exports `streams`, where their frames arrive. */
export const StreamFrameProtocol: LinkProtocol<StreamFrameMessage, Record<string, never>> = {
  name: 'llm-streams',
  messages: StreamFrameMessage,
  replies: {},
};
