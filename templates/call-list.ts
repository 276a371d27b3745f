// An agency's call list: one row per worker to phone, with the message to read to her in her language (Arabic
// right to left), the date it is about, and boxes for the outcome. A4 landscape; rows grow with the message.
import { ACCENT, INK, MUTED, contentWidth, field, formatDate, title, type Doc } from './layout';
import { measureBlock, textBlock } from './typeset';

export interface CallListData {
  agency: { id: string; name: string; province: string };
  generatedAt: string;
  filter: string;
  /** who printed it: the authenticated caller */
  printedBy?: string;
  entries: { entryId: number; name: string; phone: string | null; message: string; dueOn: string; reason: string; attempts: number; outcome: string | null }[];
}

const REASON: Record<string, string> = { announcement: '', no_phone: 'sans téléphone / sin teléfono', sms_failed: 'SMS non remis / SMS no entregado' };
const OUTCOMES = 'joint / confirmé / injoignable / faux n°';

export function callListDocument(doc: Doc, data: CallListData): void {
  title(doc, { fr: "Liste d'appels", es: 'Lista de llamadas' }, { fr: `${data.agency.name} — ${data.agency.province}`, es: `${data.agency.name} — ${data.agency.province}` });
  field(doc, { fr: 'Sélection', es: 'Selección' }, data.filter || '-');
  if (data.printedBy) field(doc, { fr: 'Édité par', es: 'Emitido por' }, data.printedBy);
  field(doc, { fr: 'Travailleurs à appeler', es: 'Trabajadores a llamar' }, String(data.entries.length));
  doc.moveDown(0.5);
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  const cols = { n: 24, name: 130, phone: 95, date: 58, outcome: 120 };
  const messageWidth = width - cols.n - cols.name - cols.phone - cols.date - cols.outcome;
  const header = (top: number) => {
    doc.rect(x, top, width, 16).fill(ACCENT);
    let cx = x + 3;
    for (const [label, w] of [['N°', cols.n], ['Nom / Nombre', cols.name], ['Téléphone / Teléfono', cols.phone], ['Message à lire / Mensaje a leer', messageWidth], ['Date / Fecha', cols.date], ['Résultat / Resultado', cols.outcome]] as const) {
      textBlock(doc, label, cx, top + 2, { size: 7.5, style: 'bold', color: '#ffffff', width: w - 6, align: 'left' });
      cx += w;
    }
    return top + 18;
  };
  let y = header(doc.y);
  data.entries.forEach((e, i) => {
    const h = Math.max(22, measureBlock(e.message, { size: 8.5, width: messageWidth - 6 }) + 6);
    if (y + h > doc.page.height - doc.page.margins.bottom) {
      doc.addPage();
      y = header(doc.page.margins.top);
    }
    if (i % 2 === 1) doc.rect(x, y, width, h).fill('#f3f5f8');
    let cx = x + 3;
    textBlock(doc, String(i + 1), cx, y + 3, { size: 8, width: cols.n - 6, align: 'left' });
    cx += cols.n;
    textBlock(doc, e.name, cx, y + 3, { size: 8.5, style: 'bold', width: cols.name - 6, color: INK });
    cx += cols.name;
    textBlock(doc, e.phone ?? '—', cx, y + 3, { size: 8.5, width: cols.phone - 6, align: 'left', dir: 'ltr' });
    if (REASON[e.reason]) textBlock(doc, REASON[e.reason]!, cx, y + 13, { size: 6.5, width: cols.phone - 6, color: '#9a1b1b', align: 'left' });
    cx += cols.phone;
    textBlock(doc, e.message, cx, y + 3, { size: 8.5, width: messageWidth - 6 });
    cx += messageWidth;
    textBlock(doc, formatDate(e.dueOn), cx, y + 3, { size: 8.5, width: cols.date - 6, align: 'left' });
    cx += cols.date;
    textBlock(doc, e.outcome ? `${e.outcome} (${e.attempts})` : OUTCOMES, cx, y + 3, { size: 7, width: cols.outcome - 6, color: MUTED, align: 'left' });
    y += h;
    doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.3).strokeColor('#cccccc').stroke();
  });
  doc.x = x;
  doc.y = y + 6;
}
