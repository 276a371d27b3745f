import { describe, it, expect } from 'vitest';
import { PDFParse } from 'pdf-parse';
import {
  documentRenderer,
  renderContract,
  renderConvocation,
  renderReturnCommitment,
} from '../templates/render';
import { formatDateTimeCasablanca, formatEuros, rawEuros, winAnsi } from '../templates/layout';

/** The departure's local time as this runtime's time-zone data has Morocco's offset (it changed in tzdata 2026). */
const moroccoDeparture = new Intl.DateTimeFormat('en-GB', { timeZone: 'Africa/Casablanca', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date('2027-01-30T08:00:00Z'));
import type { ContractDocumentData, ConvocationDocumentData } from '../templates/types';

const worker = {
  firstName: 'Fatima',
  lastName: 'El Amrani',
  nationalId: 'BK123456',
  birthDate: '1990-04-12',
  sex: 'F' as const,
  province: 'Kénitra',
  commune: 'Sidi Yahya El Gharb',
  passportNumber: 'VK7654321',
  passportExpiry: '2031-09-30',
};

const employer = {
  id: 'B21123456',
  name: 'Fresas del Condado S.L.',
  province: 'Huelva',
  municipality: 'Moguer',
};

const campaign = { id: 'camp-2027', name: 'Fraise Huelva', season: 2027 };

const contractData: ContractDocumentData = {
  cycleId: 'cyc-2027-000123',
  issuedOn: '2026-11-15',
  worker,
  employer,
  campaign,
  offer: {
    id: 'off-1',
    post: 'Ouvrière agricole / Peón agrícola',
    tasks: 'Cueillette et conditionnement de fraises / Recolección y envasado de fresas',
    contractMonths: 6,
    contractStart: '2027-02-01',
    contractEnd: '2027-07-31',
    trialDays: 15,
    dailyWageEur: '41.00',
    hoursPerDay: '6.5',
    breakMinutes: 30,
    daysOffPerWeek: 1,
    overtimePaid: true,
    housingProvided: true,
    transportPaid: true,
    medicalCover: true,
  },
  authorisationNumber: 'AUT-HU-2027-0042',
  visaNumber: 'ESP-V-998877',
};

const convocationData: ConvocationDocumentData = {
  cycleId: 'cyc-2027-000123',
  issuedOn: '2027-01-15',
  worker,
  employer,
  campaign,
  // 08:00 UTC: 09:00 in Morocco with tzdata up to 2025 (UTC+1 outside Ramadan), 08:00 with 2026e (Node 24's)
  departureAt: '2027-01-30T08:00:00Z',
  port: 'Tanger Ville',
  sailing: 'FRS-TV-0930',
};

async function pdfText(buffer: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(buffer) });
  try {
    const result = await parser.getText();
    // pdf.js may split lines/spaces differently from what we drew; normalise whitespace.
    return result.text.replace(/\s+/g, ' ');
  } finally {
    await parser.destroy();
  }
}

describe('layout helpers', () => {
  it('formats euros and times', () => {
    expect(formatEuros('41.00')).toBe('41,00 €');
    expect(formatEuros('1234.5')).toBe('1 234,50 €');
    expect(rawEuros('41')).toBe('41.00 EUR');
    expect(formatDateTimeCasablanca('2027-01-30T08:00:00Z')).toBe(`30/01/2027 ${moroccoDeparture}`);
  });

  it('folds characters the standard fonts cannot encode', () => {
    expect(winAnsi('Tanger → Tarifa')).toBe('Tanger -> Tarifa');
    expect(winAnsi('Ouvrière — 41,00 €')).toBe('Ouvrière — 41,00 €');
    expect(winAnsi('Ṣaḥrāʾ')).toBe('Sahra?');
  });
});

describe('document templates', () => {
  it('renders the bilingual employment contract', async () => {
    const pdf = await renderContract(contractData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('CONTRAT DE TRAVAIL SAISONNIER');
    expect(text).toContain('CONTRATO DE TRABAJO DE TEMPORADA');
    expect(text).toContain('41,00 € par jour travaillé');
    expect(text).toContain('41,00 € por día trabajado');
    expect(text).toContain('41.00 EUR');
    expect(text).toContain('01/02/2027');
    expect(text).toContain('31/07/2027');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('15 jours / 15 días');
    expect(text).toContain('6 mois / 6 meses');
    expect(text).toContain('6,5 heures');
    expect(text).toContain('30 minutes');
    expect(text).toContain('VK7654321');
    expect(text).toContain('30/09/2031');
    expect(text).toContain('B21123456');
    expect(text).toContain('AUT-HU-2027-0042');
    expect(text).toContain('ESP-V-998877');
    expect(text).toContain('cyc-2027-000123');
    expect(text).toContain('Tanger -> Huelva');
    expect(text).toContain('25 juillet 2001');
    expect(text).toContain('25 de julio de 2001');
    expect(text).toContain('Rémunération / Retribución');
    expect(text).toContain('ANAPEC — GECCO');
  });

  it('renders the return commitment with the contract end date', async () => {
    const pdf = await renderReturnCommitment(contractData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('ENGAGEMENT DE RETOUR');
    expect(text).toContain('COMPROMISO DE RETORNO');
    expect(text).toContain('31/07/2027');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('Fresas del Condado S.L.');
    expect(text).toContain('cyc-2027-000123');
    expect(text).toMatch(/certificat consulaire/i);
  });

  it('renders the convocation with departure time in Moroccan time', async () => {
    const pdf = await renderConvocation(convocationData);
    expect(pdf.subarray(0, 4).toString('latin1')).toBe('%PDF');
    const text = await pdfText(pdf);
    expect(text).toContain('CONVOCATION AU DÉPART');
    expect(text).toContain(`30/01/2027 ${moroccoDeparture}`);
    expect(text).toContain('Tanger Ville');
    expect(text).toContain('Tarifa');
    expect(text).toContain('FRS-TV-0930');
    expect(text).toContain('Fatima EL AMRANI');
    expect(text).toContain('BK123456');
    expect(text).toContain('Fiche de police');
    expect(text).toContain('cyc-2027-000123');
  });

  it('handles missing optional fields', async () => {
    const text = await pdfText(
      await renderContract({
        ...contractData,
        worker: { ...worker, sex: 'M', passportNumber: null, passportExpiry: null },
        employer: { ...employer, municipality: null },
        authorisationNumber: null,
        visaNumber: undefined,
      }),
    );
    expect(text).toContain('non communiqué / no comunicado');
    expect(text).toContain('Le travailleur');
    const conv = await pdfText(await renderConvocation({ ...convocationData, sailing: null }));
    expect(conv).toContain('communiquée ultérieurement');
  });

  it('is deterministic: same input, same bytes', async () => {
    const [a, b] = await Promise.all([renderContract(contractData), documentRenderer.renderContract(contractData)]);
    expect(a.equals(b)).toBe(true);
    const [c, d] = await Promise.all([renderReturnCommitment(contractData), renderReturnCommitment(contractData)]);
    expect(c.equals(d)).toBe(true);
    const [e, f] = await Promise.all([renderConvocation(convocationData), renderConvocation(convocationData)]);
    expect(e.equals(f)).toBe(true);
    // A different issue date changes the bytes (metadata dates are derived from it).
    const g = await renderContract({ ...contractData, issuedOn: '2026-11-16' });
    expect(a.equals(g)).toBe(false);
  });

  it('rejects an invalid issue date', async () => {
    await expect(renderContract({ ...contractData, issuedOn: 'not-a-date' })).rejects.toThrow(RangeError);
  });
});
