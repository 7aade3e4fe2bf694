import { Readable } from 'node:stream';
import tar from 'tar-stream';

/** A file a run left in /out that passed validation. */
export interface OutFile {
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** A file in /out that was not taken, and why. */
export interface RejectedOutFile {
  readonly name: string;
  readonly reason: string;
}

export interface OutFileLimits {
  readonly maxFiles: number;
  readonly maxBytes: number;
}

/** What may come back, by extension; the type served is ours, never the container's. */
export const OUT_FILE_TYPES: Record<string, string> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  csv: 'text/csv; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * Reads the tar stream of a run's /out (made by `tar` inside the container, so untrusted): keeps
 * plain regular files at the top level whose content matches their extension, within the count
 * and byte caps; everything else (links, devices, directories' contents, bad names, PNGs that are
 * not PNGs, invalid UTF-8 or JSON) is listed as rejected with the reason. Reading stops at the
 * byte cap.
 */
export async function readOutFiles(stream: AsyncIterable<Buffer> | Readable, limits: OutFileLimits): Promise<{ files: OutFile[]; rejected: RejectedOutFile[] }> {
  const files: OutFile[] = [];
  const rejected: RejectedOutFile[] = [];
  let bytes = 0;
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entry, next) => {
      const name = header.name.replace(/^(\.\/)+/, '').replace(/\/$/, '');
      const chunks: Buffer[] = [];
      let size = 0;
      const reason = admissible(header, name, files.length, bytes, limits);
      entry.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (!reason && size <= limits.maxBytes - bytes) chunks.push(chunk);
      });
      entry.on('end', () => {
        if (name === '' || name === '.') return next();
        if (reason) rejected.push({ name, reason });
        else {
          const data = Buffer.concat(chunks);
          const bad = size > limits.maxBytes - bytes ? `over the ${limits.maxBytes}-byte cap on files` : contentProblem(name, data);
          if (bad) rejected.push({ name, reason: bad });
          else {
            bytes += data.length;
            files.push({ name, contentType: OUT_FILE_TYPES[extension(name)]!, data });
          }
        }
        next();
      });
      entry.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  const source = stream instanceof Readable ? stream : Readable.from(stream);
  source.on('error', (error) => extract.destroy(error));
  source.pipe(extract);
  await done;
  return { files, rejected };
}

function extension(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
}

function admissible(header: tar.Headers, name: string, count: number, bytes: number, limits: OutFileLimits): string | undefined {
  if (name === '' || name === '.') return undefined;
  if (header.type !== 'file') return `a ${header.type ?? 'special file'}, not a regular file`;
  if (name.includes('/')) return 'in a subdirectory: only files at the top of /out are taken';
  if (!PLAIN_NAME.test(name)) return 'not a plain file name (letters, digits, ".", "_", "-")';
  if (!(extension(name) in OUT_FILE_TYPES)) return `not one of the types taken back (${Object.keys(OUT_FILE_TYPES).join(', ')})`;
  if (count >= limits.maxFiles) return `past the ${limits.maxFiles}-file cap`;
  if ((header.size ?? 0) > limits.maxBytes - bytes) return `over the ${limits.maxBytes}-byte cap on files`;
  return undefined;
}

function contentProblem(name: string, data: Buffer): string | undefined {
  const ext = extension(name);
  if (ext === 'png') return data.subarray(0, 8).equals(PNG_MAGIC) ? undefined : 'not a PNG (no PNG signature)';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return 'not valid UTF-8 text';
  }
  if (text.includes('\u0000')) return 'text with NUL bytes';
  if (ext === 'json') {
    try {
      JSON.parse(text);
    } catch (error) {
      return `not valid JSON (${(error as Error).message})`;
    }
  }
  if (ext === 'svg' && !/<svg[\s>]/i.test(text)) return 'not an SVG (no <svg> element)';
  return undefined;
}
