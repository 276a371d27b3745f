// The season report as charts (SVG drawn on the server: the season's, the programme's placements since 2008), a PDF
// with the same charts, and CSV: what the console's
// report page shows and offers to download. The figures are GET /reports/seasons/:season's (api/views/season-report.ts).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actedBy } from '../auth/access';
import { placementsHistorySvg, seasonChartSvg } from '../charts';
import { csvText } from '../csv';
import { renderSeasonReport } from '../../templates/render';
import { loadSeasonReport, seasonParams } from '../views/season-report';
import { pdfAnswer, route, sendDownload } from './define';

const CHART_SIZE = { width: 720, height: 360 };
const REPORT_COLUMNS = ['province', 'sex', 'placed', 'returned', 'returnedLate', 'nonReturn', 'rehired', 'returnRate'] as const;

export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  app.get('/reports/seasons/:season/chart.svg', route({
    scope: 'report:read', tags: ['reports'], operationId: 'getSeasonChart',
    summary: "A season's placements (by sex), returns and non-returns per province, as an SVG chart",
    params: seasonParams, produces: ['image/svg+xml'], response: { 200: z.string().describe('the SVG') },
  }), async (req, reply) => {
    const svg = seasonChartSvg(await loadSeasonReport(db, req.params.season), CHART_SIZE);
    return reply.header('content-type', 'image/svg+xml; charset=utf-8').send(svg);
  });

  app.get('/reports/programme/placements.svg', route({
    scope: 'report:read', tags: ['reports'], operationId: 'getProgrammePlacementsChart',
    summary: "The programme's seasonal workers placed per season since 2008 (ANAPEC's figures), as an SVG chart",
    produces: ['image/svg+xml'], response: { 200: z.string().describe('the SVG') },
  }), async (_req, reply) => reply.header('content-type', 'image/svg+xml; charset=utf-8').send(placementsHistorySvg(CHART_SIZE)));

  app.get('/reports/seasons/:season/report.pdf', route({
    ...pdfAnswer, scope: 'report:read', tags: ['reports'], operationId: 'getSeasonReportPdf',
    summary: "A season's report as PDF: the same chart, then the figures per province and sex",
    params: seasonParams,
  }), async (req, reply) => {
    const report = await loadSeasonReport(db, req.params.season);
    const pdf = await renderSeasonReport({ ...report, generatedAt: new Date().toISOString(), printedBy: actedBy(req), chartSvg: seasonChartSvg(report, CHART_SIZE), historySvg: placementsHistorySvg(CHART_SIZE), chartSize: CHART_SIZE });
    return sendDownload(reply, { name: `season-${report.season}-report.pdf`, content: pdf });
  });

  app.get('/reports/seasons/:season/report.csv', route({
    scope: 'report:read', tags: ['reports'], operationId: 'getSeasonReportCsv',
    summary: "A season's figures per province and sex, as CSV",
    params: seasonParams, produces: ['text/csv'], response: { 200: z.string() },
  }), async (req, reply) => {
    const report = await loadSeasonReport(db, req.params.season);
    const csv = csvText(REPORT_COLUMNS, report.rows.map((r) => REPORT_COLUMNS.map((c) => r[c])));
    return sendDownload(reply, { name: `season-${report.season}-report.csv`, content: `${csv}\n`, type: 'text/csv; charset=utf-8' });
  });
};
