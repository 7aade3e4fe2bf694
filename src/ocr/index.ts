/** OCR of scanned PDFs: pages rendered by pdftoppm, read by Tesseract or a VLM, as an offline job class. */
export { ocrClass, type OcrClassDeps } from './ocr-class.js';
export { renderPage, tesseractEngine, type OcrEngine } from './tesseract.js';
export { readWithVlm, vlmEngine } from './vlm-engine.js';
