// @ts-check
// The campaigns and a campaign's dashboard: stage funnel, quota fill per employer and offer, figures by province and
// sex, the reserve list, visa weeks and sailings. The dashboard reloads every few seconds, following the season.
import { html } from 'htm/preact';
import { api, must } from '../api.js';
import { date, dateTime, num, stageName, t } from '../i18n.js';
import { Bars, Loading, Refreshed, Table, csvCell, saveLines, useLoad } from '../ui.js';
import { can } from '../auth.js';
import { mayLoadFiles } from './files.js';

const REFRESH_MS = 5000;
/** The cycle's stages in their order: the funnel's rows. */
const CYCLE_STAGES = ['preselected', 'selected', 'authorised', 'visa_incomplete', 'visa_submitted', 'visa_issued', 'ready_to_depart', 'convoked', 'in_season', 'awaiting_return', 'closed'];

export function CampaignList() {
  const state = useLoad(() => must(api.GET('/campaigns', { params: { query: { limit: 100, offset: 0 } } })), []);
  return html`<h1>${t('campaigns')}</h1>
    <${Loading} state=${state}>
      <${Table} testid="campaigns" caption=${t('campaigns')} columns=${[t('name'), t('season'), t('campaign')]}
        rows=${(state.data?.items ?? []).map((c) => [html`<a href=${`#/campaigns/${encodeURIComponent(c.id)}`}>${c.name}</a>`, String(c.season), c.id])}
        empty=${t('noCampaigns')} />
    <//>`;
}

