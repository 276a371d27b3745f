import { describe, it, expect } from 'vitest';
import { pdfText, popplerText, renderPage } from './pdf';
import {
  documentRenderer,
  renderContract,
  renderConvocation,
  renderPredepartureSheet,
  renderReturnCommitment,
  renderVisaBatchManifest,
} from '../templates/render';
import { formatDateTimeCasablanca, formatEuros, rawEuros } from '../templates/layout';
import { missingGlyphs } from '../templates/typeset';
import { createDocumentRenderer } from '../templates/render-pool';

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
  language: 'fr' as const,
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

/** The text holds every `expected` string and none of `absent`. */
function expectText(text: string, expected: string[], absent: string[] = []): void {
  for (const s of expected) expect(text).toContain(s);
  for (const s of absent) expect(text).not.toContain(s);
}

describe('layout helpers', () => {
  it('formats euros and times', () => {
    expect(formatEuros('41.00')).toBe('41,00 €');
    expect(formatEuros('1234.5')).toBe('1 234,50 €');
    expect(rawEuros('41')).toBe('41.00 EUR');
    expect(formatDateTimeCasablanca('2027-01-30T08:00:00Z')).toBe(`30/01/2027 ${moroccoDeparture}`);
  });

});

describe('document templates', () => {
  it('renders the bilingual employment contract', async () => {
    expectText(await pdfText(await renderContract(contractData)), [
      'CONTRAT DE TRAVAIL SAISONNIER', 'CONTRATO DE TRABAJO DE TEMPORADA', '41,00 € par jour travaillé', '41,00 € por día trabajado', '41.00 EUR',
      '01/02/2027', '31/07/2027', 'Fatima EL AMRANI', 'BK123456', '15 jours / 15 días', '6 mois / 6 meses', '6,5 heures', '30 minutes',
      'VK7654321', '30/09/2031', 'B21123456', 'AUT-HU-2027-0042', 'ESP-V-998877', 'cyc-2027-000123', 'Tanger – Huelva',
      '25 juillet 2001', '25 de julio de 2001', 'Rémunération / Retribución', 'ANAPEC — GECCO',
    ]);
  });

  it('renders the return commitment with the contract end date', async () => {
    const text = await pdfText(await renderReturnCommitment(contractData));
    expectText(text, ['ENGAGEMENT DE RETOUR', 'COMPROMISO DE RETORNO', '31/07/2027', 'Fatima EL AMRANI', 'BK123456', 'Fresas del Condado S.L.', 'cyc-2027-000123']);
    expect(text).toMatch(/certificat consulaire/i);
  });

  it('renders the convocation with departure time in Moroccan time', async () => {
    expectText(await pdfText(await renderConvocation(convocationData)), [
      'CONVOCATION AU DÉPART', `30/01/2027 ${moroccoDeparture}`, 'Tanger Ville', 'Tarifa', 'FRS-TV-0930', 'Fatima EL AMRANI', 'BK123456',
      'La fiche de police', "Remis par l'agence régionale au port de Tanger Ville", 'cyc-2027-000123',
    ]);
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

// ---------------------------------------------------------------------------------------------------------------
// Arabic: read back with poppler (scripts/ensure-poppler.sh installs it), pages rendered to test-artifacts/.

/** The printed text (poppler) holds every `expected` string, none of `absent` and no `?` (a glyph lost); the first
 * page is kept as artefact `name`. */
function expectPrinted(pdf: Buffer, name: string, expected: string[], absent: string[] = []): string {
  expectText(popplerText(pdf), expected, ['?', ...absent]);
  return renderPage(pdf, name);
}

const arabicWorker = {
  ...worker,
  firstName: 'فاطمة',
  lastName: 'العمراني',
  province: 'القنيطرة',
  commune: 'سيدي يحيى الغرب',
  language: 'ar' as const,
};
const arabicContract: ContractDocumentData = { ...contractData, worker: arabicWorker };
const arabicConvocation: ConvocationDocumentData = { ...convocationData, worker: { ...arabicWorker, sex: 'M', firstName: 'محمد', lastName: 'بناني' } };

describe('documents in Arabic beside Spanish', () => {
  it('prints the contract in Arabic and Spanish: shaped, in logical order, names as written, gendered', async () => {
    const page = expectPrinted(await renderContract(arabicContract), 'contract-ar', [
      'عقد عمل موسمي', 'CONTRATO DE TRABAJO DE TEMPORADA', 'فاطمة العمراني', 'سيدي يحيى الغرب', 'تلتزم العاملة بالعودة إلى المغرب عند نهاية العقد',
      'La trabajadora se compromete a regresar a Marruecos', 'يستحق الأجر عن كل يوم عمل فعلي', 'يورو عن كل يوم عمل', 'en árabe y en español',
    ], ['CONTRAT DE TRAVAIL']);
    expect(page).toMatch(/contract-ar\.png$/);
  });

  it("prints the contract's legal form by the campaign's framework: fixed-discontinuous (multi-year) or fixed-term", async () => {
    const multi = popplerText(await renderContract(contractData));
    expectText(multi, [
      'contrat de travail fixe discontinu (fijo-discontinuo, article 16 du Statut des travailleurs)', 'Real Decreto 629/2022',
      'Appel pour la campagne 2027 : du 01/02/2027 au 31/07/2027', 'llama a la trabajadora en cada campaña', 'Fixe discontinu (fijo-discontinuo)',
    ], ['durée déterminée', 'duración determinada']);
    const fixed = popplerText(await renderContract({ ...contractData, campaign: { ...contractData.campaign, framework: 'fixed_term' } }));
    expectText(fixed, ['contrat de travail à durée déterminée (article 15 du Statut des travailleurs)', 'se extingue el 31/07/2027', 'À durée déterminée'], ['fijo-discontinuo', '629/2022']);
    expectPrinted(await renderContract({ ...arabicContract, worker: { ...arabicWorker, sex: 'M', firstName: 'محمد' } }), 'contract-ar-multi-year', [
      'عقد عمل دائم متقطع', 'يستدعي المشغل العامل في كل حملة', 'ويعود العامل إلى', 'المغرب في نهاية كل موسم', 'llama al trabajador en cada campaña',
    ], ['يستدعي المشغل العاملة', 'وتعود العاملة']);
  });

  it('prints the return commitment and the pre-departure sheet in Arabic', async () => {
    expectPrinted(await renderReturnCommitment(arabicContract), 'return-commitment-ar', ['التزام بالعودة', 'أنا الموقعة أسفله', 'شهادة قنصلية']);
    expectPrinted(await renderPredepartureSheet(arabicContract), 'predeparture-sheet-ar', ['ورقة ما قبل السفر', 'حقوقك في إسبانيا', 'بطاقة الشرطة', 'HOJA PREVIA A LA SALIDA']);
  });

  it('convokes a man in the masculine and says what the agency hands over at Tanger Ville', async () => {
    expectPrinted(await renderConvocation(arabicConvocation), 'convocation-ar', [
      'استدعاء للسفر', 'محمد بناني', 'السيد الفاضل', 'أنت مدعو للسفر', 'ما تسلمه لك الوكالة الجهوية في ميناء طنجة المدينة',
      'جواز السفر وعليه تأشيرة العمل', 'تذكرة العبور إلى طريفة', 'ما يجب أن تحضره معك', 'Queda convocado a la salida',
    ], ['مدعوة']);
  });

  it('prints names in any Latin script with their accents, and loses no glyph anywhere', async () => {
    const text = popplerText(await renderContract({ ...contractData, worker: { ...worker, firstName: 'Ṣaḥrāʾ', lastName: 'Đặng Œuvray' } }));
    expect(text).toContain('Ṣaḥrāʾ ĐẶNG ŒUVRAY');
    expect(missingGlyphs()).toEqual([]);
  });

  it('writes a Spanish-reading worker\'s documents once, in Spanish', async () => {
    const text = popplerText(await renderConvocation({ ...convocationData, worker: { ...worker, language: 'es' } }));
    expect(text).toContain('CONVOCATORIA DE SALIDA');
    expect(text).not.toContain('CONVOCATION AU DÉPART');
    expect(text).toContain('Estimada señora');
  });
});

describe('staff documents', () => {
  it('prints names written in Arabic as written in a visa batch manifest', async () => {
    const member = {
      n: 1, cycleId: 'worker-x-1', nationalId: 'BK123456', firstName: 'فاطمة', lastName: 'العمراني', province: 'القنيطرة',
      passportNumber: 'VK7654321', passportExpiry: '2031-09-30', employerId: 'B21123456', employerName: 'Fresas del Condado S.L.',
      authorisationNumber: 'AUT-1', offerId: 'off-1', contractStart: '2027-02-01', contractEnd: '2027-07-31', attempt: 1, decision: null,
    };
    const pdf = await renderVisaBatchManifest({ batchId: 'visa-x-1', issuedOn: '2026-12-01', campaign, weekStart: '2026-12-07', capacity: 1500, lodgedOn: null, members: [member, { ...member, n: 2, firstName: 'Élodie', lastName: 'Ñúñez' }] });
    expectPrinted(pdf, 'visa-batch-manifest', ['فاطمة', 'العمراني', 'Élodie']);
  });
});

describe('documents rendered on threads (the worker process: templates/render-pool.ts)', () => {
  it('gives the same bytes as the in-process renderer, in Arabic and French, manifests too, and a bad date still rejects', async () => {
    const pool = createDocumentRenderer(2);
    try {
      const inputs = [
        () => [pool.renderContract(arabicContract), documentRenderer.renderContract(arabicContract)],
        () => [pool.renderConvocation(arabicConvocation), documentRenderer.renderConvocation(arabicConvocation)],
        () => [pool.renderReturnCommitment(contractData), documentRenderer.renderReturnCommitment(contractData)],
        () => [pool.renderPredepartureSheet(contractData), documentRenderer.renderPredepartureSheet(contractData)],
      ];
      for (const pair of inputs) {
        const [threaded, inProcess] = await Promise.all(pair());
        expect(Buffer.isBuffer(threaded)).toBe(true);
        expect(threaded!.equals(inProcess!)).toBe(true);
      }
      // manifests (the API renders them; the pool can too): the same bytes
      const member = {
        n: 1, cycleId: 'worker-x-1', nationalId: 'BK123456', firstName: 'فاطمة', lastName: 'العمراني', province: 'القنيطرة',
        passportNumber: 'VK7654321', passportExpiry: '2031-09-30', employerId: 'B21123456', employerName: 'Fresas del Condado S.L.',
        authorisationNumber: 'AUT-1', offerId: 'off-1', contractStart: '2027-02-01', contractEnd: '2027-07-31', attempt: 1, decision: null,
      };
      const batch = { batchId: 'visa-x-1', issuedOn: '2026-12-01', campaign, weekStart: '2026-12-07', capacity: 1500, lodgedOn: null, members: [member, { ...member, n: 2 }] };
      expect((await pool.renderVisaBatchManifest(batch)).equals(await renderVisaBatchManifest(batch))).toBe(true);
      await expect(pool.renderContract({ ...contractData, issuedOn: 'not-a-date' })).rejects.toThrow();
      // the pool is still usable after a failed document
      expect((await pool.renderConvocation(convocationData)).length).toBeGreaterThan(1000);
    } finally {
      await pool.close();
    }
  });
});
