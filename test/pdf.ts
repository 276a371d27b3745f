// Reading back the PDFs the project prints: their text through pdf.js or poppler, and a first page kept as an image.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { PDFParse } from 'pdf-parse';

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts/documents');
const BIDI_CONTROLS = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** The text of a PDF (checked to be one) through pdf.js, whitespace normalised: pdf.js may split lines and spaces
 * differently from what was drawn. */
export async function pdfText(pdf: Buffer): Promise<string> {
  expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    return (await parser.getText()).text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}

/** pdftotext's text (logical order for right-to-left lines), without the embedding marks it adds, one space between
 * words (scripts/ensure-poppler.sh installs poppler). */
export function popplerText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gecco-pdf-'));
  try {
    fs.writeFileSync(path.join(dir, 'doc.pdf'), pdf);
    return execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(dir, 'doc.pdf'), '-']).toString('utf8').replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** First page rendered to a PNG kept as a test artefact in test-artifacts/documents (git-ignored), to look at. */
export function renderPage(pdf: Buffer, name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.pdf`);
  fs.writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', file, path.join(ARTIFACTS, name)]);
  return path.join(ARTIFACTS, `${name}.png`);
}
