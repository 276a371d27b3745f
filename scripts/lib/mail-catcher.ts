// A local SMTP catcher for development and tests: accepts every message (no auth, no TLS), keeps it in memory,
// and optionally shows it over HTTP so a developer can read what GECCO Flow would have sent.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type AddressObject } from 'mailparser';

export interface CaughtAttachment {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

export interface CaughtMail {
  /** index in arrival order, stable until clear() */
  id: number;
  messageId: string;
  /** the From header as written, e.g. `GECCO Flow <gecco@anapec.local>` */
  from: string;
  /** envelope recipients (RCPT TO): every address the message was delivered to, Bcc included */
  to: string[];
  subject: string;
  text: string;
  html?: string;
  attachments: CaughtAttachment[];
  receivedAt: Date;
}

export interface MailCatcherHandle {
  smtpPort: number;
  httpUrl?: string;
  messages(): CaughtMail[];
  waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs: number): Promise<CaughtMail>;
  clear(): void;
  stop(): Promise<void>;
}

export interface MailCatcherOptions {
  /** 0 picks a free port; the chosen one is returned as smtpPort */
  smtpPort: number;
  /** serve GET / (HTML) and GET /messages (JSON) on this port; 0 picks a free one; omitted = no HTTP */
  httpPort?: number;
  /** interface for both listeners (default 127.0.0.1) */
  host?: string;
  /** largest message accepted, in bytes (default 30 MB) */
  maxMessageBytes?: number;
  /**
   * false: accept and count messages without parsing them (envelope, size and the Message-ID header only), as a relay
   * would; for benchmarks
   */
  parse?: boolean;
}

/** `Name <address>` (unquoted, like MAIL_FROM is written) or the bare address, for each mailbox in a header. */
function mailboxes(a: AddressObject | AddressObject[] | undefined): string[] {
  if (!a) return [];
  return (Array.isArray(a) ? a : [a])
    .flatMap((x) => x.value)
    .map((m) => (m.name ? `${m.name} <${m.address ?? ''}>` : (m.address ?? '')))
    .filter(Boolean);
}

function listen(server: { listen(port: number, host: string, cb: () => void): unknown }, netServer: import('node:net').Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    netServer.once('error', onError);
    server.listen(port, host, () => {
      netServer.off('error', onError);
      resolve((netServer.address() as AddressInfo).port);
    });
  });
}

