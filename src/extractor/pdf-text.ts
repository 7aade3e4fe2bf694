import { extractText, getDocumentProxy } from 'unpdf';
import { BadInputError } from '../errors.js';

export interface PdfText {
  readonly pages: number;
  /** The text of each page, in order. */
  readonly pageTexts: string[];
  readonly text: string;
  /** False when the PDF has no usable text layer (a scan): the paper goes to OCR later. */
  readonly hasTextLayer: boolean;
}

/** Fewer letters than this per page on average means the pages are images, not text. */
const MIN_LETTERS_PER_PAGE = 200;

/** The text layer of a PDF (pdf.js through unpdf), page by page. */
export async function extractPdfText(bytes: Uint8Array): Promise<PdfText> {
  if (Buffer.from(bytes.subarray(0, 1024)).indexOf('%PDF-') < 0) throw new BadInputError('not a PDF: no %PDF- header in the first 1024 bytes');
  let pdf;
  try {
    // pdf.js takes ownership of the buffer it is given; a copy keeps the caller's intact.
    // verbosity 0: errors only, pdf.js warnings would flood the node's stdout.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    throw new BadInputError(`not a readable PDF: ${(error as Error).message}`, { cause: error });
  }
  try {
    const { totalPages, text } = await extractText(pdf, { mergePages: false });
    const pageTexts = (text as string[]).map((t) => t.replace(/[ \t]+\n/g, '\n').trim());
    const letters = pageTexts.reduce((n, t) => n + (t.match(/\p{L}/gu)?.length ?? 0), 0);
    return {
      pages: totalPages,
      pageTexts,
      text: pageTexts.join('\n\n'),
      hasTextLayer: totalPages > 0 && letters / totalPages >= MIN_LETTERS_PER_PAGE,
    };
  } finally {
    await pdf.destroy();
  }
}
