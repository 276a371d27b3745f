// Small formatting and layout helpers shared by the PDF templates.
// Formatting works on the strings the domain stores (yyyy-mm-dd, "41.00") rather than
// on Date/Number locale APIs, so the output never depends on the host's TZ or locale.
// Text is set by typeset.ts (embedded fonts, Arabic shaped and laid out right to left): no character is folded or lost.
import type { WorkerIdentity } from './types';
import { measureBlock, textBlock, type BlockOptions } from './typeset';

export type Doc = PDFKit.PDFDocument;

/** The languages a worker reads; Spanish is also the contract's legal language. */
export type Lang = 'ar' | 'fr' | 'es';

/**
 * A text in French and Spanish, and in Arabic where a worker reads it. Worker-facing documents give all three
 * (Phrase); the staff's manifests stay French/Spanish.
 */
export interface Bilingual {
  fr: string;
  es: string;
  ar?: string;
}

/** A worker-facing text: every language a worker may read. */
export type Phrase = Required<Bilingual>;

// The registered embedded faces (fonts.ts, registered by render.ts): the first face of each chain is Noto Sans Latin.
export const FONT = 'regular-0';
export const FONT_BOLD = 'bold-0';
export const FONT_ITALIC = 'italic-0';
export const INK = '#111111';
export const MUTED = '#555555';
export const ACCENT = '#1f4e79';

/** Shown when an optional value (passport, visa...) is not known yet. */
export const NOT_PROVIDED: Phrase = { ar: 'غير متوفر', fr: 'non communiqué', es: 'no comunicado' };

const languages = new WeakMap<Doc, Lang>();

/** The worker's language of a document; documents without one (manifests) are in French and Spanish. */
export function setLanguage(doc: Doc, lang: Lang): void {
  languages.set(doc, lang);
}

export function languageOf(doc: Doc): Lang {
  return languages.get(doc) ?? 'fr';
}

/** The versions printed for a text: the worker's language, then Spanish (once when the worker reads Spanish). */
export function versions(doc: Doc, text: Bilingual): { lang: Lang; text: string }[] {
  const lang = languageOf(doc);
  if (lang === 'es') return [{ lang: 'es', text: text.es }];
  return [{ lang, text: lang === 'ar' ? (text.ar ?? text.fr) : text.fr }, { lang: 'es', text: text.es }];
}

/** The text in the worker's language only. */
export function inLanguage(doc: Doc, text: Bilingual): string {
  return versions(doc, text)[0]!.text;
}

const dirOf = (lang: Lang) => (lang === 'ar' ? 'rtl' : 'ltr');

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** yyyy-mm-dd (or an ISO date-time) -> dd/mm/yyyy; unknown shapes are printed as given. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const m = ISO_DATE.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** Departure times are announced in Moroccan local time, whatever the server's TZ. */
export function formatDateTimeCasablanca(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Africa/Casablanca',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('day')}/${get('month')}/${get('year')} ${get('hour')}:${get('minute')}`;
}

/** Fixed PDF metadata date (midnight UTC of the issue day) so identical input gives identical bytes. */
export function documentDate(issuedOn: string): Date {
  const m = ISO_DATE.exec(issuedOn);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new RangeError(`issuedOn must be yyyy-mm-dd, got "${issuedOn}"`);
  return date;
}

function splitDecimal(value: string, decimals: number): [string, string] {
  const n = Number(value.trim().replace(',', '.'));
  if (!Number.isFinite(n)) return [value, ''];
  const [int = '0', frac = ''] = n.toFixed(decimals).split('.');
  return [int, frac];
}

/** "41.00" -> "41,00 €" (French/Spanish convention: comma decimals, space grouping). */
export function formatEuros(value: string): string {
  const [int, frac] = splitDecimal(value, 2);
  if (!frac) return `${value} €`;
  const neg = int.startsWith('-');
  const digits = neg ? int.slice(1) : int;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return `${neg ? '-' : ''}${grouped},${frac} €`;
}

/** "41.00" -> "41,00 يورو": in Arabic text the unit is a word, so the bidi algorithm keeps it after the amount. */
export function formatEurosArabic(value: string): string {
  return formatEuros(value).replace(' €', ' يورو');
}

