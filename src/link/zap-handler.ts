import * as zmq from 'zeromq';
import type { Logger } from 'pino';
import { z85Encode } from './z85.js';

/** The ZAP domain the link's server sockets authenticate in. */
export const ZAP_DOMAIN = 'paperd-link';

/**
 * ZeroMQ's authentication hook (RFC 27) for one context: a CURVE client is admitted only if its
 * public key is in `allowed`. It must be bound before the server socket accepts anyone, or libzmq
 * lets every handshake through unchecked.
 */
export class ZapHandler {
  private readonly socket: zmq.Reply;
  private loop: Promise<void> | undefined;

  constructor(
    context: zmq.Context,
    private readonly allowed: () => ReadonlySet<string>,
    private readonly denied: (key: string, address: string) => void,
    private readonly log: Logger,
  ) {
    this.socket = new zmq.Reply({ context, linger: 0 });
  }

  async start(): Promise<void> {
    await this.socket.bind('inproc://zeromq.zap.01');
    this.loop = this.serve();
  }

  private async serve(): Promise<void> {
    try {
      for await (const frames of this.socket) {
        const [version, requestId, domain, address, , mechanism, key] = frames;
        const text = (b: Buffer | undefined) => b?.toString('utf8') ?? '';
        let ok = false;
        let publicKey = '';
        if (text(mechanism) === 'CURVE' && key?.length === 32 && text(domain) === ZAP_DOMAIN) {
          publicKey = z85Encode(key);
          ok = this.allowed().has(publicKey);
        }
        if (!ok) {
          this.denied(publicKey, text(address));
          this.log.warn({ address: text(address), mechanism: text(mechanism), publicKey: publicKey || null }, 'link refused a connection: its key is not in link.peers');
        }
        await this.socket.send([version ?? '1.0', requestId ?? '', ok ? '200' : '400', ok ? 'OK' : 'key not allowed', ok ? publicKey : '', '']);
      }
    } catch (error) {
      if (!this.socket.closed) this.log.error({ err: error }, 'the link ZAP handler stopped');
    }
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.loop;
  }
}
