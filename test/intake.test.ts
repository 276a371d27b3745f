// Bulk intake: CSV/JSON files validated row by row, bad rows reported by line and field, reloads change nothing.
import { describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { z } from 'zod';
import { readRows, validateRows } from '../api/files';
import { candidates, workerCycles } from '../db/schema';
import { bulkOperationDone, fastTimings, openSampleCampaign, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
let campaignId: string;
let offerId: string;
withTestStack(async (s) => {
  stack = s;
  ({ campaignId, offerId } = await openSampleCampaign(s, 'in', 'B21777777'));
});

const tag = Date.now().toString().slice(-5);
const nid = (i: number) => `IN${tag}${i}`;
const header = 'nationalId,firstName,lastName,birthDate,sex,province,commune,householdSituation,phone,reserveRank';
const candidatesCsv = [
  header,
  `${nid(1)},Amina,Alaoui,1991-01-02,F,Kénitra,Mnasra,"mariée, 2 enfants",+212600000001,`,
  `${nid(2)},Zineb,Tazi,1989-05-06,F,Larache,Ksar El Kebir,veuve,+212600000002,`,
  `BAD,Sara,Idrissi,06/07/1990,F,Kénitra,Mnasra,célibataire,+212600000003,`,
  `${nid(4)},Hafsa,Berrada,1993-08-09,F,Kénitra,Mnasra,mariée,+212600000004,1`,
].join('\n');

async function postCsv(url: string, csv: string) {
  return stack.app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: csv });
}
const operationDone = (operationId: string) => bulkOperationDone(stack.app, operationId);

