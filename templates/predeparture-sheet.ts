// Pre-departure sheet, handed over (and read aloud) at the pre-departure session: the contract in short, the
// worker's rights in Spain, the journey, the return, and whom to call. In the worker's language then Spanish,
// gendered. Many workers cannot read: the sheet is short, one idea per line, so an agent can read it out.
import { HANDED_OVER_AT_PORT } from './convocation';
import {
  bi,
  bullets,
  field,
  formatDate,
  formatEuros,
  formatEurosArabic,
  fullName,
  heading,
  paragraph,
  title,
  type Doc,
  type Phrase,
} from './layout';
import type { ContractDocumentData } from './types';

/** Whom the worker calls, before the departure and during the season. */
const whomToCall = (f: boolean): Phrase[] => [
  { ar: 'وكالة أنابيك في إقليمك، قبل السفر وبعد العودة', fr: 'Votre agence ANAPEC, avant le départ et après le retour', es: 'Su agencia ANAPEC, antes de la salida y después del retorno' },
  { ar: 'الوسطاء عند الوصول إلى إسبانيا وطوال الموسم', fr: "Les médiateurs à l'arrivée en Espagne et pendant la saison", es: 'Los mediadores a la llegada a España y durante la temporada' },
  {
    ar: `في حالة مشكل في الأجر أو السكن أو المرض: ${f ? 'أخبري' : 'أخبر'} الوسيط أو النقابة`,
    fr: 'En cas de problème de salaire, de logement ou de maladie : le médiateur ou un syndicat',
    es: 'Si hay un problema de salario, alojamiento o enfermedad: el mediador o un sindicato',
  },
];

