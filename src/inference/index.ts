/** The inference router: its configuration, the router, its events and metrics. */
export { LlmConfigSchema, resolveLlmConfig, type LlmConfig, type LlmEndpointConfig, type EndpointSettings, type EndpointKind, type LlmRole, type ResolvedLlmConfig } from './config.js';
export { LlmRouter, type ChatRequest, type EmbeddingRequest, type RouteOptions, type LlmRouterOptions, type LlmRouterSnapshot } from './router.js';
export type { LlmChatStream } from './chat-stream.js';
export type { EndpointSnapshot } from './endpoint.js';
export type { EndpointState } from './endpoint-health.js';
export type { Priority } from './priority-gate.js';
export type { LlmRouterEvent, LlmRouterObserver, RequestOutcome } from './events.js';
export type { FailureType } from './failure.js';
export { OpenAiUpstream, type Upstream, type ProbeResult } from './upstream.js';
export { readErrorBody, type UpstreamErrorBody } from './error-shapes.js';
export { registerLlmMetrics } from './metrics.js';
export { SSE_DONE, SSE_HEADERS, sseData, sseFrames } from './sse.js';