describe('bulk intake', () => {
  it('loads a candidate CSV: good rows start cycles, bad rows are reported by line and field, a reload changes nothing', async () => {
    const timings = encodeURIComponent(JSON.stringify(fastTimings));
    const url = `/campaigns/${campaignId}/intake/candidates?loadedBy=coord@anapec.test&timings=${timings}`;
    const res = await postCsv(url, candidatesCsv);
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ rowsTotal: 4, rowsAccepted: 3, rowsRejected: 1, duplicate: false, format: 'csv' });
    expect(body.errors.map((e: { line: number; field: string }) => `${e.line}:${e.field}`).sort()).toEqual(['4:nationalId']); // 06/07/1990 is read as a French date
    expect(body).toMatchObject({ errorsTotal: 1, errorsUrl: `/intake-files/${body.fileId}/errors.csv` });
    const errorsCsv = await stack.app.inject({ method: 'GET', url: body.errorsUrl });
    expect(errorsCsv.statusCode).toBe(200);
    expect(errorsCsv.headers['content-type']).toMatch(/^text\/csv/);
    expect(errorsCsv.body.split('\n').slice(0, 2)).toEqual(['line,field,reason', expect.stringMatching(/^4,nationalId,/)]);
    const op = await operationDone(body.operationId);
    expect(op).toMatchObject({ total: 3, applied: 3, refused: 0 });
    const cycles = await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, campaignId));
    expect(cycles).toHaveLength(3);
    expect(cycles.filter((c) => c.reserveRank === 1)).toHaveLength(1);

    const again = await postCsv(url, candidatesCsv);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, fileId: body.fileId, operationId: body.operationId });
    expect(await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, campaignId))).toHaveLength(3);
  });

  it('loads selection results as JSON and reports unknown workers and offers', async () => {
    const rows = [
      { nationalId: nid(1), decision: 'selected', offerId, decidedBy: 'rrhh@fresas.test' },
      { nationalId: nid(2), decision: 'rejected', reason: 'profile', decidedBy: 'rrhh@fresas.test' },
      { nationalId: 'ZZ999999', decision: 'selected', offerId, decidedBy: 'x' },
      { nationalId: nid(4), decision: 'selected', offerId: 'no-such-offer', decidedBy: 'x' },
    ];
    const res = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection?loadedBy=coord@anapec.test`, payload: rows });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ rowsTotal: 4, rowsAccepted: 2, rowsRejected: 2 });
    expect(res.json().errors).toEqual([
      { line: 3, field: 'nationalId', reason: `no worker cycle for ZZ999999 in campaign ${campaignId}` },
      { line: 4, field: 'offerId', reason: 'offer no-such-offer is not an offer of this campaign' },
    ]);
    await operationDone(res.json().operationId);
    const rowsAfter = await waitUntil(async () => {
      const r = await stack.db.select().from(workerCycles).where(eq(workerCycles.campaignId, campaignId));
      return r.filter((c) => c.stage === 'selected' || c.outcome === 'not_selected').length === 2 ? r : undefined;
    });
    expect(rowsAfter.find((c) => c.stage === 'selected')?.offerId).toBe(offerId);

    // A step refused by the workflow (selection again) is reported on the operation, not lost.
    const again = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/selection?loadedBy=other@anapec.test`, payload: [rows[0]] });
    const op = await operationDone(again.json().operationId);
    expect(op).toMatchObject({ applied: 0, refused: 1 });
    expect(op.refusals[0].reason).toMatch(/not allowed at stage selected/);
  });

  it('refuses an unreadable CSV with 422 and an unknown campaign with 404', async () => {
    const bad = await postCsv(`/campaigns/${campaignId}/intake/candidates?loadedBy=x`, `${header}\n"unterminated,a,b`);
    expect(bad.statusCode).toBe(422);
    const missing = await postCsv(`/campaigns/nope-2099/intake/candidates?loadedBy=x`, candidatesCsv);
    expect(missing.statusCode).toBe(404);
    // who loads a file is the token's person: without one, nothing is read
    const anonymous = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/candidates`, headers: { authorization: '', 'content-type': 'text/csv' }, payload: candidatesCsv });
    expect(anonymous.statusCode).toBe(401);
  });

  it("reads what coordinators' spreadsheets produce: `;`-separated Windows-1252 CSV with dd/mm/yyyy dates, and XLSX", async () => {
    const semicolon = [
      'nationalId;firstName;lastName;birthDate;sex;province;commune;householdSituation;phone;passportExpiry',
      `${nid(21)};Fatiha;Chérkaoui;03/04/1992;F;Kénitra;Mnasra;mariée, 1 enfant;+212600000021;31/12/2030`,
      `${nid(22)};Saïda;Bennani;1990-01-01;F;Larache;Ksar El Kébir;veuve;+212600000022;`,
    ].join('\r\n');
    const latin1 = Buffer.from(semicolon, 'latin1'); // what Excel writes in France and Spain (Windows-1252)
    const res = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/candidates?loadedBy=coord`, headers: { 'content-type': 'text/csv' }, payload: latin1 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ rowsTotal: 2, rowsAccepted: 2, errors: [] });
    const [p] = await stack.db.select().from(candidates).where(eq(candidates.nationalId, nid(21)));
    expect(p).toMatchObject({ lastName: 'Chérkaoui', birthDate: '1992-04-03', passportExpiry: '2030-12-31', householdSituation: 'mariée, 1 enfant' });

    const wb = new ExcelJS.Workbook();
    const sheet = wb.addWorksheet('Candidats');
    sheet.addRow(['nationalId', 'firstName', 'lastName', 'birthDate', 'sex', 'province', 'commune', 'householdSituation', 'phone']);
    sheet.addRow([nid(23), 'Rachida', 'Ouazzani', new Date(Date.UTC(1988, 6, 14)), 'F', 'Kénitra', 'Mnasra', 'mariée', '+212600000023']);
    sheet.addRow(['??', 'Nadia', 'Sqalli', '14/07/1988', 'F', 'Kénitra', 'Mnasra', 'mariée', '+212600000024']);
    const xlsx = Buffer.from(await wb.xlsx.writeBuffer());
    const book = await stack.app.inject({ method: 'POST', url: `/campaigns/${campaignId}/intake/candidates?loadedBy=coord`, headers: { 'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }, payload: xlsx });
    expect(book.statusCode, book.body).toBe(201);
    // spreadsheet line numbers: the header is line 1
    expect(book.json()).toMatchObject({ format: 'xlsx', rowsTotal: 2, rowsAccepted: 1, errors: [{ line: 3, field: 'nationalId' }] });
    const [q] = await stack.db.select().from(candidates).where(eq(candidates.nationalId, nid(23)));
    expect(q?.birthDate).toBe('1988-07-14');

    const dupHeader = await postCsv(`/campaigns/${campaignId}/intake/candidates?loadedBy=coord`, 'nationalId,phone,phone\nAB1,1,2');
    expect(dupHeader.statusCode).toBe(422);
    expect(dupHeader.json().message).toMatch(/the column "phone" appears twice/);
  });
});

describe('a large file shares the event loop', () => {
  it('reads and validates 6,000 rows a slice at a time: other requests are served in between, rows and lines unchanged', async () => {
    // a quoted cell spanning lines and characters outside the BMP, so slices are cut where a record may continue
    const text = ['nationalId,note', ...Array.from({ length: 6000 }, (_, i) => `AB${100000 + i},"line ${i}\nnext 😀 é"`)].join('\r\n');
    let turns = 0;
    const ticker = setInterval(() => (turns += 1), 0);
    const read = await readRows({ headers: { 'content-type': 'text/csv' } } as never, text);
    const readTurns = turns;
    const { ok, errors } = await validateRows(read.rows, z.object({ nationalId: z.string(), note: z.string() }));
    clearInterval(ticker);
    expect(read.rows).toHaveLength(6000);
    expect(read.rows[5999]).toEqual({ line: 12001, values: { nationalId: 'AB105999', note: 'line 5999\nnext 😀 é' } });
    expect(ok).toHaveLength(6000);
    expect(errors).toEqual([]);
    // timers ran while the file was read and again while it was validated
    expect(readTurns).toBeGreaterThan(2);
    expect(turns).toBeGreaterThan(readTurns + 2);
  });
});
