// Convocation letter for the departure, in the worker's language beside Spanish (for the employer and the Spanish
// border officers), gendered by the worker's sex. It says what the regional agency hands over at Tanger Ville
// (passport with the visa, police form, ticket) and what the worker brings herself.
import type { ConvocationDocumentData } from './types';
import {
  ACCENT,
  bi,
  bullets,
  field,
  formatDate,
  formatDateTimeCasablanca,
  fullName,
  heading,
  inLanguage,
  paragraph,
  plain,
  title,
  versions,
  workerWords,
  type Doc,
  type Phrase,
} from './layout';

/** Arrival port of the Tanger Ville crossing. */
export const DESTINATION_PORT = 'Tarifa';

/** What the regional agency hands over to each worker at the port (DOMAIN: the worker does not bring them). */
export const HANDED_OVER_AT_PORT: Phrase[] = [
  { ar: 'جواز السفر وعليه تأشيرة العمل', fr: 'Le passeport portant le visa de travail', es: 'El pasaporte con el visado de trabajo' },
  { ar: 'بطاقة الشرطة', fr: 'La fiche de police', es: 'La ficha policial' },
  { ar: 'تذكرة العبور إلى طريفة', fr: 'Le billet de la traversée vers Tarifa', es: 'El billete de la travesía a Tarifa' },
];

/** What the worker brings herself. */
const BROUGHT_ALONG: Phrase[] = [
  { ar: 'البطاقة الوطنية للتعريف', fr: "La carte d'identité nationale (CIN)", es: 'El documento nacional de identidad marroquí (CIN)' },
  { ar: 'نسختك من عقد العمل ومن التزام العودة', fr: "Votre exemplaire du contrat de travail et de l'engagement de retour", es: 'Su ejemplar del contrato de trabajo y del compromiso de retorno' },
  { ar: 'هذه الرسالة', fr: 'Cette lettre de convocation', es: 'Esta carta de convocatoria' },
  { ar: 'ملابس وأغراض شخصية لمدة الموسم، والأدوية التي تحتاجها', fr: 'Vêtements et affaires personnelles pour la saison, vos médicaments', es: 'Ropa y efectos personales para la temporada, sus medicamentos' },
];