/** "41" -> "41.00 EUR": the machine-style amount, printed next to the localised one. */
export function rawEuros(value: string): string {
  const [int, frac] = splitDecimal(value, 2);
  return frac ? `${int}.${frac} EUR` : `${value} EUR`;
}

/** "6.5" -> "6,5"; integers stay as they are. */
export function formatDecimal(value: string): string {
  const n = Number(value.trim().replace(',', '.'));
  if (!Number.isFinite(n)) return value;
  return String(n).replace('.', ',');
}

export function yesNo(value: boolean): Phrase {
  return value ? { ar: 'نعم', fr: 'Oui', es: 'Sí' } : { ar: 'لا', fr: 'Non', es: 'No' };
}

export function fullName(worker: Pick<WorkerIdentity, 'firstName' | 'lastName'>): string {
  return `${worker.firstName} ${worker.lastName.toUpperCase()}`;
}

/** Gendered forms used in the body text, in every language. */
export function workerWords(sex: WorkerIdentity['sex']): {
  worker: Phrase;
  born: Phrase;
  civility: Phrase;
  eFr: string;
  aEs: string;
} {
  return sex === 'F'
    ? {
        worker: { ar: 'العاملة', fr: 'La travailleuse', es: 'La trabajadora' },
        born: { ar: 'المولودة في', fr: 'née le', es: 'nacida el' },
        civility: { ar: 'السيدة', fr: 'Mme', es: 'Sra.' },
        eFr: 'e',
        aEs: 'a',
      }
    : {
        worker: { ar: 'العامل', fr: 'Le travailleur', es: 'El trabajador' },
        born: { ar: 'المولود في', fr: 'né le', es: 'nacido el' },
        civility: { ar: 'السيد', fr: 'M.', es: 'Sr.' },
        eFr: '',
        aEs: 'o',
      };
}

// ---------------------------------------------------------------------------------------------
// Layout primitives. They always reset x to the left margin, so templates can chain them freely.

