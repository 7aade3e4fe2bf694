import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { EndpointSettings } from '../inference/config.js';
import { LinkUpstream } from '../inference/link-upstream.js';
import type { LlmRouter } from '../inference/router.js';
import { OpenAiUpstream, type Upstream } from '../inference/upstream.js';
import { AttemptFailedError } from '../inference/failure.js';
import { InferenceProtocol, StreamFrameProtocol, type StreamFrameMessage } from '../protocols/link-inference.js';
import type { OcrEngine } from '../ocr/index.js';
import { OcrProtocol } from '../protocols/link-ocr.js';
import { InspectionProtocol, type InspectionMessage, type InspectionReplies } from '../protocols/link-inspection.js';
import type { Clock } from '../runtime/clock.js';
import type { ActorNode, ActorSystem, Behavior, ChildSpec } from '../supervisors/index.js';
import { inferenceBehavior } from './inference-actor.js';
import { linkListenerBehavior, linkPeerBehavior } from './link-actors.js';
import { LinkNode } from './link-node.js';
import { loadNodeKeys } from './node-keys.js';
import { ocrBehavior, servingOcrEngine } from './ocr-actor.js';
import { remoteOcrEngine, type RemoteOcrCounts } from './remote-ocr.js';
import { askRemote, type RemoteRef } from './remote-ref.js';
import { RemoteStreams, streamsBehavior } from './remote-streams.js';

/** One node of the lab as `GET /v1/actors` shows it in `nodes`: this one, or a peer as the link sees it. */
export interface NodeView {
  readonly name: string;
  readonly self: boolean;
  readonly state: 'up' | 'suspect' | 'down';
  readonly lastHeardMsAgo: number | null;
  /** Reliable messages waiting for its ack, and asks waiting for its answer: work queued or in flight there. */
  readonly outbox: number;
  readonly asks: number;
  /** Its live tree, asked over the link; null when it did not answer (down, or too slow). */
  readonly tree: ActorNode[] | null;
  readonly error: string | null;
}

/** This node's link: the LinkNode, the upstreams for `remote` endpoints, and its actors. */
export interface NodeLink {
  readonly link: LinkNode;
  /** For the LLM router: a LinkUpstream for kind `remote`, the openai client for the others. */
  upstream(endpoint: EndpointSettings): Upstream;
  /** The children of the `link` supervisor, and (gpu, mac) the inference actor for `pipeline`. */
  parts(system: ActorSystem, llm: LlmRouter | undefined): { link: ChildSpec[]; pipeline: ChildSpec[] };
  /** Every node: this one and each peer, with the peers' trees asked over the link. */
  nodes(system: ActorSystem): Promise<NodeView[]>;
  /** Asks or tells waiting on peers: the remote share of the pipeline's depth. */
  remoteDepth(): number;
  /** With `link.ocrNode`: the OCR class's engine, sending pages to that peer and reading them with `local` when it cannot. */
  readonly ocrEngine?: (local: OcrEngine) => OcrEngine;
  /** Pages read by the peer, or here instead (metrics). */
  readonly ocrPages: RemoteOcrCounts;
}

