// @ts-check
// Files: drop a CSV for a campaign, see its rows accepted or refused (line, field, reason; all of them as CSV), then
// follow the bulk operation applying the accepted rows until it is done, with the rows its cycles refused.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, download, must } from '../api.js';
import { can } from '../auth.js';
import { num, t } from '../i18n.js';
import { ErrorBox, Loading, Table, useLoad } from '../ui.js';

const PROGRESS_MS = 1000;
/** The file as it was read: CSV text, sent as it is. @param {string} campaignId @param {string} csv */
const csvUpload = (campaignId, csv) => ({ params: { path: { campaignId } }, body: csv, bodySerializer: (/** @type {unknown} */ b) => /** @type {string} */ (b), headers: { 'content-type': 'text/csv' } });

/** The files a coordinator (or an agency, a port) loads, with the scope each needs. */
const KINDS = {
  candidates: { scope: 'candidate:register', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/intake/candidates', csvUpload(id, csv)) },
  selection: { scope: 'step:selection', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/intake/selection', csvUpload(id, csv)) },
  authorisations: { scope: 'step:authorisation', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/intake/authorisations', csvUpload(id, csv)) },
  predeparture: { scope: 'step:predeparture', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/intake/predeparture', csvUpload(id, csv)) },
  trial_periods: { scope: 'step:trial_period', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/intake/trial-periods', csvUpload(id, csv)) },
  returns: { scope: 'step:return', send: (/** @type {string} */ id, /** @type {string} */ csv) => api.POST('/campaigns/{campaignId}/returns', csvUpload(id, csv)) },
};

/** Whoever may load one of these files has the page (an agency officer its candidate lists). */
export const mayLoadFiles = () => Object.values(KINDS).some((k) => can(k.scope));

/** @param {{ campaignId?: string }} props */
export function Files({ campaignId }) {
  const campaigns = useLoad(() => (can('campaign:read') ? must(api.GET('/campaigns', { params: { query: { limit: 100, offset: 0 } } })) : Promise.resolve({ total: 0, limit: 0, offset: 0, items: [] })), []);
  const kinds = Object.entries(KINDS).filter(([, k]) => can(k.scope)).map(([key]) => key);
  const [campaign, setCampaign] = useState(campaignId ?? '');
  const [kind, setKind] = useState(kinds[0] ?? 'candidates');
  const [file, setFile] = useState(/** @type {File | undefined} */ (undefined));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(/** @type {Error | undefined} */ (undefined));
  const [result, setResult] = useState(/** @type {Awaited<ReturnType<typeof must<any>>> | undefined} */ (undefined));
  useEffect(() => {
    if (!campaign && campaigns.data?.items[0]) setCampaign(campaigns.data.items[0].id);
  }, [campaigns.data]);

  const send = async (/** @type {Event} */ e) => {
    e.preventDefault();
    if (!file || !campaign) return;
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    try {
      setResult(await must(KINDS[/** @type {keyof typeof KINDS} */ (kind)].send(campaign, await file.text())));
    } catch (err) {
      setError(/** @type {Error} */ (err));
    } finally {
      setBusy(false);
    }
  };
  const onDrop = (/** @type {DragEvent} */ e) => {
    e.preventDefault();
    const dropped = e.dataTransfer?.files[0];
    if (dropped) setFile(dropped);
  };

  return html`<h1>${t('files')}</h1>
    <${Loading} state=${campaigns}>
      <form class="upload" onSubmit=${send} aria-labelledby="upload-h">
        <h2 id="upload-h">${t('uploadTitle')}</h2>
        <label>${t('campaign')}
          ${campaigns.data?.items.length
            ? html`<select name="campaign" value=${campaign} onChange=${(/** @type {Event} */ e) => setCampaign(/** @type {HTMLSelectElement} */ (e.target).value)}>
                ${campaigns.data.items.map((c) => html`<option value=${c.id}>${c.name} (${c.season})</option>`)}
              </select>`
            : html`<input name="campaign" required value=${campaign} onInput=${(/** @type {Event} */ e) => setCampaign(/** @type {HTMLInputElement} */ (e.target).value)} />`}
        </label>
        <label>${t('fileKind')}
          <select name="kind" value=${kind} onChange=${(/** @type {Event} */ e) => setKind(/** @type {HTMLSelectElement} */ (e.target).value)}>
            ${kinds.map((k) => html`<option value=${k}>${t(`kind_${k}`)}</option>`)}
          </select>
        </label>
        <div class="dropzone" onDragOver=${(/** @type {DragEvent} */ e) => e.preventDefault()} onDrop=${onDrop}>
          <label>${t('dropHere')}
            <input type="file" name="file" accept=".csv,text/csv" aria-label=${t('chooseFile')} onChange=${(/** @type {Event} */ e) => setFile(/** @type {HTMLInputElement} */ (e.target).files?.[0])} />
          </label>
          ${file ? html`<p class="muted">${file.name} (${num(file.size)} o)</p>` : null}
        </div>
        <button type="submit" disabled=${busy || !file || !campaign}>${busy ? t('sending') : t('send')}</button>
      </form>
      <${ErrorBox} error=${error} />
      ${result ? html`<${FileResult} result=${result} />` : null}
    <//>`;
}

/** @param {{ result: { fileId: number, duplicate: boolean, rowsTotal: number, rowsAccepted: number, rowsRejected: number, errors: { line: number, field: string, reason: string }[], errorsTotal: number, errorsUrl: string | null, operationId: string | null } }} props */
function FileResult({ result }) {
  return html`<section aria-labelledby="result-h" data-testid="file-result">
    <h2 id="result-h">${t('fileResult')}</h2>
    ${result.duplicate ? html`<p role="status">${t('duplicate')}</p>` : null}
    <dl class="figures" role="status">
      <dt>${t('rowsTotal')}</dt><dd>${num(result.rowsTotal)}</dd>
      <dt>${t('rowsAccepted')}</dt><dd data-testid="rows-accepted">${num(result.rowsAccepted)}</dd>
      <dt>${t('rowsRejected')}</dt><dd data-testid="rows-rejected">${num(result.rowsRejected)}</dd>
    </dl>
    ${result.errors.length ? html`
      <${Table} testid="refused-rows" caption=${`${t('refusedRows')} (${num(result.errorsTotal)})`} columns=${[t('line'), t('field'), t('reason')]} rows=${result.errors.map((e) => [String(e.line), e.field, e.reason])} />
      ${result.errorsUrl && can('bulk:read') ? html`<button type="button" onClick=${() => void download(/** @type {string} */ (result.errorsUrl))}>${t('downloadErrors')}</button>` : null}` : null}
    ${result.operationId && can('bulk:read') ? html`<${BulkProgress} operationId=${result.operationId} />` : null}
  </section>`;
}

/** @param {{ operationId: string }} props */
function BulkProgress({ operationId }) {
  const [done, setDone] = useState(false);
  const state = useLoad(async () => {
    const op = await must(api.GET('/bulk-operations/{operationId}', { params: { path: { operationId } } }));
    if (op.status === 'done') setDone(true);
    return op;
  }, [operationId], done ? undefined : PROGRESS_MS);
  const op = state.data;
  return html`<section aria-labelledby="bulk-h" data-testid="bulk-progress">
    <h3 id="bulk-h">${t('progress')}</h3>
    <${Loading} state=${state}>${op && html`
      <progress max=${op.total} value=${op.applied + op.refused} aria-label=${t('progress')}></progress>
      <p role="status" aria-live="polite" data-testid="bulk-status" data-status=${op.status}>${t('progressText', { applied: num(op.applied), refused: num(op.refused), pending: num(op.pending), total: num(op.total), status: op.status })}</p>
      <${Table} caption=${t('refusedRows')} columns=${[t('line'), t('worker'), t('reason')]} rows=${op.refusals.map((r) => [String(r.line), r.cycleId, r.reason])} />`}
    <//>
  </section>`;
}