/** @param {{ campaignId: string }} props */
export function Dashboard({ campaignId }) {
  const state = useLoad(async () => {
    const path = { campaignId };
    const [campaign, batches, sailings] = await Promise.all([
      must(api.GET('/campaigns/{campaignId}', { params: { path } })),
      can('visa_batch:read') ? must(api.GET('/campaigns/{campaignId}/visa-batches', { params: { path, query: { limit: 100, offset: 0 } } })) : undefined,
      can('departure:read') ? must(api.GET('/campaigns/{campaignId}/departures', { params: { path, query: { limit: 100, offset: 0 } } })) : undefined,
    ]);
    return { campaign, batches, sailings };
  }, [campaignId], REFRESH_MS);
  const c = state.data?.campaign;
  return html`<h1>${t('dashboard')} — ${c?.name ?? campaignId}</h1>
    <${Loading} state=${state}>${c && html`
      <p class="summary">${t('season')} ${c.season} · ${t('stage')} : <strong data-testid="campaign-stage">${stageName(c.stage)}</strong> · ${c.sector} · ${t('destination')} ${c.destinationProvince}</p>
      <p class="actions">
        ${mayLoadFiles() ? html`<a class="button" href=${`#/files/${encodeURIComponent(c.id)}`}>${t('files')}</a>` : null}
        ${can('report:read') ? html`<a class="button" href=${`#/reports/${c.season}`}>${t('report')}</a>` : null}
        ${can('cycle:read') ? html`<button type="button" onClick=${() => void exportCycles(c.id)}>${t('exportCycles')}</button>` : null}
      </p>
      <${Refreshed} at=${state.at} />
      <div class="grid">
        <section aria-labelledby="funnel-h" data-testid="funnel">
          <h2 id="funnel-h">${t('funnel')}</h2>
          <${Bars} label=${t('funnelCaption')} items=${CYCLE_STAGES.filter((s) => c.stageCounts[s] !== undefined).map((s) => ({ name: stageName(s), value: c.stageCounts[s] ?? 0 }))} />
          ${Object.keys(c.outcomeCounts).length ? html`<h3>${t('outcomes')}</h3><${Bars} label=${t('outcomes')} items=${Object.entries(c.outcomeCounts).map(([k, v]) => ({ name: stageName(k), value: v }))} />` : null}
        </section>
        <section aria-labelledby="quota-h">
          <h2 id="quota-h">${t('quota')}</h2>
          <${Bars} label=${t('quota')} items=${c.employers.map((e) => ({ name: e.name, value: e.filled, of: e.posts }))} />
          <${Table} testid="offers" caption=${t('offer')} columns=${[t('offer'), t('employer'), t('filled'), t('posts'), t('contract')]} numeric=${[2, 3]}
            rows=${c.offers.map((o) => [o.id, o.employerName, o.filled, o.posts, `${date(o.contractStart)} → ${date(o.contractEnd)}`])} />
        </section>
        <section aria-labelledby="prov-h" class="wide">
          <h2 id="prov-h">${t('provinces')}</h2>
          <${Table} quietCaption testid="provinces" caption=${t('provinces')} columns=${[t('province'), t('cycles'), t('women'), t('men'), t('selected'), t('embarked'), t('returned'), t('nonReturn')]} numeric=${[1, 2, 3, 4, 5, 6, 7]}
            rows=${c.provinces.map((p) => [p.province, p.cycles, p.women, p.cycles - p.women, p.selected, p.embarked, p.returned, p.nonReturn])} />
        </section>
        <section aria-labelledby="reserve-h">
          <h2 id="reserve-h">${t('reserve')}</h2>
          <dl class="figures"><dt>${t('onList')}</dt><dd>${num(c.reserve.onList)}</dd><dt>${t('called')}</dt><dd>${num(c.reserve.called)}</dd><dt>${t('refused')}</dt><dd>${num(c.reserve.refused)}</dd></dl>
          <${Table} caption=${t('refused')} columns=${[t('when'), t('offer'), t('reason')]} rows=${c.reserve.refusals.slice(0, 10).map((r) => [dateTime(r.calledAt), r.offerId, r.reason])} />
        </section>
        ${state.data?.batches ? html`<section aria-labelledby="visa-h">
          <h2 id="visa-h">${t('visaWeeks')}</h2>
          <${Table} quietCaption testid="visa-batches" caption=${t('visaWeeks')} columns=${[t('batch'), t('when'), t('status'), t('members'), t('issued'), t('refused')]} numeric=${[3, 4, 5]}
            rows=${state.data.batches.items.map((b) => [html`<a href=${`#/visas/${encodeURIComponent(c.id)}`}>${b.batchId}</a>`, date(b.weekStart), stageName(b.state), b.members, b.counts.issued, b.counts.refused])} />
        </section>` : null}
        ${state.data?.sailings ? html`<section aria-labelledby="sail-h">
          <h2 id="sail-h">${t('sailings')}</h2>
          <${Table} quietCaption testid="sailings" caption=${t('sailings')} columns=${[t('departure'), t('when'), t('status'), t('seats'), t('passengers'), t('embarked')]} numeric=${[3, 4, 5]}
            rows=${state.data.sailings.items.map((d) => [html`<a href=${`#/sailings/${encodeURIComponent(c.id)}`}>${d.port} → ${d.destination}</a>`, dateTime(d.departureAt), stageName(d.status === 'convoked' ? 'convoked_sailing' : d.status), d.seats, d.passengerCount, d.embarked])} />
        </section>` : null}
      </div>`}
    <//>`;
}

/** Every cycle of the campaign the user may read, as CSV, page by page. */
async function exportCycles(/** @type {string} */ campaignId) {
  const columns = ['cycleId', 'candidateId', 'province', 'stage', 'outcome', 'employerId', 'offerId', 'updatedAt'];
  const lines = [columns.join(',')];
  for (let offset = 0; ; offset += 1000) {
    const page = await must(api.GET('/campaigns/{campaignId}/cycles', { params: { path: { campaignId }, query: { limit: 1000, offset } } }));
    for (const c of page.items) lines.push([c.cycleId, c.candidateId, c.province, c.stage, c.outcome ?? '', c.employerId ?? '', c.offerId ?? '', c.updatedAt].map((v) => csvCell(String(v))).join(','));
    if (offset + page.items.length >= page.total || !page.items.length) break;
  }
  saveLines(`${campaignId}-cycles.csv`, lines);
}

