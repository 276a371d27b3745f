import type { Client } from '@temporalio/client';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { DocumentRenderer } from '../templates/render';
import type { SmsGateway } from '../worker/sms';

/** What activities are built from: created once per worker process (worker/main.ts) or per test file. */
export interface ActivityDeps {
  db: Db;
  mailer: Transporter;
  documents: DocumentRenderer;
  /** Coordination activities start and update worker-cycle workflows (bulk operations, reserve list). */
  temporal: Client;
  config: Pick<Config, 'MAIL_FROM' | 'AGENCY_EMAIL' | 'CONSULAR_LIAISON_EMAIL' | 'NON_RETURN_BLOCK_YEARS'> &
    Partial<Pick<Config, 'CONSULATE_LABOUR_OFFICE_EMAIL' | 'SMS_MAX_ATTEMPTS' | 'SMS_RETRY_DELAY' | 'ERASURE_HMAC_KEY' | 'RETENTION_UNSELECTED'>>;
  /** SMS to the workers' phones (SMPP); without it worker SMS stay unsent in the outbox */
  sms?: SmsGateway;
}