/** The link of a node whose config lists peers; undefined otherwise. @throws LinkConfigError */
export function openNodeLink(config: Config, log: Logger, clock: Clock): NodeLink | undefined {
  if (config.link.peers.length === 0) return undefined;
  const self = config.link.name || config.node;
  const streams = new RemoteStreams(self);
  const link = new LinkNode({
    self, keys: loadNodeKeys(config.link, config.dataDir), config: config.link, clock, log: log.child({ component: 'link' }),
    // A stream from a node that went down ends now, as a failure of its endpoint, not at its deadline.
    onState: (peer, _from, to) => {
      if (to === 'down') streams.peerDown(peer, () => new AttemptFailedError({ type: 'unreachable', message: `node ${peer} went down mid-stream` }));
    },
    // Back before it was seen down: its streams died with its last run.
    onRestart: (peer) => streams.peerDown(peer, () => new AttemptFailedError({ type: 'stream-error', message: `node ${peer} restarted mid-stream` })),
  });
  const frameRefs = new Map<string, RemoteRef<StreamFrameMessage, Record<string, never>>>();
  const streamSink = (node: string) => {
    if (!link.sessions.has(node)) return undefined;
    let ref = frameRefs.get(node);
    if (!ref) frameRefs.set(node, (ref = link.remote(node, 'streams', StreamFrameProtocol)));
    return ref;
  };
  const ocrPages: RemoteOcrCounts = { remote: 0, local: 0, fellBack: 0 };
  const ocrNode = config.link.ocrNode;
  const ocrRef = ocrNode ? link.remote(ocrNode, 'ocr', OcrProtocol) : undefined;
  return {
    ocrPages,
    ...(ocrRef ? { ocrEngine: (local: OcrEngine) => remoteOcrEngine({ ref: ocrRef, local, timeoutMs: config.link.ocrTimeoutMs, maxBytes: Math.floor(config.link.maxMessageBytes / 2) - 4_096, log: log.child({ component: 'ocr' }), counts: ocrPages }).engine } : {}),
    link,
    upstream(endpoint) {
      if (endpoint.kind !== 'remote') return new OpenAiUpstream(endpoint);
      return new LinkUpstream(endpoint, link.remote(endpoint.node!, 'inference', InferenceProtocol), { registry: streams, self });
    },
    parts(system, llm) {
      const inspector = system.worker('inspector', inspectorBehavior(system, self));
      link.export('inspector', InspectionProtocol, inspector.ref);
      const streamsActor = system.worker('streams', streamsBehavior(streams));
      link.export('streams', StreamFrameProtocol, streamsActor.ref);
      const peers = config.link.peers.map((p) => system.worker(`peer-${p.name}`, linkPeerBehavior(link, p.name, config.link.heartbeatMs), { shutdownMs: 5_000 }));
      const listener = system.worker('listener', linkListenerBehavior(link), { shutdownMs: 5_000 });
      const serving = (config.node === 'gpu' || config.node === 'mac') && llm;
      const pipeline: ChildSpec[] = [];
      if (serving) {
        const inference = system.worker('inference', inferenceBehavior(llm, streamSink), { shutdownMs: 10_000 });
        link.export('inference', InferenceProtocol, inference.ref);
        pipeline.push(inference);
      }
      if (config.link.serveOcr) {
        const reader = servingOcrEngine({ router: llm, vlmModel: config.offline.ocr.vlmModel, language: config.offline.ocr.language });
        const ocr = system.worker('ocr', ocrBehavior(reader), { shutdownMs: 10_000 });
        link.export('ocr', OcrProtocol, ocr.ref);
        pipeline.push(ocr);
      }
      return { link: [listener, inspector, streamsActor, ...peers], pipeline };
    },
    async nodes(system) {
      const mine: NodeView = { name: self, self: true, state: 'up', lastHeardMsAgo: 0, outbox: 0, asks: 0, tree: system.registry.tree(), error: null };
      const peers = await Promise.all([...link.sessions.values()].map(async (s): Promise<NodeView> => {
        const snap = s.snapshot();
        const base = { name: s.name, self: false, state: snap.state, lastHeardMsAgo: snap.lastHeardMsAgo, outbox: snap.outbox, asks: snap.asks };
        try {
          const { tree } = await askRemote(link.remote<InspectionMessage, InspectionReplies>(s.name, 'inspector', InspectionProtocol), { type: 'actors.tree' }, 2_000);
          return { ...base, tree, error: null };
        } catch (error) {
          return { ...base, tree: null, error: (error as Error).message };
        }
      }));
      return [mine, ...peers];
    },
    remoteDepth() {
      let n = 0;
      for (const s of link.sessions.values()) n += s.depth().outbox + s.depth().asks;
      return n;
    },
  };
}

/** Answers `actors.tree` with this node's registry: what its own API would show. */
function inspectorBehavior(system: ActorSystem, node: string): Behavior<InspectionMessage, null, InspectionReplies> {
  return {
    init: () => null,
    receive(state, msg, ctx) {
      ctx.reply({ node, tree: system.registry.tree() });
      return state;
    },
  };
}
