// SMS to the worker's phone, in her language and gendered, and how a text is cut into SMS parts: GSM 7-bit when
// every character is in the GSM alphabet (160 characters, 153 a part when split), UCS-2 otherwise, which Arabic
// always is (70 characters, 67 a part). The same text is what the agency reads out on its call list.
import { formatDateTimeCasablanca, formatDate } from './layout';

export type SmsTemplate = 'selection' | 'visa_issued' | 'convocation' | 'return_reminder' | 'session_invitation';
export const SMS_TEMPLATES: readonly string[] = ['selection', 'visa_issued', 'convocation', 'return_reminder', 'session_invitation'] satisfies SmsTemplate[];

export interface SmsContext {
  language: 'ar' | 'fr' | 'es';
  sex: 'F' | 'M';
  campaignName: string;
  employerName?: string | null;
  departureAt?: string | null;
  port?: string | null;
  contractEnd?: string | null;
  /** a selection session's site, day (yyyy-mm-dd) and hour (HH:MM, Casablanca) */
  site?: string | null;
  sessionOn?: string | null;
  sessionAt?: string | null;
}

export function renderSms(template: SmsTemplate, c: SmsContext): string {
  const f = c.sex === 'F';
  const when = c.departureAt ? formatDateTimeCasablanca(c.departureAt) : '';
  const port = c.port ?? 'Tanger Ville';
  const end = formatDate(c.contractEnd);
  const employer = c.employerName ?? '';
  const site = c.site ?? '';
  const day = formatDate(c.sessionOn);
  const hour = c.sessionAt ?? '';
  const texts: Record<SmsTemplate, Record<SmsContext['language'], string>> = {
    selection: {
      ar: `أنابيك: تم اختيارك للعمل في موسم ${c.campaignName} عند ${employer}. ستتصل بك وكالتك. الخدمة مجانية.`,
      fr: `ANAPEC: vous avez été retenu${f ? 'e' : ''} pour la campagne ${c.campaignName} chez ${employer}. Votre agence vous appellera. Service gratuit.`,
      es: `ANAPEC: ha sido seleccionad${f ? 'a' : 'o'} para la campaña ${c.campaignName} con ${employer}. Su agencia le llamará. Servicio gratuito.`,
    },
    visa_issued: {
      ar: f
        ? 'أنابيك: تأشيرتك جاهزة. احضري جلسة ما قبل السفر في وكالتك لتوقيع عقد العمل والتزام العودة.'
        : 'أنابيك: تأشيرتك جاهزة. احضر جلسة ما قبل السفر في وكالتك لتوقيع عقد العمل والتزام العودة.',
      fr: "ANAPEC: votre visa est délivré. Venez à la séance de pré-départ de votre agence pour signer le contrat et l'engagement de retour.",
      es: 'ANAPEC: su visado está expedido. Acuda a la sesión previa a la salida en su agencia para firmar el contrato y el compromiso de retorno.',
    },
    convocation: {
      ar: `أنابيك: ${f ? 'أنت مدعوة' : 'أنت مدعو'} للسفر يوم ${when} من ميناء ${port}. في الميناء تسلمك الوكالة جواز السفر وبطاقة الشرطة والتذكرة. ${f ? 'أحضري' : 'أحضر'} بطاقتك الوطنية.`,
      fr: `ANAPEC: vous êtes convoqué${f ? 'e' : ''} au départ le ${when} au port de ${port}. L'agence vous y remet passeport, fiche de police et billet. Apportez votre CIN.`,
      es: `ANAPEC: queda convocad${f ? 'a' : 'o'} a la salida el ${when} en el puerto de ${port}. Allí la agencia le entrega pasaporte, ficha policial y billete. Lleve su CIN.`,
    },
    session_invitation: {
      ar: `أنابيك: ${f ? 'أنت مدعوة' : 'أنت مدعو'} لمقابلة الانتقاء مع ${employer} يوم ${day} على الساعة ${hour} في ${site}. ${f ? 'أحضري' : 'أحضر'} بطاقتك الوطنية. الخدمة مجانية.`,
      fr: `ANAPEC: vous êtes convoqué${f ? 'e' : ''} à l'entretien de sélection avec ${employer} le ${day} à ${hour} à ${site}. Apportez votre CIN. Service gratuit.`,
      es: `ANAPEC: queda convocad${f ? 'a' : 'o'} a la entrevista de selección con ${employer} el ${day} a las ${hour} en ${site}. Lleve su CIN. Servicio gratuito.`,
    },
    return_reminder: {
      ar: f
        ? `أنابيك: ينتهي عقدك يوم ${end}. عودي إلى المغرب وقدمي إثبات العودة لوكالتك لتعملي من جديد في الموسم المقبل.`
        : `أنابيك: ينتهي عقدك يوم ${end}. عد إلى المغرب وقدم إثبات العودة لوكالتك لتعمل من جديد في الموسم المقبل.`,
      fr: `ANAPEC: votre contrat se termine le ${end}. Rentrez au Maroc et présentez la preuve du retour à votre agence pour repartir la saison prochaine.`,
      es: `ANAPEC: su contrato termina el ${end}. Vuelva a Marruecos y presente la prueba del retorno en su agencia para repetir la próxima temporada.`,
    },
  };
  return texts[template][c.language];
}

// GSM 03.38 basic alphabet (the characters that cost one septet).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

export interface SmsParts {
  /** SMPP data_coding: 0 = SMSC default (GSM 7-bit), 8 = UCS-2 */
  dataCoding: 0 | 8;
  parts: string[];
}

/** Cuts a text into the SMS parts it is sent as (multipart when longer than one SMS). */
export function splitSms(text: string): SmsParts {
  const gsm = [...text].every((ch) => GSM_BASIC.has(ch));
  const [single, part] = gsm ? [160, 153] : [70, 67];
  // UCS-2 counts UTF-16 code units; nothing in these texts is outside the BMP
  if (text.length <= single) return { dataCoding: gsm ? 0 : 8, parts: [text] };
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += part) parts.push(text.slice(i, i + part));
  return { dataCoding: gsm ? 0 : 8, parts };
}

/** The phone number as the SMSC expects it: digits with the country code (Moroccan numbers given as 06... get 212). */
export function msisdn(phone: string): string {
  const d = phone.replace(/\D/g, '');
  if (d.startsWith('00')) return d.slice(2);
  if (d.startsWith('0')) return `212${d.slice(1)}`;
  return d;
}
