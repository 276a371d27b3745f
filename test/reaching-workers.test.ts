// Reaching a worker who reads Arabic, end to end through the API on the real servers: registered with her name in
// Arabic script and her language, she gets an Arabic/Spanish contract whose text poppler reads back, SMS in Arabic
// caught by the local SMSC with delivery receipts, and she is on her agency's call list for the convocation.
import { describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { emailOutbox } from '../db/schema';
import { popplerText } from './pdf';
import { fastTimings, openSampleCampaign, sampleCandidate, smscMessages, uniqueSuffix, waitUntil, withTestStack, type TestStack } from './support';

let stack: TestStack;
let campaignId: string;
let offerId: string;
const employerId = `B22${Date.now().toString().slice(-6)}`;
const province = `Larache-${uniqueSuffix()}`;
const agencyId = `anapec-larache-${uniqueSuffix()}`;

withTestStack(async (s) => {
  stack = s;
  ({ campaignId, offerId } = await openSampleCampaign(s, 'rw', employerId));
  const agency = await stack.app.inject({ method: 'PUT', url: `/agencies/${agencyId}`, payload: { name: 'ANAPEC Larache', province, email: 'larache@anapec.test' } });
  expect(agency.statusCode, agency.body).toBe(200);
});

const by = { recordedBy: 'agent@anapec.test' };
async function post(url: string, payload: Record<string, unknown>, status = 200) {
  const res = await stack.app.inject({ method: 'POST', url, payload });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(status);
  return res.json();
}

async function smsTo(digits: string, count: number) {
  return waitUntil(async () => {
    const got = (await smscMessages()).filter((m) => m.destination === digits && m.receipt);
    return got.length >= count ? got : undefined;
  }, 20_000);
}

describe('a worker who reads Arabic', () => {
  it('gets her documents in Arabic and Spanish, SMS in Arabic, and is on her agency call list', async () => {
    const phone = `+212 6${String(Date.now()).slice(-8)}`;
    const digits = phone.replace(/\D/g, '');
    const candidate = await post('/candidates', sampleCandidate({ firstName: 'خديجة', lastName: 'المرابط', province, phone, language: 'ar' }), 201);
    expect(candidate).toMatchObject({ language: 'ar', firstName: 'خديجة' });
    const { cycleId } = await post(`/campaigns/${campaignId}/cycles`, { candidateId: candidate.id, startedBy: 'coordinator@anapec.test', timings: fastTimings }, 201);

    await post(`/cycles/${cycleId}/selection`, { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    const [selection] = await smsTo(digits, 1);
    expect(selection!.dataCoding).toBe(8);
    expect(selection!.text).toMatch(/^أنابيك: تم اختيارك للعمل في موسم/);

    await post(`/cycles/${cycleId}/authorisation`, { authorisationNumber: 'AUT-2027-0777', issuedOn: '2026-12-01', ...by });
    await post(`/cycles/${cycleId}/visa-file`, { fileReference: 'VF-0777', submittedOn: '2026-12-05', submittedBy: 'liaison@anapec.test' });
    await post(`/cycles/${cycleId}/consular-decision`, { decision: 'issued', visaNumber: 'ESP-V-0777', ...by });
    const docs = await waitUntil(async () => {
      const res = await stack.app.inject({ method: 'GET', url: `/cycles/${cycleId}/documents` });
      const list = res.json() as { kind: string; url: string }[];
      return list.length >= 3 ? list : undefined;
    });
    const contract = await stack.app.inject({ method: 'GET', url: docs.find((d) => d.kind === 'employment_contract')!.url });
    const text = popplerText(contract.rawPayload);
    expect(text).toContain('عقد عمل موسمي');
    expect(text).toContain('خديجة المرابط');
    expect(text).toContain('تلتزم العاملة بالعودة إلى المغرب');
    expect(text).toContain('CONTRATO DE TRABAJO DE TEMPORADA');
    expect(text).not.toContain('?');
    // without an e-mail address, the documents go to her agency (which prints them for the pre-departure session)
    const visaMail = await stack.mail.waitFor((m) => m.subject.includes('Visa délivré') && m.text.includes(cycleId), 20_000);
    expect(visaMail.to).toContain('larache@anapec.test');
    await smsTo(digits, 2);

    await post(`/cycles/${cycleId}/predeparture`, { sessionAttendedOn: '2027-01-15', contractSigned: true, returnCommitmentSigned: true, ...by });
    const departureAt = new Date(Date.now() + 60_000).toISOString();
    await post(`/cycles/${cycleId}/convocation`, { departureAt, port: 'Tanger Ville', sailing: 'TNG-TAR-0777', ...by });
    // wait for the convocation itself: an SMS sent again (at least once) may make up the count before it arrives
    const convocation = await waitUntil(async () => (await smsTo(digits, 3)).find((m) => m.text.includes('مدعوة للسفر')), 20_000);
    expect(convocation.parts).toBeGreaterThan(1);
    expect(convocation.text).toContain('تسلمك الوكالة جواز السفر وبطاقة الشرطة والتذكرة');
    await waitUntil(async () => {
      const rows = await stack.db.select().from(emailOutbox).where(and(eq(emailOutbox.cycleId, cycleId), eq(emailOutbox.channel, 'sms')));
      return rows.length === 3 && rows.every((r) => r.delivery === 'delivered') ? rows : undefined;
    });

    const list = await stack.app.inject({ method: 'GET', url: `/agencies/${agencyId}/call-list?purpose=convocation&format=csv` });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('خديجة المرابط');
    expect(list.body).toContain(phone);
    expect(list.body).toContain(convocation.text.slice(0, 30));
  });
});