export function convocation(doc: Doc, data: ConvocationDocumentData): void {
  const { worker, employer, campaign } = data;
  const f = worker.sex === 'F';
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const departure = formatDateTimeCasablanca(data.departureAt);
  const sailing = data.sailing || bi({ ar: 'سيتم إخبارك لاحقا', fr: 'communiquée ultérieurement', es: 'se comunicará más adelante' }, doc);
  const where = `${employer.name} (${employer.province})`;

  title(doc, { ar: 'استدعاء للسفر', fr: 'Convocation au départ', es: 'Convocatoria de salida' });

  // Addressee block, on the reading side of the worker's language.
  plain(doc, formatDate(data.issuedOn), { size: 9.5, lang: 'fr' });
  doc.moveDown(0.3);
  const lang = versions(doc, w.civility)[0]!.lang;
  plain(doc, `${inLanguage(doc, w.civility)} ${name}`, { bold: true, lang });
  plain(doc, `${inLanguage(doc, { ar: 'رقم البطاقة الوطنية', fr: 'CIN', es: 'CIN' })} ${worker.nationalId}`, { lang });
  plain(doc, `${worker.commune}${lang === 'ar' ? '،' : ','} ${worker.province}`, { lang });
  doc.moveDown(0.8);

  paragraph(doc, {
    ar: f ? 'السيدة الفاضلة،' : 'السيد الفاضل،',
    fr: f ? 'Madame,' : 'Monsieur,',
    es: f ? 'Estimada señora:' : 'Estimado señor:',
  });
  paragraph(doc, {
    ar: `في إطار التدبير الجماعي للتشغيل في بلد المنشأ (GECCO)، تم اختيارك من طرف المشغل ${where}، إسبانيا، للعمل في موسم ${campaign.name} ${campaign.season}. ${f ? 'أنت مدعوة' : 'أنت مدعو'} للسفر حسب المعلومات التالية.`,
    fr: `Dans le cadre de la gestion collective des recrutements à l'origine (GECCO), vous avez été retenu${w.eFr} par l'employeur ${where}, Espagne, pour la campagne ${campaign.name} ${campaign.season}. Vous êtes convoqué${w.eFr} au départ selon les indications ci-dessous.`,
    es: `En el marco de la gestión colectiva de contrataciones en origen (GECCO), ha sido seleccionad${w.aEs} por el empleador ${where}, España, para la campaña ${campaign.name} ${campaign.season}. Queda convocad${w.aEs} a la salida según las indicaciones siguientes.`,
  });

  heading(doc, { ar: 'السفر', fr: 'Départ', es: 'Salida' });
  field(doc, { ar: 'التاريخ والساعة (بتوقيت المغرب)', fr: 'Date et heure (heure du Maroc)', es: 'Fecha y hora (hora de Marruecos)' }, departure);
  field(doc, { ar: 'ميناء الركوب', fr: "Port d'embarquement", es: 'Puerto de embarque' }, data.port);
  field(doc, { ar: 'الرحلة', fr: 'Trajet', es: 'Trayecto' }, `${data.port} – ${DESTINATION_PORT}`);
  field(doc, { ar: 'العبور', fr: 'Traversée', es: 'Travesía' }, sailing);
  field(doc, { ar: 'المشغل', fr: 'Employeur', es: 'Empleador' }, `${employer.name} — ${employer.municipality ? `${employer.municipality}, ` : ''}${employer.province}`);
  field(doc, { ar: 'مرجع الملف', fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);

  heading(doc, {
    ar: 'ما تسلمه لك الوكالة الجهوية في ميناء طنجة المدينة',
    fr: "Remis par l'agence régionale au port de Tanger Ville",
    es: 'Lo que entrega la agencia regional en el puerto de Tánger Ciudad',
  });
  bullets(doc, HANDED_OVER_AT_PORT, { size: 9.5 });

  heading(doc, { ar: 'ما يجب أن تحضره معك', fr: 'Ce que vous apportez', es: 'Lo que debe llevar' });
  bullets(doc, BROUGHT_ALONG, { size: 9.5 });
  doc.moveDown(0.4);
  paragraph(doc, {
    ar: f
      ? 'يرجى الحضور إلى الميناء قبل موعد السفر. في حالة وجود مانع، أخبري وكالة أنابيك فورا: الغياب دون إخبار قد يفقدك مكانك في هذا الموسم. كل هذه الخدمات مجانية: لا تدفعي أي مبلغ لأي وسيط.'
      : 'يرجى الحضور إلى الميناء قبل موعد السفر. في حالة وجود مانع، أخبر وكالة أنابيك فورا: الغياب دون إخبار قد يفقدك مكانك في هذا الموسم. كل هذه الخدمات مجانية: لا تدفع أي مبلغ لأي وسيط.',
    fr: "Présentez-vous au port à l'avance. En cas d'empêchement, prévenez immédiatement votre agence ANAPEC : une absence non signalée peut vous faire perdre votre place pour cette campagne. Tout est gratuit : ne payez rien à aucun intermédiaire.",
    es: 'Preséntese en el puerto con antelación. Si no puede acudir, avise de inmediato a su agencia ANAPEC: una ausencia no comunicada puede hacerle perder su plaza en esta campaña. Todo es gratuito: no pague nada a ningún intermediario.',
  });
  paragraph(doc, {
    ar: 'مع أطيب التحيات.',
    fr: "Veuillez agréer l'expression de nos salutations distinguées.",
    es: 'Reciba un cordial saludo.',
  });
  plain(doc, inLanguage(doc, { ar: 'أنابيك — مصلحة GECCO', fr: 'ANAPEC — Service GECCO', es: 'ANAPEC — Servicio GECCO' }), { bold: true, color: ACCENT, lang });
}
