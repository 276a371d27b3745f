// Smoke test of the development infrastructure: Temporal dev server (with our search attributes, restarted on
// the same SQLite file) and the SMTP mail catcher (a mail with a PDF attachment goes in and is read back over HTTP).
// Usage: npx tsx scripts/smoke-infra.ts
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import nodemailer from 'nodemailer';
import { Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { SEARCH_ATTRIBUTE_DECLARATIONS } from '../workflows/contracts/search-attributes';
import { resolveTemporalBinary } from './lib/temporal-binary';
import { startTemporalDevServer } from './lib/temporal-dev-server';
import { startMailCatcher } from './lib/mail-catcher';
import { freePort } from './lib/process';

const step = (msg: string) => console.log(`[smoke] ${msg}`);

async function checkTemporal(binary: string, dbFile: string, round: number): Promise<void> {
  const [port, uiPort] = [await freePort(), await freePort()];
  const t0 = Date.now();
  const server = await startTemporalDevServer({ binary, port, uiPort, dbFile, namespace: 'default' });
  step(`round ${round}: dev server ready at ${server.address} in ${Date.now() - t0} ms (UI ${server.uiUrl})`);
  try {
    const connection = await Connection.connect({ address: server.address });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      const custom = res.customAttributes ?? {};
      for (const name of Object.keys(SEARCH_ATTRIBUTE_DECLARATIONS)) {
        assert.ok(name in custom, `search attribute ${name} missing; have ${Object.keys(custom).join(', ')}`);
      }
      step(`round ${round}: search attributes present: ${Object.keys(custom).sort().join(', ')}`);
    } finally {
      await connection.close();
    }
    const ui = await fetch(server.uiUrl);
    assert.equal(ui.status, 200, `Web UI answered ${ui.status}`);
  } finally {
    const t1 = Date.now();
    await server.stop();
    step(`round ${round}: dev server stopped in ${Date.now() - t1} ms`);
  }
}

async function checkMail(): Promise<void> {
  const catcher = await startMailCatcher({ smtpPort: 0, httpPort: 0 });
  step(`mail catcher on smtp port ${catcher.smtpPort}, ${catcher.httpUrl}`);
  try {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: catcher.smtpPort, secure: false, ignoreTLS: true });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n', 'latin1');
    const info = await transport.sendMail({
      from: 'GECCO Flow <gecco@anapec.local>',
      to: 'fatima.elidrissi@example.ma',
      bcc: 'intermediation.internationale@anapec.local',
      subject: 'Convocation à la présélection — campagne fraise 2026',
      text: 'Bonjour,\nVous êtes convoquée le 12 janvier à Kénitra.\n',
      attachments: [{ filename: 'convocation.pdf', content: pdf, contentType: 'application/pdf' }],
    });
    transport.close();
    const mail = await catcher.waitFor((m) => m.subject.includes('présélection'), 5_000);
    assert.equal(mail.messageId, info.messageId);
    assert.deepEqual(mail.to.sort(), ['fatima.elidrissi@example.ma', 'intermediation.internationale@anapec.local']);
    assert.equal(mail.from, 'GECCO Flow <gecco@anapec.local>');
    assert.match(mail.text, /Kénitra/);
    assert.equal(mail.attachments.length, 1);
    const [att] = mail.attachments;
    assert.ok(att);
    assert.equal(att.filename, 'convocation.pdf');
    assert.equal(att.contentType, 'application/pdf');
    assert.ok(att.content.equals(pdf), 'attachment bytes differ');
    step(`caught "${mail.subject}" with ${att.filename} (${att.size} B)`);

    const list = (await (await fetch(`${catcher.httpUrl}/messages`)).json()) as Array<{ subject: string; attachments: object[] }>;
    assert.equal(list.length, 1);
    assert.equal(list[0]?.subject, mail.subject);
    assert.ok(!('content' in (list[0]?.attachments[0] ?? {})), 'JSON list must not carry attachment bytes');
    const html = await (await fetch(`${catcher.httpUrl}/`)).text();
    assert.ok(html.includes('convocation.pdf'));
    const download = Buffer.from(await (await fetch(`${catcher.httpUrl}/messages/${mail.id}/attachments/0`)).arrayBuffer());
    assert.ok(download.equals(pdf));
    step('HTTP view serves the list, the HTML page and the attachment');

    catcher.clear();
    await assert.rejects(catcher.waitFor(() => true, 200), /no matching mail/);
  } finally {
    await catcher.stop();
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const binary = resolveTemporalBinary(config);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gecco-smoke-'));
  try {
    const dbFile = path.join(dir, 'temporal.db');
    await checkTemporal(binary, dbFile, 1);
    // same SQLite file, same --search-attribute flags: must start again without complaint
    await checkTemporal(binary, dbFile, 2);
    await checkMail();
    step('OK');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('[smoke] FAILED:', err);
  process.exit(1);
});
