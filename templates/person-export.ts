// Everything held about one person (data protection: right of access), as a printable summary: her identity, then
// one table per kind of record (seasons, audit trail, documents, messages...). Headings in her language and Spanish;
// names and messages in Arabic are shaped and set right to left by typeset.ts like every other document.
import { ACCENT, INK, MUTED, contentWidth, field, heading, plain, title, type Bilingual, type Doc } from './layout';
import { measureBlock, textBlock } from './typeset';

export interface ExportTable {
  title: Bilingual;
  /** column labels (French / Spanish) and their share of the width */
  columns: { label: string; share: number }[];
  rows: string[][];
}

export interface PersonExportData {
  candidateId: number;
  generatedAt: string;
  identity: { label: Bilingual; value: string }[];
  tables: ExportTable[];
}

const CELL = { size: 7.5 };
const PAD = 3;

function table(doc: Doc, t: ExportTable): void {
  heading(doc, t.title);
  if (!t.rows.length) {
    plain(doc, 'Aucun / Ninguno', { size: 8.5, italic: true, color: MUTED });
    doc.moveDown(0.3);
    return;
  }
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  const total = t.columns.reduce((s, c) => s + c.share, 0);
  const widths = t.columns.map((c) => (c.share / total) * width);
  const header = (top: number) => {
    const h = Math.max(...t.columns.map((c, i) => measureBlock(c.label, { size: 7, style: 'bold', width: widths[i]! - 2 * PAD }))) + 4;
    doc.rect(x, top, width, h).fill(ACCENT);
    let cx = x;
    t.columns.forEach((c, i) => {
      textBlock(doc, c.label, cx + PAD, top + 2, { size: 7, style: 'bold', color: '#ffffff', width: widths[i]! - 2 * PAD, align: 'left' });
      cx += widths[i]!;
    });
    return top + h;
  };
  let y = header(doc.y);
  t.rows.forEach((row, r) => {
    const h = Math.max(14, ...row.map((v, i) => measureBlock(v || '—', { ...CELL, width: widths[i]! - 2 * PAD }) + 4));
    if (y + h > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      y = header(doc.page.margins.top);
    }
    if (r % 2 === 1) doc.rect(x, y, width, h).fill('#f3f5f8');
    let cx = x;
    row.forEach((v, i) => {
      textBlock(doc, v || '—', cx + PAD, y + 2, { ...CELL, color: INK, width: widths[i]! - 2 * PAD });
      cx += widths[i]!;
    });
    y += h;
    doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.3).strokeColor('#cccccc').stroke();
  });
  doc.x = x;
  doc.y = y + 6;
}

export function personExportDocument(doc: Doc, data: PersonExportData): void {
  title(
    doc,
    { ar: 'البيانات المحفوظة عنك', fr: 'Données détenues sur la personne', es: 'Datos conservados sobre la persona' },
    { ar: `الملف رقم ${data.candidateId}`, fr: `Dossier n° ${data.candidateId} — ${data.generatedAt}`, es: `Expediente n.º ${data.candidateId} — ${data.generatedAt}` },
  );
  heading(doc, { ar: 'الهوية', fr: 'Identité', es: 'Identidad' });
  for (const f of data.identity) field(doc, f.label, f.value);
  for (const t of data.tables) table(doc, t);
}
