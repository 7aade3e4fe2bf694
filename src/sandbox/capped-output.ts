import { Writable } from 'node:stream';

/**
 * A sink that keeps the first `limit` bytes written to it and counts the rest: a run's stdout or
 * stderr, whose producer is untrusted and may write gigabytes. Writing never blocks on the cap,
 * so the producer is drained (and stopped by its timeout), not left hanging on a full pipe.
 */
export class CappedOutput extends Writable {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  /** Bytes written in all, kept or not. */
  total = 0;

  constructor(readonly limit: number) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.total += chunk.length;
    const room = this.limit - this.kept;
    if (room > 0) {
      const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
      this.chunks.push(Buffer.from(part));
      this.kept += part.length;
    }
    callback();
  }

  get truncated(): boolean {
    return this.total > this.kept;
  }

  /** The kept bytes as UTF-8 (invalid sequences replaced), with a last line saying what was dropped. */
  text(): string {
    const text = Buffer.concat(this.chunks).toString('utf8');
    return this.truncated ? `${text}\n[paperd: output truncated: ${this.total - this.kept} more bytes were dropped]\n` : text;
  }
}
