// @ts-check
// A season's report: the charts the API draws (server-side SVG, the same the PDF carries: the season per province, the
// programme's placements since 2008), the figures per province and sex, and the PDF and CSV to download.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, download, must } from '../api.js';
import { num, t } from '../i18n.js';
import { Loading, Table, useLoad } from '../ui.js';

/** An SVG the API drew, with its caption. @param {{ testid: string, label: string, svg: string | undefined }} props */
function Chart({ testid, label, svg }) {
  return html`<figure class="chart" data-testid=${testid}>
    <div role="img" aria-label=${label} dangerouslySetInnerHTML=${{ __html: svg ?? '' }}></div>
    <figcaption>${label}</figcaption>
  </figure>`;
}

/** @param {{ season?: number }} props */
export function SeasonReport({ season }) {
  const year = season ?? new Date().getFullYear();
  const [input, setInput] = useState(String(year));
  const state = useLoad(async () => {
    const params = { path: { season: year } };
    const [report, chart, history] = await Promise.all([
      must(api.GET('/reports/seasons/{season}', { params })),
      must(api.GET('/reports/seasons/{season}/chart.svg', { params, parseAs: 'text' })),
      must(api.GET('/reports/programme/placements.svg', { parseAs: 'text' })),
    ]);
    return { report, chart, history };
  }, [year]);
  const r = state.data?.report;
  return html`<h1>${t('reportTitle', { season: year })}</h1>
    <form class="search" onSubmit=${(/** @type {Event} */ e) => { e.preventDefault(); location.hash = `#/reports/${input}`; }}>
      <label>${t('season')} <input name="season" type="number" min="2000" max="2100" value=${input} onInput=${(/** @type {Event} */ e) => setInput(/** @type {HTMLInputElement} */ (e.target).value)} /></label>
      <button type="submit">${t('search')}</button>
    </form>
    <${Loading} state=${state}>${r && html`
      <p class="actions">
        <button type="button" onClick=${() => void download(`/reports/seasons/${year}/report.pdf`)}>${t('downloadPdf')}</button>
        <button type="button" onClick=${() => void download(`/reports/seasons/${year}/report.csv`)}>${t('downloadCsv')}</button>
      </p>
      <${Chart} testid="season-chart" label=${t('chart')} svg=${state.data?.chart} />
      <${Chart} testid="history-chart" label=${t('historyChart')} svg=${state.data?.history} />
      <p>${t('blockedWorkers', { n: num(r.blockedWorkers) })}</p>
      <${Table} testid="report-rows" caption=${t('provinces')} columns=${[t('province'), 'F/M', t('placed'), t('returned'), t('returnedLate'), t('nonReturn'), t('rehired'), t('returnRate')]} numeric=${[2, 3, 4, 5, 6, 7]}
        rows=${r.rows.map((x) => [x.province, x.sex, x.placed, x.returned, x.returnedLate, x.nonReturn, x.rehired, x.returnRate === null ? '—' : `${Math.round(x.returnRate * 100)} %`])} />`}
    <//>`;
}
