// Text set the way each script needs it: every character in an embedded face that has its glyph (fonts.ts), Arabic
// shaped by fontkit, lines ordered right to left with mixed runs (digits, dates, Latin names) placed by the Unicode
// bidi algorithm (bidi-js), wrapped on word boundaries, aligned to the paragraph's start side.
import bidiFactory from 'bidi-js';
import { faces, type Face, type FontStyle } from './fonts';

export type Doc = PDFKit.PDFDocument;
export type Direction = 'ltr' | 'rtl';
export type Align = 'start' | 'end' | 'center' | 'left' | 'right';

export interface TextStyle {
  size: number;
  style?: FontStyle;
  color?: string;
}

export interface BlockOptions extends TextStyle {
  width: number;
  align?: Align;
  /** paragraph direction; 'auto' (default) takes it from the first strong character */
  dir?: Direction | 'auto';
  /** line height as a multiple of the size (default 1.3, 1.65 when the line holds Arabic) */
  leading?: number;
}

const bidi = bidiFactory();
// fontkit's default features for the script, plus kerning; passing features also makes pdfkit shape a run as a
// whole (without them it lays out word by word, which puts Arabic words in the wrong order)
const FEATURES: PDFKit.Mixins.OpenTypeFeatures[] = ['kern'];
const RTL_STRONG = /[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]/u;
const NEUTRAL = /[\s\p{P}\p{S}\p{N}\p{M}]/u;

// ---------------------------------------------------------------------------------------------------------------
// Faces in a PDF document

interface ShapedRun {
  glyphs: { id: number; codePoints: number[]; advanceWidth: number }[];
  positions: unknown[];
  advanceWidth: number;
}

interface PdfkitEmbeddedFont {
  font: { getGlyph(id: number, codePoints?: number[]): { codePoints: number[] } };
  layout(text: string, features?: string[], onlyWidth?: boolean): ShapedRun;
  subset: { includeGlyph(id: number): number; glyphs: number[] };
  widths: number[];
  unicode: number[][];
  scale: number;
  encode(text: string, features?: string[]): [string[], unknown[]];
  geccoTextMap?: true;
}

/**
 * What the process keeps of the typesetting (shaped runs, widths, laid-out blocks): read, never changed, once made.
 * A season's documents repeat the same template text; its names and numbers add a few entries each, so a cache that
 * reaches `max` entries is simply emptied.
 */
function kept<K, V>(cache: Map<K, V>, key: K, max: number, make: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = make();
    if (cache.size >= max) cache.clear();
    cache.set(key, value);
  }
  return value;
}

// Shaped runs per fontkit font, for the process (see keepLettersApart)
const shapedRuns = new WeakMap<object, Map<string, ShapedRun>>();
// a season's names and numbers each add a few runs; the template text is a few thousand
const SHAPED_RUNS_MAX = 20_000;

/**
 * Makes the text of an embedded face extractable. Noto Naskh draws a letter as a skeleton plus dots, so one glyph
 * serves several letters (ب ت ث ن share a medial skeleton); pdfkit maps each glyph to the first letter it met, and
 * fontkit caches glyphs with the first code points they were made for. Each (glyph, letters) pair gets its own
 * glyph slot here, so the ToUnicode map gives back the letters as written. The face's runs, once shaped, are kept
 * for the process (shapedRuns).
 */
