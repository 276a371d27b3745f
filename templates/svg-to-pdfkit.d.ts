// The part of the `svg-to-pdfkit` package the project uses (an SVG drawn into a PDFKit document); it ships no types.
declare module 'svg-to-pdfkit' {
  export default function SVGtoPDF(doc: PDFKit.PDFDocument, svg: string, x: number, y: number, options?: { width?: number; height?: number; assumePt?: boolean }): void;
}
