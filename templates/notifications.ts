// E-mail texts sent by the worker cycle. French first (ANAPEC's working language), Spanish for employers. A worker's
// own messages go by SMS in her language (templates/sms.ts); these e-mails reach workers who have an address.
export type NotificationTemplate = 'selection' | 'visa_issued' | 'convocation' | 'return_reminder' | 'consular_escalation' | 'post_vacated' | 'non_return' | 'trial_period_ended';

export interface NotificationContext {
  cycleId: string;
  workerName: string;
  workerSex?: 'F' | 'M';
  campaignName: string;
  employerName?: string;
  visaFileReference?: string | null;
  departureAt?: string | null;
  port?: string | null;
  contractEnd?: string | null;
  outcome?: string | null;
}

const fmtDateTime = (iso: string) =>
  new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Africa/Casablanca' }).format(new Date(iso));

export function renderNotification(template: NotificationTemplate, c: NotificationContext): { subject: string; text: string } {
  const ref = `Référence / Referencia : ${c.cycleId}`;
  const e = c.workerSex === 'M' ? '' : 'e';
  switch (template) {
    case 'selection':
      return {
        subject: `[${c.campaignName}] Sélection / Selección`,
        text: `Bonjour ${c.workerName},\n\nVous avez été retenu${e} pour la campagne ${c.campaignName} par ${c.employerName ?? "l'employeur"}. Votre agence ANAPEC vous contactera pour la suite. Tout est gratuit : ne payez aucun intermédiaire.\n\n${ref}\n`,
      };
    case 'return_reminder':
      return {
        subject: `[${c.campaignName}] Fin de contrat et retour / Fin de contrato y retorno`,
        text: `Bonjour ${c.workerName},\n\nVotre contrat se termine le ${c.contractEnd ?? '?'}. À votre retour au Maroc, présentez la preuve du retour à votre agence ANAPEC : c'est ce qui permet de repartir la saison prochaine.\n\n${ref}\n`,
      };
    case 'visa_issued':
      return {
        subject: `[${c.campaignName}] Visa délivré – contrat et engagement de retour / Visado expedido`,
        text: `Bonjour,\n\nLe visa de ${c.workerName} est délivré. Le contrat de travail et l'engagement de retour sont joints ; ils seront signés lors de la séance de pré-départ.\n\nEl visado de ${c.workerName} ha sido expedido. Se adjuntan el contrato de trabajo y el compromiso de retorno.\n\n${ref}\n`,
      };
    case 'convocation':
      return {
        subject: `[${c.campaignName}] Convocation au départ – ${c.departureAt ? fmtDateTime(c.departureAt) : ''}`,
        text: `Bonjour ${c.workerName},\n\nVous êtes convoqué${e} au départ le ${c.departureAt ? fmtDateTime(c.departureAt) : '?'} au port de ${c.port ?? '?'}. La lettre de convocation est jointe. Au port, l'agence régionale vous remet votre passeport avec le visa, la fiche de police et le billet ; apportez votre CIN et votre exemplaire du contrat et de l'engagement de retour.\n\n${ref}\n`,
      };
    case 'consular_escalation':
      return {
        subject: `[${c.campaignName}] Silence consulaire – dossier ${c.visaFileReference ?? ''}`,
        text: `Le dossier visa ${c.visaFileReference ?? ''} de ${c.workerName} n'a pas reçu de décision consulaire dans le délai. Merci de relancer le consulat.\n\n${ref}\n`,
      };
    case 'post_vacated':
      return {
        subject: `[${c.campaignName}] Poste à pourvoir sur liste de réserve / Puesto vacante – ${c.outcome ?? ''}`,
        text: `${c.workerName} ne partira pas (${c.outcome ?? ''}). Le poste chez ${c.employerName ?? "l'employeur"} est à pourvoir depuis la liste de réserve.\n\n${c.workerName} no viajará (${c.outcome ?? ''}). El puesto queda vacante para la lista de reserva.\n\n${ref}\n`,
      };
    case 'trial_period_ended':
      return {
        subject: `[${c.campaignName}] Fin de la période d'essai – retour anticipé / Fin del periodo de prueba`,
        text: `La période d'essai de ${c.workerName} chez ${c.employerName ?? "l'employeur"} a pris fin. Son retour anticipé doit être organisé et la preuve du retour enregistrée auprès de l'agence ; sans elle, un non-retour sera signalé.\n\nEl periodo de prueba de ${c.workerName} ha terminado. Debe organizarse su retorno anticipado y registrarse la prueba del retorno.\n\n${ref}\n`,
      };
    case 'non_return':
      return {
        subject: `[${c.campaignName}] Non-retour signalé / No retorno`,
        text: `Aucune preuve de retour n'a été enregistrée pour ${c.workerName} après la fin du contrat (${c.contractEnd ?? '?'}) et le délai de grâce.\n\nNo consta el retorno de ${c.workerName} tras el fin del contrato.\n\n${ref}\n`,
      };
  }
}