/** JSON shape served over HTTP: everything but the attachment bytes. */
function summary(m: CaughtMail) {
  return {
    ...m,
    receivedAt: m.receivedAt.toISOString(),
    attachments: m.attachments.map(({ filename, contentType, size }) => ({ filename, contentType, size })),
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

function renderIndex(list: CaughtMail[]): string {
  const rows = [...list]
    .reverse()
    .map((m) => {
      const files = m.attachments
        .map(
          (a, i) =>
            `<a href="/messages/${m.id}/attachments/${i}">${escapeHtml(a.filename)}</a> <small>(${escapeHtml(a.contentType)}, ${a.size} B)</small>`,
        )
        .join('<br>');
      return `<details><summary><b>${escapeHtml(m.subject || '(no subject)')}</b> &mdash; to ${escapeHtml(m.to.join(', '))}
<small>from ${escapeHtml(m.from)} at ${m.receivedAt.toISOString()}</small></summary>
<pre>${escapeHtml(m.text)}</pre>${files ? `<p>${files}</p>` : ''}</details>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>GECCO Flow mail catcher</title>
<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}details{border-bottom:1px solid #ddd;padding:.5rem 0}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}</style>
</head><body><h1>Caught mail (${list.length})</h1><p><a href="/messages">JSON</a> &middot; newest first &middot; reload to refresh</p>
${rows || '<p>No mail yet.</p>'}</body></html>`;
}

export async function startMailCatcher(opts: MailCatcherOptions): Promise<MailCatcherHandle> {
  const host = opts.host ?? '127.0.0.1';
  let caught: CaughtMail[] = [];
  let nextId = 0;
  const waiters = new Set<(mail: CaughtMail) => void>();

  const smtp = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: opts.maxMessageBytes ?? 30 * 1024 * 1024,
    closeTimeout: 1_000,
    onData(stream, session, callback) {
      if (opts.parse === false) {
        let size = 0;
        // the header block only (up to the blank line, at most 64 KB), for its Message-ID
        let head = '';
        let headDone = false;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (headDone) return;
          head += chunk.toString('latin1');
          const end = head.indexOf('\r\n\r\n');
          if (end >= 0 || head.length > 65_536) {
            head = end >= 0 ? head.slice(0, end) : head;
            headDone = true;
          }
        });
        stream.on('end', () => {
          const mail: CaughtMail = {
            id: nextId++,
            messageId: /^Message-ID:[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)/im.exec(head)?.[1]?.replace(/\r\n[ \t]+/g, ' ').trim() ?? '',
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: '',
            text: '',
            attachments: [],
            receivedAt: new Date(),
          };
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('message exceeds the size limit'), { responseCode: 552 }));
            return;
          }
          caught.push(mail);
          for (const w of [...waiters]) w(mail);
          callback(null, `queued as ${mail.id} (${size} bytes)`);
        });
        return;
      }
      simpleParser(stream)
        .then((parsed) => {
          if (stream.sizeExceeded) {
            callback(Object.assign(new Error('message exceeds the size limit'), { responseCode: 552 }));
            return;
          }
          const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
          const mail: CaughtMail = {
            id: nextId++,
            messageId: parsed.messageId ?? '',
            from: mailboxes(parsed.from).join(', ') || (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
            to: envelopeTo.length > 0 ? envelopeTo : [...mailboxes(parsed.to), ...mailboxes(parsed.cc)],
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
            attachments: parsed.attachments.map((a) => ({
              filename: a.filename ?? '',
              contentType: a.contentType,
              size: a.size ?? a.content.length,
              content: a.content,
            })),
            receivedAt: new Date(),
          };
          caught.push(mail);
          for (const w of [...waiters]) w(mail);
          callback(null, `queued as ${mail.id}`);
        })
        .catch((err: unknown) => callback(err instanceof Error ? err : new Error(String(err))));
    },
  });
  smtp.on('error', () => {
    // connection-level errors (client hung up mid-session) must not crash the process
  });
  const smtpPort = await listen(smtp, smtp.server, opts.smtpPort, host);

  let httpServer: http.Server | undefined;
  let httpUrl: string | undefined;
  if (opts.httpPort !== undefined) {
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const send = (status: number, type: string, body: string | Buffer) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(body);
      };
      if (req.method === 'GET' && url.pathname === '/') return send(200, 'text/html; charset=utf-8', renderIndex(caught));
      if (req.method === 'GET' && url.pathname === '/messages') {
        return send(200, 'application/json; charset=utf-8', JSON.stringify(caught.map(summary)));
      }
      if (req.method === 'DELETE' && url.pathname === '/messages') {
        caught = [];
        return send(204, 'text/plain', '');
      }
      const att = /^\/messages\/(\d+)\/attachments\/(\d+)$/.exec(url.pathname);
      if (req.method === 'GET' && att) {
        const a = caught.find((m) => m.id === Number(att[1]))?.attachments[Number(att[2])];
        if (!a) return send(404, 'text/plain', 'not found');
        res.writeHead(200, {
          'content-type': a.contentType,
          'content-disposition': `inline; filename="${a.filename.replace(/["\\\r\n]/g, '_')}"`,
        });
        return res.end(a.content);
      }
      return send(404, 'text/plain', 'not found');
    });
    try {
      const port = await listen(server, server, opts.httpPort, host);
      httpServer = server;
      httpUrl = `http://${host}:${port}`;
    } catch (err) {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      throw err;
    }
  }

  return {
    smtpPort,
    ...(httpUrl ? { httpUrl } : {}),
    messages: () => [...caught],
    waitFor(predicate, timeoutMs) {
      const already = caught.find(predicate);
      if (already) return Promise.resolve(already);
      return new Promise<CaughtMail>((resolve, reject) => {
        const waiter = (mail: CaughtMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = caught.map((m) => `"${m.subject}" to ${m.to.join(', ')}`);
          reject(new Error(`no matching mail within ${timeoutMs} ms; caught so far: ${seen.length ? seen.join('; ') : 'none'}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      caught = [];
    },
    async stop() {
      await Promise.all([
        new Promise<void>((resolve) => smtp.close(() => resolve())),
        httpServer
          ? new Promise<void>((resolve) => {
              httpServer.close(() => resolve());
              httpServer.closeAllConnections();
            })
          : Promise.resolve(),
      ]);
    },
  };
}