function keepLettersApart(embedded: PdfkitEmbeddedFont): void {
  if (embedded.geccoTextMap) return;
  embedded.geccoTextMap = true;
  // The fontkit font is shared by every document (see useFace): its getGlyph is wrapped once per process.
  const fk = embedded.font as PdfkitEmbeddedFont['font'] & { geccoOwnCodePoints?: true };
  if (!fk.geccoOwnCodePoints) {
    fk.geccoOwnCodePoints = true;
    const getGlyph = fk.getGlyph.bind(fk);
    fk.getGlyph = (id, codePoints) => {
      const glyph = getGlyph(id, codePoints);
      if (!codePoints) return glyph;
      const own = Object.create(glyph) as { codePoints: number[] };
      own.codePoints = codePoints;
      return own;
    };
  }
  // pdfkit shapes every run again in every document (its cache is per document, and there is none for runs shaped
  // with features, which every Arabic run is). The process keeps the shaped runs per fontkit font: a season's
  // documents repeat the same template text, and shaping (fontkit's GSUB/GPOS lookups) was ~30 % of the worker's
  // CPU. A run is read, never changed, by pdfkit once shaped and scaled; the scale is the font's, so it is shared too.
  const layout = embedded.layout.bind(embedded);
  embedded.layout = function cachedLayout(text, features) {
    let runs = shapedRuns.get(this.font);
    if (!runs) shapedRuns.set(this.font, (runs = new Map()));
    const key = features?.length ? `${features.join(',')}\u0000${text}` : text;
    return kept(runs, key, SHAPED_RUNS_MAX, () => layout(text, features, false));
  };
  const slotByKey = new Map<string, number>();
  const seen = new Set<number>();
  embedded.encode = function encode(text, features) {
    const run = this.layout(text, features);
    const { glyphs, positions } = run;
    const keys = glyphKeysOf(run);
    const codes: string[] = [];
    for (let g = 0; g < glyphs.length; g++) {
      const glyph = glyphs[g]!;
      const key = keys[g]!;
      let slot = slotByKey.get(key);
      if (slot === undefined) {
        if (seen.has(glyph.id)) {
          this.subset.glyphs.push(glyph.id);
          slot = this.subset.glyphs.length - 1;
        } else {
          seen.add(glyph.id);
          slot = this.subset.includeGlyph(glyph.id);
        }
        slotByKey.set(key, slot);
      }
      codes.push(`0000${slot.toString(16)}`.slice(-4));
      this.widths[slot] ??= glyph.advanceWidth * this.scale;
      this.unicode[slot] ??= glyph.codePoints;
    }
    return [codes, positions];
  };
}

// A shaped run's (glyph, letters) keys, made once per run for the process like the run itself
const glyphKeys = new WeakMap<ShapedRun, string[]>();
function glyphKeysOf(run: ShapedRun): string[] {
  let keys = glyphKeys.get(run);
  if (!keys) glyphKeys.set(run, (keys = run.glyphs.map((glyph) => `${glyph.id}:${glyph.codePoints.join(',')}`)));
  return keys;
}

const registered = new WeakMap<Doc, Set<string>>();

/** Registers every face in a document, so a template can also select them by name (layout.ts FONT...). */
export function registerFaces(doc: Doc): void {
  const names = new Set<string>();
  for (const chain of Object.values(faces())) for (const face of chain) doc.registerFont(face.id, face.font as never);
  for (const chain of Object.values(faces())) for (const face of chain) names.add(face.id);
  registered.set(doc, names);
}

function useFace(doc: Doc, face: Face, size: number): void {
  let names = registered.get(doc);
  if (!names) registered.set(doc, (names = new Set()));
  if (!names.has(face.id)) {
    // The process's fontkit font, not its bytes: pdfkit would parse the font again for every document, and its
    // glyph and layout caches would start cold each time (most of a document's CPU).
    doc.registerFont(face.id, face.font as never);
    names.add(face.id);
  }
  doc.font(face.id).fontSize(size * face.scale);
  keepLettersApart((doc as unknown as { _font: PdfkitEmbeddedFont })._font);
}

// ---------------------------------------------------------------------------------------------------------------
// Runs: a stretch of text in one face at one bidi level

interface Run {
  start: number;
  end: number;
  face: Face;
  level: number;
  width: number;
}

const missing = new Set<string>();

/** Characters no embedded face could print since the process started (tests expect none). */
export function missingGlyphs(): string[] {
  return [...missing];
}

function faceFor(chain: Face[], cp: number, current: Face | undefined, ch: string): Face {
  // spaces, punctuation, digits and marks stay in the face of the text around them when it has them
  if (current && NEUTRAL.test(ch) && current.font.hasGlyphForCodePoint(cp)) return current;
  const face = chain.find((f) => f.font.hasGlyphForCodePoint(cp));
  if (face) return face;
  if (!/[\s\u200c-\u200f\u2066-\u2069]/u.test(ch)) missing.add(ch);
  return current ?? chain[0]!;
}

/** Face of each UTF-16 index of the text. */
function assignFaces(text: string, chain: Face[]): Face[] {
  const out: Face[] = [];
  let current: Face | undefined;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    current = /\p{M}/u.test(ch) && current ? current : faceFor(chain, cp, current, ch);
    for (let k = 0; k < ch.length; k++) out.push(current);
  }
  return out;
}

// Shaped widths in font units, per face and text: documents repeat the same words and labels many times.
const widthCache = new Map<Face, Map<string, number>>();
const WIDTHS_MAX = 50_000;

function advance(face: Face, text: string, size: number): number {
  if (!text) return 0;
  let cache = widthCache.get(face);
  if (!cache) widthCache.set(face, (cache = new Map()));
  const units = kept(cache, text, WIDTHS_MAX, () => face.font.layout(text, FEATURES).advanceWidth);
  return (units / face.unitsPerEm) * size * face.scale;
}

