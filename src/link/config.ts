import { Type, type Static } from '@sinclair/typebox';
import { CURVE_KEY_PATTERN } from './z85.js';

const Key = Type.String({ pattern: CURVE_KEY_PATTERN, description: 'a CURVE key in Z85 (40 characters), as `paperd keys node` prints it' });

const Peer = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9_-]*$', description: "the peer's link.name" }),
    address: Type.String({ pattern: '^tcp://', description: "where the peer's ROUTER listens, e.g. tcp://gpu.lab:7701" }),
    publicKey: Key,
  },
  { additionalProperties: false },
);
export type LinkPeerConfig = Static<typeof Peer>;

const ms = (fallback: number, description: string) => Type.Integer({ minimum: 1, default: fallback, description });

/**
 * How this node's actor system is linked to others over ZeroMQ (ARCHITECTURE.md §1): one ROUTER
 * bound here, one DEALER to each peer, CURVE on every socket, and only the peers' keys admitted.
 * Off while `peers` is empty.
 */
export const LinkConfigSchema = Type.Object(
  {
    /** This node's name on the link; empty: the node's role (main, gpu, mac). */
    name: Type.String({ default: '', pattern: '^([a-z0-9][a-z0-9_-]*)?$' }),
    bind: Type.String({ default: 'tcp://127.0.0.1:7700', pattern: '^tcp://', description: 'where this node listens for its peers' }),
    /** This node's key pair; empty: read from `keyFile`. */
    publicKey: Type.String({ default: '', pattern: `(${CURVE_KEY_PATTERN})|^$` }),
    secretKey: Type.String({ default: '', pattern: `(${CURVE_KEY_PATTERN})|^$` }),
    /** The JSON file `paperd keys node` writes; relative to the data dir. */
    keyFile: Type.String({ default: 'node-key.json' }),
    peers: Type.Array(Peer, { default: [] }),
    heartbeatMs: ms(500, 'application heartbeats; ZMTP heartbeats run at the same interval'),
    suspectAfterMs: ms(1_500, 'silence after which a peer is suspect'),
    downAfterMs: ms(3_000, 'silence after which a peer is down: its asks fail over'),
    retransmitMs: ms(1_000, 'an unacknowledged message is sent again after this'),
    /** Reliable messages waiting for their ack or for a peer to come back, per peer; past it, senders are refused (backpressure). */
    maxOutbox: Type.Integer({ minimum: 1, default: 50_000 }),
    /** ZeroMQ high-water marks per peer, in messages; set above maxOutbox so the outbox, not libzmq, is the bound. */
    sendHighWaterMark: Type.Integer({ minimum: 1, default: 100_000 }),
    receiveHighWaterMark: Type.Integer({ minimum: 1, default: 100_000 }),
    /** A message larger than this is dropped (and a frame larger than this closes the connection in libzmq). */
    maxMessageBytes: Type.Integer({ minimum: 1024, default: 16 * 1_048_576 }),
    /** Serve OCR to the peers: an `ocr` actor reading the pages they send (a gpu node: its VLM, else Tesseract). */
    serveOcr: Type.Boolean({ default: false }),
    /** The peer that reads this node's scanned pages while it is up (a gpu node with serveOcr); empty: all OCR here. */
    ocrNode: Type.String({ default: '', pattern: '^([a-z0-9][a-z0-9_-]*)?$' }),
    /** How long a page sent to ocrNode may take before it is read here instead. */
    ocrTimeoutMs: ms(300_000, 'a page sent to ocrNode is read here after this'),
    /** Message ids remembered to drop duplicates; longer than any retransmission keeps going. */
    dedupWindowMs: ms(10 * 60_000, 'how long a delivered msgId is remembered'),
  },
  { default: {}, additionalProperties: false },
);
export type LinkConfig = Static<typeof LinkConfigSchema>;
