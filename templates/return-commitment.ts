// Return commitment signed alongside the contract, in the worker's language then Spanish, gendered. Returning on
// time is what keeps the worker eligible for the next GECCO campaign, so the letter says so explicitly.
import type { ContractDocumentData } from './types';
import {
  bi,
  bullets,
  field,
  formatDate,
  fullName,
  heading,
  NOT_PROVIDED,
  paragraph,
  signatures,
  title,
  workerWords,
  type Bilingual,
  type Doc,
} from './layout';

export function returnCommitment(doc: Doc, data: ContractDocumentData): void {
  const { worker, employer, offer, campaign } = data;
  const w = workerWords(worker.sex);
  const name = fullName(worker);
  const end = formatDate(offer.contractEnd);
  const f = worker.sex === 'F';
  const v = (p: Bilingual) => bi(p, doc);

  title(
    doc,
    { ar: 'التزام بالعودة', fr: 'Engagement de retour', es: 'Compromiso de retorno' },
    {
      ar: 'التدبير الجماعي للتشغيل في بلد المنشأ (GECCO) — الاتفاقية المغربية الإسبانية المؤرخة في 25 يوليوز 2001',
      fr: "Gestion collective des recrutements à l'origine (GECCO) — Accord Maroc-Espagne du 25 juillet 2001",
      es: 'Gestión colectiva de contrataciones en origen (GECCO) — Acuerdo España-Marruecos de 25 de julio de 2001',
    },
  );

  heading(doc, { ar: '1. الهوية', fr: '1. Identité', es: 'Identidad' });
  field(doc, { ar: 'الاسم الكامل', fr: 'Nom et prénom', es: 'Nombre y apellidos' }, name);
  field(doc, { ar: 'رقم البطاقة الوطنية', fr: 'CIN', es: 'CIN (DNI marroquí)' }, worker.nationalId);
  field(doc, { ar: 'تاريخ الازدياد', fr: 'Date de naissance', es: 'Fecha de nacimiento' }, formatDate(worker.birthDate));
  field(doc, { ar: 'رقم جواز السفر', fr: 'N° de passeport', es: 'N.º de pasaporte' }, worker.passportNumber || v(NOT_PROVIDED));
  field(doc, { ar: 'الإقليم / الجماعة', fr: 'Province / Commune', es: 'Provincia / Comuna' }, `${worker.province} / ${worker.commune}`);

  heading(doc, { ar: '2. العقد المعني', fr: '2. Contrat concerné', es: 'Contrato de referencia' });
  field(doc, { ar: 'المشغل', fr: 'Employeur', es: 'Empleador' }, `${employer.name} (CIF ${employer.id}) — ${employer.province}`);
  field(doc, { ar: 'الحملة', fr: 'Campagne', es: 'Campaña' }, `${campaign.name} — ${campaign.season}`);
  field(doc, { ar: 'المنصب', fr: 'Poste', es: 'Puesto' }, offer.post);
  field(doc, { ar: 'بداية العقد', fr: 'Début du contrat', es: 'Inicio del contrato' }, formatDate(offer.contractStart));
  field(doc, { ar: 'نهاية العقد', fr: 'Fin du contrat', es: 'Fin del contrato' }, end);
  field(doc, { ar: 'مرجع الملف', fr: 'Référence du dossier', es: 'Referencia del expediente' }, data.cycleId);
  if (data.visaNumber) field(doc, { ar: 'رقم التأشيرة', fr: 'N° de visa', es: 'N.º de visado' }, data.visaNumber);

  heading(doc, { ar: '3. الالتزام', fr: '3. Engagement', es: 'Compromiso' });
  paragraph(doc, {
    ar: f
      ? `أنا الموقعة أسفله ${name}، الحاملة للبطاقة الوطنية رقم ${worker.nationalId}، ألتزم بالعودة إلى المغرب عند نهاية عقد عملي الموسمي، المحددة في ${end}، وبعدم تمديد إقامتي في إسبانيا بعد المدة المرخص بها.`
      : `أنا الموقع أسفله ${name}، الحامل للبطاقة الوطنية رقم ${worker.nationalId}، ألتزم بالعودة إلى المغرب عند نهاية عقد عملي الموسمي، المحددة في ${end}، وبعدم تمديد إقامتي في إسبانيا بعد المدة المرخص بها.`,
    fr: `Je soussigné${w.eFr} ${name}, titulaire de la CIN ${worker.nationalId}, m'engage à retourner au Maroc à la fin de mon contrat de travail saisonnier, dont le terme est fixé au ${end}, et à ne pas prolonger mon séjour en Espagne au-delà de la durée autorisée.`,
    es: `Yo, ${name}, titular de la CIN ${worker.nationalId}, me comprometo a regresar a Marruecos al término de mi contrato de trabajo de temporada, cuya finalización está fijada el ${end}, y a no prolongar mi estancia en España más allá del periodo autorizado.`,
  });
  paragraph(doc, {
    ar: 'لقد تم إخباري بأن العودة في الوقت المحدد هي ما يسمح باختياري وتشغيلي من جديد في الموسم المقبل. وقد يؤدي التأخر في العودة أو عدم العودة إلى الإقصاء من حملات GECCO المقبلة.',
    fr: `Je suis informé${w.eFr} que le retour dans les délais est ce qui permet d'être à nouveau sélectionné${w.eFr} et recruté${w.eFr} lors de la campagne suivante. Un retour tardif ou l'absence de retour peut entraîner l'exclusion des futures campagnes GECCO.`,
    es: `He sido informad${w.aEs} de que regresar en plazo es lo que permite volver a ser seleccionad${w.aEs} y contratad${w.aEs} en la campaña siguiente. El retorno tardío o la falta de retorno puede suponer la exclusión de futuras campañas GECCO.`,
  });

  heading(doc, { ar: '4. إثبات العودة', fr: '4. Preuve du retour', es: 'Prueba del retorno' });
  paragraph(doc, {
    ar: 'عند عودتي، سأقدم لوكالة أنابيك أحد الإثباتات التالية:',
    fr: "À mon retour, je présenterai à l'agence ANAPEC l'une des preuves suivantes :",
    es: 'A mi regreso, presentaré en la agencia ANAPEC una de las siguientes pruebas:',
  });
  bullets(
    doc,
    [
      { ar: 'سجل الخروج من الميناء', fr: 'Registre de sortie du port', es: 'Registro de salida del puerto' },
      { ar: 'ختم على جواز السفر', fr: 'Cachet sur le passeport', es: 'Sello en el pasaporte' },
      { ar: 'شهادة قنصلية', fr: 'Certificat consulaire', es: 'Certificado consular' },
    ],
    { size: 9.5 },
  );

  signatures(
    doc,
    { ar: `حرر في ____________________ بتاريخ ${formatDate(data.issuedOn)}`, fr: `Fait à ____________________, le ${formatDate(data.issuedOn)}`, es: `En ____________________, a ${formatDate(data.issuedOn)}` },
    [
      { role: w.worker, name },
      { role: { ar: 'تأشيرة أنابيك', fr: 'Visa ANAPEC', es: 'Visto bueno ANAPEC' }, name: v({ ar: 'الختم', fr: 'Cachet', es: 'Sello' }) },
    ],
  );
}