/** Width of a text on one line, in points. */
export function textWidth(text: string, style: TextStyle): number {
  const chain = faces()[style.style ?? 'regular'];
  const faceAt = assignFaces(text, chain);
  let width = 0;
  for (let i = 0; i < text.length; ) {
    let j = i + 1;
    while (j < text.length && faceAt[j] === faceAt[i]) j++;
    width += advance(faceAt[i]!, text.slice(i, j), style.size);
    i = j;
  }
  return width;
}

interface Paragraph {
  text: string;
  levels: Uint8Array;
  faceAt: Face[];
  rtl: boolean;
}

function paragraph(text: string, style: FontStyle, dir: Direction | 'auto'): Paragraph {
  const embedding = bidi.getEmbeddingLevels(text, dir === 'auto' ? undefined : dir);
  const rtl = (embedding.paragraphs[0]?.level ?? 0) % 2 === 1;
  return { text, levels: embedding.levels, faceAt: assignFaces(text, faces()[style]), rtl };
}

function runsOf(p: Paragraph, start: number, end: number, size: number): Run[] {
  const runs: Run[] = [];
  for (let i = start; i < end; ) {
    let j = i + 1;
    while (j < end && p.faceAt[j] === p.faceAt[i] && p.levels[j] === p.levels[i]) j++;
    runs.push({ start: i, end: j, face: p.faceAt[i]!, level: p.levels[i]!, width: advance(p.faceAt[i]!, p.text.slice(i, j), size) });
    i = j;
  }
  return runs;
}

