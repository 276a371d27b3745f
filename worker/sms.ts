// SMS gateway: an SMPP 3.4 transceiver session to the operator's SMSC (the local one in development and tests),
// opened on first use and reopened after a drop. Submits a text as one or more parts and hands the delivery
// receipts the SMSC sends back to whoever listens (activities/sms.ts stores them). A receipt is acknowledged only
// once stored: one not acknowledged (the process died, PostgreSQL was down) is delivered again by the SMSC.
import smpp, { type PDU, type Session } from 'smpp';
import type { Config } from '../config';
import { msisdn, splitSms } from '../templates/sms';

export interface SmsReceipt {
  messageId: string;
  /** DELIVRD, UNDELIV, REJECTD, EXPIRED, ... as the SMSC writes it */
  stat: string;
  err: string | null;
}

export interface SmsGateway {
  /** Sends the text to the number; resolves with the SMSC's message id of each part. */
  submit(phone: string, text: string): Promise<string[]>;
  /** the handler resolves once the receipt is kept; it rejects to have the SMSC deliver it again later */
  onReceipt(handler: (receipt: SmsReceipt) => Promise<void>): void;
  close(): Promise<void>;
}

export type SmsConfig = Pick<Config, 'SMPP_HOST' | 'SMPP_PORT' | 'SMPP_SYSTEM_ID' | 'SMPP_PASSWORD' | 'SMS_SENDER'>;

const SUBMIT_TIMEOUT_MS = 15_000;
/** SMPP's "temporary application error": the SMSC keeps the receipt and delivers it again */
const ESME_RX_T_APPNACK = 0x64;

function parseReceipt(pdu: PDU): SmsReceipt | undefined {
  const text = typeof pdu.short_message?.message === 'string' ? pdu.short_message.message : (pdu.short_message?.message?.toString('latin1') ?? '');
  const id = pdu.receipted_message_id ?? /id:(\S+)/.exec(text)?.[1];
  const stat = /stat:(\w+)/.exec(text)?.[1];
  if (!id || !stat) return undefined;
  return { messageId: id, stat, err: /err:(\w+)/.exec(text)?.[1] ?? null };
}

export function createSmsGateway(config: SmsConfig): SmsGateway {
  const handlers: ((r: SmsReceipt) => Promise<void>)[] = [];
  let session: Session | undefined;
  let ready: Promise<Session> | undefined;
  let closed = false;
  let reference = Math.floor(Math.random() * 256);

  function open(): Promise<Session> {
    ready ??= new Promise<Session>((resolve, reject) => {
      const s = smpp.connect({ host: config.SMPP_HOST, port: config.SMPP_PORT, auto_enquire_link_period: 30_000 }, () => {
        s.bind_transceiver({ system_id: config.SMPP_SYSTEM_ID, password: config.SMPP_PASSWORD }, (pdu) => {
          if (pdu.command_status === 0) {
            session = s;
            resolve(s);
          } else {
            reject(new Error(`SMSC refused the bind (status ${pdu.command_status})`));
            s.destroy();
          }
        });
      });
      s.on('deliver_sm', (pdu: PDU) => {
        const receipt = (pdu.esm_class ?? 0) & 0x04 ? parseReceipt(pdu) : undefined; // else a worker's reply: not handled here
        if (!receipt) return void s.send(pdu.response());
        // a process that keeps no receipts leaves them to one that does
        if (!handlers.length) return void s.send(pdu.response({ command_status: ESME_RX_T_APPNACK }));
        Promise.all(handlers.map((h) => h(receipt))).then(
          () => s.send(pdu.response()),
          () => s.send(pdu.response({ command_status: ESME_RX_T_APPNACK })),
        );
      });
      s.on('error', (err: Error) => {
        reject(err);
        forget(s);
      });
      s.on('close', () => forget(s));
    });
    return ready;
  }

  function forget(s: Session): void {
    if (session === s) session = undefined;
    ready = undefined;
    // keep a session open while someone waits for receipts
    if (!closed && handlers.length) setTimeout(() => void open().catch(() => {}), 1000).unref();
  }

  function submitPart(s: Session, options: Record<string, unknown>): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the SMSC did not answer the submission in time')), SUBMIT_TIMEOUT_MS);
      s.submit_sm(options, (pdu) => {
        clearTimeout(timer);
        if (pdu.command_status === 0 && pdu.message_id) resolve(pdu.message_id);
        else reject(new Error(`the SMSC refused the message (status ${pdu.command_status})`));
      });
    });
  }

  return {
    async submit(phone, text) {
      const s = session ?? (await open());
      const { dataCoding, parts } = splitSms(text);
      reference = (reference + 1) % 256;
      const ids: string[] = [];
      for (const [i, part] of parts.entries()) {
        const multipart = parts.length > 1;
        ids.push(
          await submitPart(s, {
            source_addr: config.SMS_SENDER,
            source_addr_ton: 5, // alphanumeric sender
            destination_addr: msisdn(phone),
            dest_addr_ton: 1, // international
            dest_addr_npi: 1,
            registered_delivery: 1,
            data_coding: dataCoding,
            esm_class: multipart ? 0x40 : 0,
            short_message: multipart ? { udh: Buffer.from([0x05, 0x00, 0x03, reference, parts.length, i + 1]), message: part } : part,
          }),
        );
      }
      return ids;
    },
    onReceipt(handler) {
      handlers.push(handler);
      // receipts come on the bound session: open it now
      void open().catch(() => {});
    },
    async close() {
      closed = true;
      const s = session;
      if (!s) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        s.unbind({}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      s.destroy();
    },
  };
}
