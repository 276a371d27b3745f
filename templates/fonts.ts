// The fonts embedded in every document, installed from npm (@fontsource): Noto Sans for Latin script with every
// accent (latin, latin-ext and vietnamese subsets) and Noto Naskh Arabic for Arabic. Each style is a chain of
// faces; a character is printed in the first face that has a glyph for it (see typeset.ts).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import * as fontkit from 'fontkit';

export type FontStyle = 'regular' | 'bold' | 'italic';

export interface Face {
  /** name the face is registered under in a PDF document */
  id: string;
  buffer: Buffer;
  font: fontkit.Font;
  /** Naskh reads smaller than Noto Sans at the same point size */
  scale: number;
  arabic: boolean;
  /** the font's units per em and ascent, read once: fontkit reads them from its tables on every access */
  unitsPerEm: number;
  ascent: number;
}

const sans = (subset: string, weight: number, italic = false) =>
  `@fontsource/noto-sans/files/noto-sans-${subset}-${weight}-${italic ? 'italic' : 'normal'}.woff`;
const naskh = (weight: number) => `@fontsource/noto-naskh-arabic/files/noto-naskh-arabic-arabic-${weight}-normal.woff`;

const FILES: Record<FontStyle, string[]> = {
  regular: [sans('latin', 400), sans('latin-ext', 400), sans('vietnamese', 400), naskh(400)],
  bold: [sans('latin', 700), sans('latin-ext', 700), sans('vietnamese', 700), naskh(700)],
  // Arabic has no italic: the Spanish version is told apart by its colour, the Arabic by its script
  italic: [sans('latin', 400, true), sans('latin-ext', 400, true), sans('vietnamese', 400, true), naskh(400)],
};

const ARABIC_SCALE = 1.12;

/**
 * WOFF (what @fontsource ships) unpacked to a plain TrueType file, once: fontkit inflates a WOFF table again on
 * every read of it, which made a two-page contract take seconds.
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') return woff;
  const numTables = woff.readUInt16BE(12);
  const tables: { tag: string; checksum: number; data: Buffer }[] = [];
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const offset = woff.readUInt32BE(e + 4);
    const compLength = woff.readUInt32BE(e + 8);
    const origLength = woff.readUInt32BE(e + 12);
    const raw = woff.subarray(offset, offset + compLength);
    tables.push({ tag: woff.toString('latin1', e, e + 4), checksum: woff.readUInt32BE(e + 16), data: compLength < origLength ? inflateSync(raw) : raw });
  }
  const entrySelector = Math.floor(Math.log2(numTables));
  const searchRange = 2 ** entrySelector * 16;
  const header = Buffer.alloc(12 + numTables * 16);
  header.writeUInt32BE(woff.readUInt32BE(4), 0); // flavor: the sfnt version
  header.writeUInt16BE(numTables, 4);
  header.writeUInt16BE(searchRange, 6);
  header.writeUInt16BE(entrySelector, 8);
  header.writeUInt16BE(numTables * 16 - searchRange, 10);
  const chunks: Buffer[] = [header];
  let offset = header.length;
  tables.forEach((t, i) => {
    const r = 12 + i * 16;
    header.write(t.tag, r, 'latin1');
    header.writeUInt32BE(t.checksum, r + 4);
    header.writeUInt32BE(offset, r + 8);
    header.writeUInt32BE(t.data.length, r + 12);
    const padded = Buffer.alloc((t.data.length + 3) & ~3);
    t.data.copy(padded);
    chunks.push(padded);
    offset += padded.length;
  });
  return Buffer.concat(chunks);
}
/**
 * Every document embeds a subset of each face it uses, and fontkit's subsetter decodes each glyph's outline again
 * (to find composite glyphs' parts) for every document: a tenth of a document's CPU. The decoded outlines of these
 * static fonts never change, so each is decoded once per process. Variable fonts (none here) are left alone.
 */
function keepDecodedGlyphs(font: fontkit.Font): void {
  type Glyph = { _font: { _variationProcessor?: unknown }; id: number };
  const proto = Object.getPrototypeOf(font.getGlyph(0)) as { _decode?: (this: Glyph) => unknown; _decodeSimple?: unknown; geccoDecoded?: true };
  if (!proto._decode || !proto._decodeSimple || proto.geccoDecoded) return;
  proto.geccoDecoded = true;
  const decode = proto._decode;
  const decoded = new WeakMap<object, Map<number, unknown>>();
  proto._decode = function keptDecode(this: Glyph) {
    if (this._font._variationProcessor) return decode.call(this);
    let byId = decoded.get(this._font);
    if (!byId) decoded.set(this._font, (byId = new Map()));
    if (!byId.has(this.id)) byId.set(this.id, decode.call(this));
    return byId.get(this.id);
  };
}

const require = createRequire(import.meta.url);
let loaded: Record<FontStyle, Face[]> | undefined;

/** The face chains, read once per process. */
export function faces(): Record<FontStyle, Face[]> {
  if (loaded) return loaded;
  const load = (style: FontStyle) =>
    FILES[style].map((file, i): Face => {
      const buffer = woffToSfnt(fs.readFileSync(require.resolve(file)));
      const font = fontkit.create(buffer) as fontkit.Font;
      keepDecodedGlyphs(font);
      const arabic = file.includes('naskh');
      return { id: `${style}-${i}`, buffer, font, scale: arabic ? ARABIC_SCALE : 1, arabic, unitsPerEm: font.unitsPerEm, ascent: font.ascent };
    });
  loaded = { regular: load('regular'), bold: load('bold'), italic: load('italic') };
  return loaded;
}