export function predepartureSheet(doc: Doc, data: ContractDocumentData): void {
  const { worker, employer, offer, campaign } = data;
  const f = worker.sex === 'F';
  const v = (p: Phrase) => bi(p, doc);
  const start = formatDate(offer.contractStart);
  const end = formatDate(offer.contractEnd);

  title(
    doc,
    { ar: 'ورقة ما قبل السفر', fr: 'Fiche de pré-départ', es: 'Hoja previa a la salida' },
    { ar: `${campaign.name} ${campaign.season}`, fr: `${campaign.name} ${campaign.season}`, es: `${campaign.name} ${campaign.season}` },
  );
  field(doc, { ar: 'الاسم الكامل', fr: 'Nom et prénom', es: 'Nombre y apellidos' }, fullName(worker));
  field(doc, { ar: 'رقم البطاقة الوطنية', fr: 'CIN', es: 'CIN (DNI marroquí)' }, worker.nationalId);
  field(doc, { ar: 'مرجع الملف', fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);

  heading(doc, { ar: '1. عملك', fr: '1. Votre travail', es: 'Su trabajo' });
  field(doc, { ar: 'المشغل', fr: 'Employeur', es: 'Empleador' }, `${employer.name} — ${employer.municipality ? `${employer.municipality}, ` : ''}${employer.province}`);
  field(doc, { ar: 'المنصب', fr: 'Poste', es: 'Puesto' }, offer.post);
  field(doc, { ar: 'من / إلى', fr: 'Du / au', es: 'Del / al' }, `${start} — ${end}`);
  field(
    doc,
    { ar: 'الأجر', fr: 'Salaire', es: 'Salario' },
    v({ ar: `${formatEurosArabic(offer.dailyWageEur)} عن كل يوم عمل`, fr: `${formatEuros(offer.dailyWageEur)} par jour travaillé`, es: `${formatEuros(offer.dailyWageEur)} por día trabajado` }),
  );
  field(
    doc,
    { ar: 'الراحة', fr: 'Repos', es: 'Descanso' },
    v({
      ar: `${offer.daysOffPerWeek} يوم في الأسبوع`,
      fr: `${offer.daysOffPerWeek} jour(s) par semaine`,
      es: `${offer.daysOffPerWeek} día(s) por semana`,
    }),
  );

  heading(doc, { ar: '2. حقوقك في إسبانيا', fr: '2. Vos droits en Espagne', es: 'Sus derechos en España' });
  bullets(
    doc,
    [
      {
        ar: f ? 'تتقاضين أجرك عن كل يوم عمل، مع ورقة الأداء. أيام المطر دون عمل لا يؤدى عنها.' : 'تتقاضى أجرك عن كل يوم عمل، مع ورقة الأداء. أيام المطر دون عمل لا يؤدى عنها.',
        fr: 'Vous êtes payé' + (f ? 'e' : '') + ' pour chaque jour travaillé, avec une fiche de paie. Les jours de pluie sans travail ne sont pas payés.',
        es: 'Cobra cada día trabajado, con nómina. Los días de lluvia sin trabajo no se pagan.',
      },
      {
        ar: f ? 'أنت مسجلة في الضمان الاجتماعي الإسباني من أول يوم عمل.' : 'أنت مسجل في الضمان الاجتماعي الإسباني من أول يوم عمل.',
        fr: `Vous êtes affilié${f ? 'e' : ''} à la Sécurité sociale espagnole dès le premier jour.`,
        es: `Está dad${f ? 'a' : 'o'} de alta en la Seguridad Social española desde el primer día.`,
      },
      {
        ar: 'لك يوم راحة كل أسبوع، وسكن لائق على نفقة المشغل.',
        fr: "Vous avez un jour de repos par semaine et un logement digne payé par l'employeur.",
        es: 'Tiene un día de descanso a la semana y un alojamiento digno pagado por el empleador.',
      },
      {
        ar: 'كل الخدمات مجانية: لا أحد له الحق في أن يطلب منك مالا مقابل عقدك.',
        fr: "Tout est gratuit : personne n'a le droit de vous demander de l'argent pour votre contrat.",
        es: 'Todo es gratuito: nadie tiene derecho a pedirle dinero por su contrato.',
      },
    ],
    { size: 9.5 },
  );

  heading(doc, { ar: '3. السفر', fr: '3. Le voyage', es: 'El viaje' });
  paragraph(doc, {
    ar: f
      ? 'ستصلك رسالة الاستدعاء ورسالة قصيرة على هاتفك بتاريخ السفر. في ميناء طنجة المدينة تسلمك الوكالة الجهوية:'
      : 'ستصلك رسالة الاستدعاء ورسالة قصيرة على هاتفك بتاريخ السفر. في ميناء طنجة المدينة تسلمك الوكالة الجهوية:',
    fr: "Vous recevrez la lettre de convocation et un SMS avec la date du départ. Au port de Tanger Ville, l'agence régionale vous remet :",
    es: 'Recibirá la carta de convocatoria y un SMS con la fecha de salida. En el puerto de Tánger Ciudad, la agencia regional le entrega:',
  });
  bullets(doc, HANDED_OVER_AT_PORT, { size: 9.5 });

  heading(doc, { ar: '4. العودة', fr: '4. Le retour', es: 'El retorno' });
  paragraph(doc, {
    ar: f
      ? `ينتهي عقدك في ${end}. بعد عودتك إلى المغرب، قدمي إثبات العودة لوكالة أنابيك: العودة في الوقت المحدد تسمح لك بالعمل من جديد في الموسم المقبل.`
      : `ينتهي عقدك في ${end}. بعد عودتك إلى المغرب، قدم إثبات العودة لوكالة أنابيك: العودة في الوقت المحدد تسمح لك بالعمل من جديد في الموسم المقبل.`,
    fr: `Votre contrat se termine le ${end}. À votre retour au Maroc, présentez la preuve du retour à votre agence ANAPEC : revenir à temps permet de repartir la saison suivante.`,
    es: `Su contrato termina el ${end}. A su regreso a Marruecos, presente la prueba del retorno en su agencia ANAPEC: volver a tiempo permite repetir la temporada siguiente.`,
  });

  heading(doc, { ar: '5. بمن تتصل', fr: '5. Qui appeler', es: 'A quién llamar' });
  bullets(doc, whomToCall(f), { size: 9.5 });
}
