import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

/** A page of a test PDF: lines of real text (a text layer), or a grey image with no text layer. */
export type TestPage = { readonly lines: readonly string[] } | { readonly gray: { readonly width: number; readonly height: number; readonly pixels: Buffer } };

/**
 * Writes a PDF by hand: US Letter pages, text in Helvetica, images as 8-bit DeviceGray XObjects
 * (Flate). Enough of the format for pdf.js and poppler, and nothing copied from elsewhere.
 */
export function writePdf(pages: readonly TestPage[]): Buffer {
  const objects: (string | Buffer)[] = [];
  const add = (body: string | Buffer) => objects.push(body) + 0; // 1-based id
  const font = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const pagesId = 2 + 0;
  objects.push(''); // the page tree, filled in below
  const kids: number[] = [];
  for (const page of pages) {
    let content: string;
    let resources: string;
    if ('lines' in page) {
      content = `BT /F1 20 Tf 72 720 Td 26 TL ${page.lines.map((l) => `(${l.replace(/[()\\]/g, '\\$&')}) Tj T*`).join(' ')} ET`;
      resources = `<< /Font << /F1 ${font} 0 R >> >>`;
    } else {
      const { width, height, pixels } = page.gray;
      const data = deflateSync(pixels);
      const image = add(Buffer.concat([Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length ${data.length} >>\nstream\n`), data, Buffer.from('\nendstream')]));
      content = `q 612 0 0 792 0 0 cm /Im1 Do Q`;
      resources = `<< /XObject << /Im1 ${image} 0 R >> >>`;
    }
    const stream = add(`<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`);
    kids.push(add(`<< /Type /Page /Parent ${pagesId} 0 R /MediaBox [0 0 612 792] /Resources ${resources} /Contents ${stream} 0 R >>`));
  }
  objects[pagesId - 1] = `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(' ')}] /Count ${kids.length} >>`;
  const catalog = add(`<< /Type /Catalog /Pages ${pagesId} 0 R >>`);
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let at = parts[0]!.length;
  objects.forEach((body, i) => {
    offsets.push(at);
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n')]);
    parts.push(chunk);
    at += chunk.length;
  });
  const xref = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/**
 * A scan of `lines`: the text is typeset in a PDF, rendered to grey pixels by poppler's pdftoppm,
 * and those pixels become an image-only page, as a scanner would make it.
 */
export function scannedPage(lines: readonly string[], dpi = 150): TestPage {
  const dir = mkdtempSync(join(tmpdir(), 'paperd-scan-'));
  try {
    writeFileSync(join(dir, 'text.pdf'), writePdf([{ lines }]));
    execFileSync('pdftoppm', ['-r', String(dpi), '-gray', '-f', '1', '-l', '1', '-singlefile', join(dir, 'text.pdf'), join(dir, 'page')]);
    return { gray: readPgm(readFileSync(join(dir, 'page.pgm'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A binary PGM (P5, 8-bit). */
function readPgm(file: Buffer): { width: number; height: number; pixels: Buffer } {
  const header = file.subarray(0, 64).toString('latin1');
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(header);
  if (!m) throw new Error('pdftoppm did not write a binary PGM');
  const width = Number(m[1]);
  const height = Number(m[2]);
  return { width, height, pixels: file.subarray(m[0].length, m[0].length + width * height) };
}

/** Whether this machine has the OCR tools (Tesseract, Poppler's pdftoppm) the OCR tests drive. */
export function ocrToolsPresent(): boolean {
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'ignore' });
    execFileSync('pdftoppm', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
