// A local SMSC (the operator's SMS centre) for development and tests: a real SMPP 3.4 server (npm `smpp`) that
// accepts any transceiver bind, keeps every submitted part, reassembles multipart messages, and answers each
// submission that asks for it with a delivery receipt on the same session. Numbers starting with an undeliverable
// prefix (default +212 699, none in real use by the tests' workers) get an UNDELIV receipt, to exercise retries and
// escalation. A receipt is kept until the ESME acknowledges it with status 0: refused (a temporary error) or left
// unanswered (the session dropped), it is delivered again, on the same system id's next bound session, as a real
// SMSC's store-and-forward does. GET /messages on the HTTP port lists what was received (JSON), for tests in other
// processes and people.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import smpp, { type PDU, type Session } from 'smpp';

export interface SmscPart {
  messageId: string;
  source: string;
  destination: string;
  dataCoding: number;
  /** concatenation reference, part number and total (1/1 for a single SMS) */
  ref: number | null;
  seq: number;
  total: number;
  text: string;
  receivedAt: string;
  receipt: 'DELIVRD' | 'UNDELIV' | null;
  /** how many times its receipt was sent; more than 1 when the ESME did not acknowledge it */
  receiptDeliveries: number;
  /** the ESME acknowledged the receipt */
  receiptAcknowledged: boolean;
}

export interface SmscMessage {
  destination: string;
  text: string;
  parts: number;
  dataCoding: number;
  messageIds: string[];
  receipt: 'DELIVRD' | 'UNDELIV' | null;
}

export interface SmscHandle {
  port: number;
  httpUrl?: string;
  parts(): SmscPart[];
  /** parts reassembled into messages, in arrival order */
  messages(): SmscMessage[];
  stop(): Promise<void>;
}

export interface SmscOptions {
  /** 0 picks a free port */
  port: number;
  /** serve GET /messages (JSON) on this port; 0 picks a free one; omitted = no HTTP */
  httpPort?: number;
  host?: string;
  /** digits (no +, no spaces) a number must start with to be undeliverable */
  undeliverablePrefixes?: string[];
  /** wait before a receipt refused by the ESME is delivered again (ms) */
  redeliveryMs?: number;
}

interface PendingReceipt {
  systemId: string;
  origin: Session;
  part: SmscPart;
  pdu: Record<string, unknown>;
  inFlight?: Session;
}

export const DEFAULT_UNDELIVERABLE_PREFIXES = ['212699'];

const digits = (number: string) => number.replace(/\D/g, '');

function smppDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}

/** Reassembles parts (UDH reference, sequence, total) into the messages a phone would show. */
export function assemble(parts: SmscPart[]): SmscMessage[] {
  const out: SmscMessage[] = [];
  const open = new Map<string, { message: SmscMessage; got: number }>();
  for (const part of parts) {
    if (part.total <= 1 || part.ref === null) {
      out.push({ destination: part.destination, text: part.text, parts: 1, dataCoding: part.dataCoding, messageIds: [part.messageId], receipt: part.receipt });
      continue;
    }
    const key = `${part.destination}:${part.ref}:${part.total}`;
    let entry = open.get(key);
    if (!entry) {
      entry = { message: { destination: part.destination, text: '', parts: part.total, dataCoding: part.dataCoding, messageIds: [], receipt: null }, got: 0 };
      open.set(key, entry);
      out.push(entry.message);
    }
    const pieces = entry.message.messageIds.length ? entry.message.text : '';
    entry.message.messageIds.push(part.messageId);
    entry.message.text = pieces + part.text; // parts arrive in order on one session
    entry.message.receipt = part.receipt === 'UNDELIV' || entry.message.receipt === 'UNDELIV' ? 'UNDELIV' : part.receipt;
    if (++entry.got === part.total) open.delete(key);
  }
  return out;
}