export function contentWidth(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function bottomLimit(doc: Doc): number {
  return doc.page.height - doc.page.margins.bottom;
}

/** Start a new page when the next block of `height` points would not fit (keeps blocks whole). */
export function ensureSpace(doc: Doc, height: number): void {
  if (doc.y + height > bottomLimit(doc)) doc.addPage();
}

/** One block of text at the current position, across the content width, in its language's direction. */
export function write(doc: Doc, text: string, options: Partial<BlockOptions> & { lang?: Lang; x?: number } = {}): void {
  const { lang, x, ...rest } = options;
  const left = x ?? doc.page.margins.left;
  textBlock(doc, text, left, doc.y, {
    size: 10,
    width: contentWidth(doc) - (left - doc.page.margins.left),
    dir: lang ? dirOf(lang) : 'auto',
    ...rest,
  });
}

export function title(doc: Doc, text: Bilingual, subtitle?: Bilingual): void {
  versions(doc, text).forEach((v, i) => {
    const upper = v.lang === 'ar' ? v.text : v.text.toUpperCase();
    write(doc, upper, { lang: v.lang, size: i === 0 ? 15 : 13, style: 'bold', color: i === 0 ? ACCENT : MUTED, align: 'center' });
  });
  if (subtitle) {
    doc.moveDown(0.4);
    const texts = versions(doc, subtitle);
    (texts.every((t) => t.text === texts[0]!.text) ? texts.slice(0, 1) : texts).forEach((v, i) => {
      write(doc, v.text, { lang: v.lang, size: 8.5, style: i === 0 ? 'regular' : 'italic', color: i === 0 ? INK : MUTED, align: 'center' });
    });
  }
  doc.moveDown(0.8);
  doc.fillColor(INK);
}

/** Section heading with a rule underneath: "N. Titre / Título", or the Arabic on the right and the Spanish on the left. */
export function heading(doc: Doc, text: Bilingual): void {
  ensureSpace(doc, 60);
  doc.moveDown(0.5);
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  const [first, second] = versions(doc, text);
  if (first?.lang === 'ar' && second) {
    const top = doc.y;
    const style = { size: 10.5, style: 'bold' as const, color: ACCENT, width: width / 2 };
    const h = Math.max(measureBlock(first.text, { ...style, dir: 'rtl' }), measureBlock(second.text, style));
    textBlock(doc, second.text, x, top + (h - measureBlock(second.text, style)) / 2, { ...style, align: 'left' });
    textBlock(doc, first.text, x + width / 2, top, { ...style, dir: 'rtl' });
    doc.y = top + h;
  } else {
    write(doc, versions(doc, text).map((v) => v.text).join(' / '), { size: 10.5, style: 'bold', color: ACCENT });
  }
  const y = doc.y + 1;
  doc.moveTo(x, y).lineTo(x + width, y).lineWidth(0.6).strokeColor(ACCENT).stroke();
  doc.y = y + 5;
  doc.fillColor(INK);
}

/** The paragraph in the worker's language, then its Spanish version in italics. */
export function paragraph(doc: Doc, text: Bilingual, options: { size?: number } = {}): void {
  const size = options.size ?? 9.5;
  const width = contentWidth(doc);
  const vs = versions(doc, text);
  // Keep a clause and its translation on the same page (clauses are short, this always fits).
  const height = vs.reduce((h, v, i) => h + measureBlock(v.text, { size, width, style: i === 0 ? 'regular' : 'italic', dir: dirOf(v.lang) }), 0);
  ensureSpace(doc, height + size);
  vs.forEach((v, i) => {
    if (i > 0) doc.moveDown(0.15);
    write(doc, v.text, { lang: v.lang, size, style: i === 0 ? 'regular' : 'italic', color: i === 0 ? INK : MUTED });
  });
  doc.moveDown(0.5);
  doc.fillColor(INK);
}

/** Single-language paragraph, in the direction of its language. */
export function plain(doc: Doc, text: string, options: { size?: number; bold?: boolean; italic?: boolean; color?: string; lang?: Lang } = {}): void {
  write(doc, text, {
    lang: options.lang,
    size: options.size ?? 10,
    style: options.bold ? 'bold' : options.italic ? 'italic' : 'regular',
    color: options.color ?? INK,
  });
  doc.fillColor(INK);
}

const LABEL_WIDTH = 175;
const GUTTER = 10;

/**
 * Two-column "label | value" row; an Arabic label is printed above its Spanish one. Both columns are measured
 * first so the row moves to the next page as a whole and the next row starts below the taller column (no overlap).
 */
export function field(doc: Doc, label: Bilingual | string, value: string): void {
  const x = doc.page.margins.left;
  const valueWidth = contentWidth(doc) - LABEL_WIDTH - GUTTER;
  const labels = typeof label === 'string' ? [{ lang: 'fr' as Lang, text: label }] : versions(doc, label);
  const labelLines = labels.some((l) => l.lang === 'ar') ? labels : [{ lang: labels[0]!.lang, text: labels.map((l) => l.text).join(' / ') }];
  const labelStyle = { size: 8.5, width: LABEL_WIDTH, color: MUTED };
  const valueStyle = { size: 9.5, style: 'bold' as const, width: valueWidth, align: 'left' as const, color: INK };
  const valueText = value || '-';
  const labelHeight = labelLines.reduce((h, l) => h + measureBlock(l.text, { ...labelStyle, dir: dirOf(l.lang) }), 0);
  const height = Math.max(labelHeight, measureBlock(valueText, valueStyle));
  ensureSpace(doc, height + 4);
  const y = doc.y;
  let ly = y + 0.8;
  for (const l of labelLines) ly += textBlock(doc, l.text, x, ly, { ...labelStyle, dir: dirOf(l.lang) });
  textBlock(doc, valueText, x + LABEL_WIDTH + GUTTER, y, valueStyle);
  doc.x = x;
  doc.y = y + height + 3.5;
}

/**
 * "FR / ES" value, or in the document's languages when given the document; Arabic and Spanish go on two lines (on
 * one, the bidi algorithm would run the Spanish into the Arabic sentence).
 */
export function bi(value: Bilingual, doc?: Doc): string {
  if (!doc) return `${value.fr} / ${value.es}`;
  const vs = versions(doc, value);
  return vs.map((v) => v.text).join(vs[0]?.lang === 'ar' ? '\n' : ' / ');
}

export function bullets(doc: Doc, items: (string | Bilingual)[], options: { size?: number } = {}): void {
  const x = doc.page.margins.left;
  const indent = 14;
  const width = contentWidth(doc) - indent;
  const size = options.size ?? 10;
  for (const item of items) {
    const lines = typeof item === 'string' ? [{ lang: 'fr' as Lang, text: item }] : versions(doc, item);
    const rtl = lines[0]!.lang === 'ar';
    const styleOf = (i: number) => ({ size, width, style: (i === 0 ? 'regular' : 'italic') as 'regular' | 'italic', color: i === 0 ? INK : MUTED });
    ensureSpace(doc, lines.reduce((h, l, i) => h + measureBlock(l.text, { ...styleOf(i), dir: dirOf(l.lang) }), 0) + 2);
    const y = doc.y;
    // the bullet stands where the first language starts: on the right for Arabic
    textBlock(doc, '•', rtl ? x + width + 4 : x + 2, y, { size, width: indent - 2, color: ACCENT, align: 'left' });
    let ly = y;
    lines.forEach((l, i) => {
      ly += textBlock(doc, l.text, rtl && l.lang === 'ar' ? x : x + indent, ly, { ...styleOf(i), dir: dirOf(l.lang) });
    });
    doc.y = ly + size * 0.2;
  }
  doc.x = x;
}

export interface SignatureParty {
  role: Bilingual;
  name: string;
}

/** Side-by-side signature boxes, kept together on one page. */
export function signatures(doc: Doc, place: Bilingual, parties: SignatureParty[]): void {
  const boxHeight = 84;
  ensureSpace(doc, boxHeight + 70);
  const x = doc.page.margins.left;
  const width = contentWidth(doc);
  doc.moveDown(0.6);
  versions(doc, place).forEach((v, i) => write(doc, v.text, { lang: v.lang, size: 9.5, style: i === 0 ? 'regular' : 'italic', color: i === 0 ? INK : MUTED }));
  doc.moveDown(0.8);
  const gap = 20;
  const boxWidth = (width - gap * (parties.length - 1)) / parties.length;
  const top = doc.y;
  const signature: Bilingual = { ar: 'التوقيع', fr: 'Signature', es: 'Firma' };
  parties.forEach((party, i) => {
    const bx = x + i * (boxWidth + gap);
    const roleHeight = textBlock(doc, bi(party.role, doc), bx, top, { size: 9, style: 'bold', width: boxWidth, align: 'left' });
    textBlock(doc, party.name, bx, top + roleHeight, { size: 9, width: boxWidth, align: 'left' });
    textBlock(doc, versions(doc, signature).map((v) => v.text).join(' / '), bx, top + boxHeight - 8, { size: 7.5, style: 'italic', color: MUTED, width: boxWidth, align: 'left' });
    doc.rect(bx, top + 34, boxWidth, boxHeight - 44).lineWidth(0.5).strokeColor('#999999').stroke();
  });
  doc.x = x;
  doc.y = top + boxHeight + 14;
  doc.fillColor(INK);
}

/**
 * Header and "page n / N" footer on every page. Needs `bufferPages: true`; margins are zeroed
 * while drawing so text placed in the margin does not trigger an automatic page break.
 */
export function decoratePages(doc: Doc, headerRight: string): void {
  const range = doc.bufferedPageRange();
  const arabic = languageOf(doc) === 'ar';
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const saved = { ...doc.page.margins };
    const left = saved.left;
    const width = doc.page.width - saved.left - saved.right;
    doc.page.margins = { top: 0, bottom: 0, left: saved.left, right: saved.right };
    const headerY = 26;
    textBlock(doc, 'ANAPEC — GECCO', left, headerY, { size: 9, style: 'bold', color: ACCENT, width: width / 2, align: 'left' });
    textBlock(doc, headerRight, left + width / 2, headerY + 1, { size: 7.5, color: MUTED, width: width / 2, align: 'right', dir: 'ltr' });
    doc.moveTo(left, headerY + 16).lineTo(left + width, headerY + 16).lineWidth(0.5).strokeColor(ACCENT).stroke();
    const n = i - range.start + 1;
    const pages = `Page ${n} / ${range.count}  —  Página ${n} / ${range.count}`;
    textBlock(doc, arabic ? `Página ${n} / ${range.count}  —  الصفحة ${n} من ${range.count}` : pages, left, doc.page.height - saved.bottom + 18, {
      size: 7.5,
      color: MUTED,
      width,
      align: 'center',
      dir: 'ltr',
    });
    doc.page.margins = saved;
  }
  doc.fillColor(INK);
}
