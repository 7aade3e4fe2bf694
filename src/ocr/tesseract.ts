import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OcrToolError } from '../errors.js';

const run = promisify(execFile);

/** Reads the text of one page image; the engine behind it (Tesseract, a VLM) is the caller's choice. */
export type OcrEngine = (png: Buffer, signal: AbortSignal) => Promise<string>;

/**
 * Renders page `page` (1-based) of a PDF to PNG with poppler's pdftoppm, at `dpi` (300 is what
 * Tesseract reads best; less is faster).
 */
export async function renderPage(pdf: Buffer, page: number, signal: AbortSignal, dpi = 300): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'paperd-ocr-'));
  try {
    await writeFile(join(dir, 'in.pdf'), pdf);
    await tool('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-png', '-singlefile', join(dir, 'in.pdf'), join(dir, 'page')], signal);
    return await readFile(join(dir, 'page.png'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Tesseract (Debian `tesseract-ocr`), one thread per process (`OMP_THREAD_LIMIT=1`): its OpenMP
 * threads would otherwise take every core from the online path for one page.
 */
export function tesseractEngine(language = 'eng'): OcrEngine {
  return async (png, signal) => {
    const dir = await mkdtemp(join(tmpdir(), 'paperd-ocr-'));
    try {
      await writeFile(join(dir, 'page.png'), png);
      const { stdout } = await tool('tesseract', [join(dir, 'page.png'), 'stdout', '-l', language], signal, { OMP_THREAD_LIMIT: '1' });
      return stdout.replace(/\f/g, '').trim();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

async function tool(name: string, args: string[], signal: AbortSignal, env: Record<string, string> = {}): Promise<{ stdout: string }> {
  try {
    return await run(name, args, { signal, env: { ...process.env, ...env }, maxBuffer: 32 * 1_048_576, encoding: 'utf8' });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new OcrToolError(name, `${name} is not installed (Debian: apt-get install ${name === 'tesseract' ? 'tesseract-ocr tesseract-ocr-eng' : 'poppler-utils'})`, error);
    throw new OcrToolError(name, (e.stderr ?? e.message).trim().split('\n').slice(-3).join(' '), error);
  }
}