/** Rule L2 of the bidi algorithm: from the highest level down to the lowest odd one, reverse each sequence at or above it. */
function visualOrder(runs: Run[]): Run[] {
  const out = [...runs];
  const max = Math.max(0, ...out.map((r) => r.level));
  const minOdd = Math.min(...out.map((r) => (r.level % 2 === 1 ? r.level : Infinity)));
  for (let level = max; level >= minOdd && level > 0; level--) {
    for (let i = 0; i < out.length; ) {
      if (out[i]!.level < level) {
        i++;
        continue;
      }
      let j = i;
      while (j < out.length && out[j]!.level >= level) j++;
      out.splice(i, j - i, ...out.slice(i, j).reverse());
      i = j;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Lines

interface Line {
  start: number;
  end: number;
  width: number;
  arabic: boolean;
}

/** Greedy wrap on spaces; a word longer than the line is cut where it overflows. */
function wrap(p: Paragraph, width: number, size: number): Line[] {
  const words: { start: number; end: number; width: number; spaceAfter: number }[] = [];
  const re = /(\S+)(\s*)/gu;
  for (let m = re.exec(p.text); m; m = re.exec(p.text)) {
    const start = m.index;
    const end = start + m[1]!.length;
    const w = runsOf(p, start, end, size).reduce((s, r) => s + r.width, 0);
    const space = m[2] ? runsOf(p, end, end + m[2].length, size).reduce((s, r) => s + r.width, 0) : 0;
    words.push({ start, end, width: w, spaceAfter: space });
  }
  const lines: Line[] = [];
  let current: Line | undefined;
  let pendingSpace = 0;
  const hasArabic = (a: number, b: number) => RTL_STRONG.test(p.text.slice(a, b));
  for (const word of words) {
    if (current && current.width + pendingSpace + word.width <= width) {
      current.width += pendingSpace + word.width;
      current.end = word.end;
    } else {
      if (current) lines.push(current);
      current = { start: word.start, end: word.end, width: word.width, arabic: false };
      // a single word wider than the line (a long reference): cut it by characters
      while (current.width > width && current.end - current.start > 1) {
        let cut: number = current.end - 1;
        while (cut > current.start + 1 && runsOf(p, current.start, cut, size).reduce((s, r) => s + r.width, 0) > width) cut--;
        lines.push({ start: current.start, end: cut, width: runsOf(p, current.start, cut, size).reduce((s, r) => s + r.width, 0), arabic: false });
        current = { start: cut, end: current.end, width: runsOf(p, cut, current.end, size).reduce((s, r) => s + r.width, 0), arabic: false };
      }
    }
    pendingSpace = word.spaceAfter;
  }
  if (current) lines.push(current);
  for (const line of lines) line.arabic = hasArabic(line.start, line.end);
  return lines;
}

const MIRROR: Record<string, string> = { '(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«' };

function drawLine(doc: Doc, p: Paragraph, line: Line, x: number, baseline: number, style: TextStyle): void {
  let cursor = x;
  for (const run of visualOrder(runsOf(p, line.start, line.end, style.size))) {
    let text = p.text.slice(run.start, run.end);
    // A right-to-left run with no Arabic letter in it (punctuation, spaces) is not reordered by the shaper: mirror
    // and reverse it here. Runs with Arabic letters are shaped and reversed by fontkit as a whole.
    if (run.level % 2 === 1 && !RTL_STRONG.test(text)) text = [...text].reverse().map((c) => MIRROR[c] ?? c).join('');
    const fontSize = style.size * run.face.scale;
    useFace(doc, run.face, style.size);
    const ascent = (run.face.ascent / run.face.unitsPerEm) * fontSize;
    // Features make pdfkit shape the run whole (an Arabic run must be); left-to-right runs keep pdfkit's per-word
    // layout cache, which large manifests (1,500 rows) need.
    const rtl = run.level % 2 === 1;
    doc.fillColor(style.color ?? '#111111').text(text, cursor, baseline - ascent, { lineBreak: false, ...(rtl ? { features: FEATURES } : {}) });
    cursor += run.width;
  }
}

function lineHeight(line: Line, options: BlockOptions): number {
  return options.size * (options.leading ?? (line.arabic ? 1.65 : 1.3));
}

// Laid-out blocks for the process: a document measures a block, then draws it, and every document of a season sets
// the same template paragraphs at the same widths (bidi levels, faces and wrapping were ~15 % of a document's CPU).
const laidOut = new Map<string, { p: Paragraph; lines: Line[] }[]>();
const LAID_OUT_MAX = 20_000;

function layout(text: string, options: BlockOptions): { p: Paragraph; lines: Line[] }[] {
  const style = options.style ?? 'regular';
  const dir = options.dir ?? 'auto';
  const key = `${style}\u0000${dir}\u0000${options.width}\u0000${options.size}\u0000${text}`;
  return kept(laidOut, key, LAID_OUT_MAX, () =>
    text.split('\n').map((t) => {
      const p = paragraph(t, style, dir);
      return { p, lines: t.trim() ? wrap(p, options.width, options.size) : [] };
    }),
  );
}

/** Height the text takes in a block of this width. */
export function measureBlock(text: string, options: BlockOptions): number {
  return layout(text, options).reduce(
    (h, { lines }) => h + (lines.length ? lines.reduce((s, l) => s + lineHeight(l, options), 0) : options.size * 1.3),
    0,
  );
}

/** Whether a text is written right to left (its first strong character is Arabic). */
export function isRtl(text: string): boolean {
  return paragraph(text, 'regular', 'auto').rtl;
}

/**
 * Draws the text from (x, y) wrapped to options.width, a new page when a line would cross the bottom margin; leaves
 * doc.y below the text and doc.x at the left margin. Returns the height used on the last page.
 */
export function textBlock(doc: Doc, text: string, x: number, y: number, options: BlockOptions): number {
  let top = y;
  const startTop = y;
  for (const { p, lines } of layout(text, options)) {
    if (!lines.length) top += options.size * 1.3;
    for (const line of lines) {
      const h = lineHeight(line, options);
      if (top + h > doc.page.height - doc.page.margins.bottom) {
        doc.addPage();
        top = doc.page.margins.top;
      }
      const align = options.align ?? 'start';
      const right = align === 'right' || (align === 'start' && p.rtl) || (align === 'end' && !p.rtl);
      const lx = align === 'center' ? x + (options.width - line.width) / 2 : right ? x + options.width - line.width : x;
      // baseline at 80 % of the size below the line's top, plus half the extra leading
      drawLine(doc, p, line, lx, top + (h - options.size * 1.3) / 2 + options.size * 1.02, options);
      top += h;
    }
  }
  doc.x = doc.page.margins.left;
  doc.y = top;
  return top - startTop;
}

/** The text cut with an ellipsis so it fits the width on one line (table cells). */
export function fitText(text: string, width: number, style: TextStyle): string {
  if (textWidth(text, style) <= width) return text;
  let t = text;
  while (t.length > 1 && textWidth(`${t}…`, style) > width) t = t.slice(0, -1);
  return `${t.trimEnd()}…`;
}

/** One table cell: the text cut to the width on one line, in its own direction (an Arabic name reads from the right). */
export function cell(doc: Doc, text: string, x: number, y: number, width: number, style: TextStyle): void {
  const savedY = doc.y;
  textBlock(doc, fitText(text, width, style), x, y, { ...style, width, leading: 1.3 });
  doc.y = savedY;
}
