// Charts drawn on the server as SVG (Apache ECharts' server-side renderer): the console shows the same SVG the
// season report's PDF embeds (svg-to-pdfkit), so both read the same figures the same way.
import * as echarts from 'echarts';
import { PLACEMENTS_SOURCE, PROGRAMME_PLACEMENTS } from './programme-history';
import type { SeasonReport } from './views/season-report';

export type ChartSize = { width: number; height: number };

/** One chart drawn to an SVG string: ECharts' server-side renderer, no animation, disposed once drawn. */
function svgOf(option: echarts.EChartsCoreOption, size: ChartSize): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, ...size });
  try {
    chart.setOption({ animation: false, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The figures of a season per province: placements by sex, then returns and non-returns. */
export function seasonChartSvg(report: SeasonReport, size: ChartSize = { width: 720, height: 360 }): string {
  const provinces = [...new Set(report.rows.map((r) => r.province))].sort();
  const sum = (pick: (r: SeasonReport['rows'][number]) => number, sex?: string) =>
    provinces.map((p) => report.rows.filter((r) => r.province === p && (sex === undefined || r.sex === sex)).reduce((n, r) => n + pick(r), 0));
  return svgOf({
    title: { text: `Saison ${report.season} — par province`, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { left: 48, right: 24, top: 40, bottom: 56 },
    xAxis: { type: 'category', data: provinces },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: 'Placées (femmes)', type: 'bar', stack: 'placed', data: sum((r) => r.placed, 'F'), itemStyle: { color: '#7b3f99' } },
      { name: 'Placés (hommes)', type: 'bar', stack: 'placed', data: sum((r) => r.placed, 'M'), itemStyle: { color: '#2f6db5' } },
      { name: 'Retours', type: 'bar', data: sum((r) => r.returned + r.returnedLate), itemStyle: { color: '#2e8b57' } },
      { name: 'Non-retours', type: 'bar', data: sum((r) => r.nonReturn), itemStyle: { color: '#c0392b' } },
    ],
  }, size);
}

export const PLACEMENTS_CHART_TITLE = `Travailleurs saisonniers placés, ${PROGRAMME_PLACEMENTS[0]!.season}–${PROGRAMME_PLACEMENTS.at(-1)!.season}`;

/** The programme's placements per season since 2008 (api/programme-history.ts), the same whatever the season shown. */
export function placementsHistorySvg(size: ChartSize = { width: 720, height: 360 }): string {
  return svgOf({
    title: { text: PLACEMENTS_CHART_TITLE, subtext: `Source : ${PLACEMENTS_SOURCE}`, left: 'center', textStyle: { fontSize: 14 }, subtextStyle: { fontSize: 10 } },
    grid: { left: 56, right: 24, top: 56, bottom: 32 },
    xAxis: { type: 'category', data: PROGRAMME_PLACEMENTS.map((p) => String(p.season)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [{ name: 'Placés', type: 'bar', data: PROGRAMME_PLACEMENTS.map((p) => p.placed), itemStyle: { color: '#2f6db5' }, label: { show: false } }],
  }, size);
}