export async function startSmsc(options: SmscOptions): Promise<SmscHandle> {
  const host = options.host ?? '127.0.0.1';
  const undeliverable = options.undeliverablePrefixes ?? DEFAULT_UNDELIVERABLE_PREFIXES;
  const parts: SmscPart[] = [];
  let nextId = 1;
  const redeliveryMs = options.redeliveryMs ?? 1000;
  const systemOf = new Map<Session, string>(); // session → the system id it bound with
  const receiving = new Set<Session>(); // sessions bound as transceiver or receiver: they take receipts
  const pending = new Map<string, PendingReceipt>(); // message id → receipt not yet acknowledged

  function deliver(receipt: PendingReceipt, refusedBy?: Session): void {
    // back on the session that submitted it, else on another of the same ESME (one that did not just refuse it)
    const others = [...receiving].filter((s) => systemOf.get(s) === receipt.systemId && s !== receipt.origin);
    const order = receiving.has(receipt.origin) ? [receipt.origin, ...others] : others;
    const session = order.find((s) => s !== refusedBy) ?? order[0];
    if (!session || receipt.inFlight) return; // kept until that ESME binds again
    receipt.inFlight = session;
    receipt.part.receiptDeliveries++;
    session.deliver_sm(receipt.pdu, (resp: PDU) => {
      receipt.inFlight = undefined;
      if (resp.command_status === 0) {
        receipt.part.receiptAcknowledged = true;
        pending.delete(receipt.part.messageId);
      } else setTimeout(() => deliver(receipt, session), redeliveryMs).unref();
    });
  }

  function unbound(session: Session): void {
    receiving.delete(session);
    systemOf.delete(session);
    for (const receipt of pending.values()) {
      if (receipt.inFlight === session) {
        receipt.inFlight = undefined;
        deliver(receipt); // on another session of the same ESME, if one is bound
      }
    }
  }

  function onSubmit(session: Session, pdu: PDU): void {
    const messageId = `smsc-${Date.now().toString(36)}-${nextId++}`;
    const sm = pdu.short_message;
    const udh = Array.isArray(sm?.udh) ? sm.udh : sm?.udh ? [sm.udh] : [];
    // concatenation IE 0x00: [0x00, 3, ref, total, seq]
    const concat = udh.find((u) => u[0] === 0x00);
    const destination = pdu.destination_addr ?? '';
    const failed = undeliverable.some((prefix) => digits(destination).startsWith(prefix));
    const part: SmscPart = {
      messageId,
      source: pdu.source_addr ?? '',
      destination,
      dataCoding: pdu.data_coding ?? 0,
      ref: concat ? concat[2]! : null,
      total: concat ? concat[3]! : 1,
      seq: concat ? concat[4]! : 1,
      text: typeof sm?.message === 'string' ? sm.message : (sm?.message?.toString('utf8') ?? ''),
      receivedAt: new Date().toISOString(),
      receipt: null,
      receiptDeliveries: 0,
      receiptAcknowledged: false,
    };
    parts.push(part);
    session.send(pdu.response({ message_id: messageId }));
    if (!((pdu.registered_delivery ?? 0) & 1)) return;
    // the receipt comes shortly after, as from a real network
    setTimeout(() => {
      const stat = failed ? 'UNDELIV' : 'DELIVRD';
      part.receipt = stat;
      const now = smppDate(new Date());
      const receipt: PendingReceipt = {
        systemId: systemOf.get(session) ?? '',
        origin: session,
        part,
        pdu: {
          source_addr: destination,
          destination_addr: part.source,
          esm_class: 0x04,
          short_message: `id:${messageId} sub:001 dlvrd:${failed ? '000' : '001'} submit date:${now} done date:${now} stat:${stat} err:${failed ? '001' : '000'} text:`,
          receipted_message_id: messageId,
          message_state: failed ? 5 : 2,
        },
      };
      pending.set(messageId, receipt);
      deliver(receipt);
    }, 50);
  }

  const server = smpp.createServer({}, (session) => {
    session.on('error', () => session.destroy());
    session.on('close', () => unbound(session));
    for (const bind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
      session.on(bind, (pdu: PDU) => {
        session.send(pdu.response());
        systemOf.set(session, String(pdu.system_id ?? ''));
        if (bind === 'bind_transmitter') return; // receipts go to sessions that receive
        receiving.add(session);
        for (const receipt of pending.values()) if (receipt.systemId === pdu.system_id) deliver(receipt);
      });
    }
    session.on('submit_sm', (pdu: PDU) => onSubmit(session, pdu));
    session.on('enquire_link', (pdu: PDU) => session.send(pdu.response()));
    session.on('deliver_sm_resp', () => {});
    session.on('unbind', (pdu: PDU) => {
      session.send(pdu.response());
      session.close();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let httpServer: http.Server | undefined;
  let httpUrl: string | undefined;
  if (options.httpPort !== undefined) {
    httpServer = http.createServer((req, res) => {
      if (req.url === '/messages' || req.url === '/') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ messages: assemble(parts), parts }));
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => httpServer!.listen(options.httpPort, host, resolve));
    httpUrl = `http://${host}:${(httpServer.address() as AddressInfo).port}`;
  }

  return {
    port,
    httpUrl,
    parts: () => [...parts],
    messages: () => assemble(parts),
    async stop() {
      for (const s of [...server.sessions]) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (httpServer) await new Promise<void>((resolve) => httpServer!.close(() => resolve()));
    },
  };
}
