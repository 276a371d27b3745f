// A season's report for the ministry: the charts the console shows (server-side SVG, drawn with svg-to-pdfkit), then
// the figures per province and sex. French/Spanish like the other staff documents.
import SVGtoPDF from 'svg-to-pdfkit';
import { contentWidth, ensureSpace, field, title, write, type Doc } from './layout';

export interface SeasonReportData {
  season: number;
  generatedAt: string;
  printedBy?: string;
  /** the chart, as the API renders it (api/charts.ts) */
  chartSvg: string;
  /** the programme's placements per season since 2008, drawn the same way */
  historySvg: string;
  chartSize: { width: number; height: number };
  rows: { province: string; sex: string; placed: number; returned: number; returnedLate: number; nonReturn: number; rehired: number; returnRate: number | null }[];
  blockedWorkers: number;
}

export function seasonReportDocument(doc: Doc, data: SeasonReportData): void {
  title(doc, { fr: `Rapport de la saison ${data.season}`, es: `Informe de la temporada ${data.season}` });
  if (data.printedBy) field(doc, { fr: 'Édité par', es: 'Emitido por' }, data.printedBy);
  field(doc, { fr: 'Travailleurs bloqués après un non-retour', es: 'Trabajadores bloqueados tras un no retorno' }, String(data.blockedWorkers));
  doc.moveDown(0.5);
  const width = contentWidth(doc);
  const height = (width * data.chartSize.height) / data.chartSize.width;
  for (const svg of [data.chartSvg, data.historySvg]) {
    ensureSpace(doc, height + 24);
    // the SVG's text moves pdfkit's cursor: the next block starts below the chart's box, wherever that left it
    const top = doc.y;
    SVGtoPDF(doc, svg, doc.page.margins.left, top, { width, height, assumePt: false });
    doc.y = top + height + 24;
  }
  const header = 'Province · sexe | placés | retours | en retard | non-retours | ré-embauchés | taux de retour';
  write(doc, header, { size: 8.5, style: 'bold' });
  for (const r of data.rows) {
    const rate = r.returnRate === null ? '—' : `${Math.round(r.returnRate * 100)} %`;
    write(doc, `${r.province} · ${r.sex} | ${r.placed} | ${r.returned} | ${r.returnedLate} | ${r.nonReturn} | ${r.rehired} | ${rate}`, { size: 9 });
  }
  if (!data.rows.length) write(doc, 'Aucun travailleur cette saison. / Ningún trabajador esta temporada.', { size: 9 });
}
