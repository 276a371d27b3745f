// Personal data never in clear in Temporal: the payload codec (worker/payload-codec.ts) encrypts every payload the
// project's clients and workers write; its codec endpoint (api/codec-routes.ts) lets the Temporal UI show them.
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import cors from '@fastify/cors';
import { codecCors, codecRoutes } from '../api/codec-routes';
import { cycleStateQuery } from '../workflows/contracts/worker-cycle';
import {
  DEVELOPMENT_KEY_ID,
  ENCODING_ENCRYPTED,
  METADATA_KEY_ID,
  PayloadDecryptionError,
  payloadCodec,
  payloadKeysFrom,
} from '../worker/payload-codec';
import {
  fastTimings,
  openCampaignForSteps,
  sampleCampaign,
  sampleCandidate,
  testDataConverter,
  uniqueSuffix,
  waitUntil,
  withTestStack,
  type TestStack,
} from './support';

const newKey = () => crypto.randomBytes(32).toString('base64');
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
const stepRecord = { nationalId: 'QZ551177', firstName: 'Khadouj', lastName: 'Benzekri', phone: '+212 677 123 987', note: 'é ع' };

describe('payload codec', () => {
  const keys = payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1: newKey() }), PAYLOAD_KEY_ID: 'k1' });
  const codec = payloadCodec(keys);

  it('encrypts a payload whole (metadata and data) and decrypts it back', async () => {
    const plain = defaultPayloadConverter.toPayload(stepRecord);
    const [sealed] = await codec.encode([plain]);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCODING_ENCRYPTED);
    expect(text(sealed!.metadata![METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(sealed!.metadata!)).toEqual(['encoding', METADATA_KEY_ID]);
    for (const v of ['QZ551177', 'Khadouj', 'Benzekri', '677 123 987', 'json/plain']) expect(text(sealed!.data)).not.toContain(v);
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(stepRecord);
    expect(text(opened!.metadata!.encoding)).toBe('json/plain');
    // a random IV per payload: the same value twice gives two ciphertexts
    const [again] = await codec.encode([plain]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('passes payloads that are not encrypted through unchanged (histories recorded before encryption)', async () => {
    const plain = defaultPayloadConverter.toPayload({ cycleId: 'worker-x-1' });
    const empty: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    expect(await codec.decode([plain, empty])).toEqual([plain, empty]);
  });

  it('decrypts with the key a payload names after a rotation; new payloads use the new key', async () => {
    const k1 = newKey();
    const before = payloadCodec(payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1 }), PAYLOAD_KEY_ID: 'k1' }));
    const [old] = await before.encode([defaultPayloadConverter.toPayload(stepRecord)]);
    const after = payloadCodec(payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1, k2: newKey() }), PAYLOAD_KEY_ID: 'k2' }));
    const [opened] = await after.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(stepRecord);
    const [fresh] = await after.encode([defaultPayloadConverter.toPayload(stepRecord)]);
    expect(text(fresh!.metadata![METADATA_KEY_ID])).toBe('k2');
    // the old key retired too early: the old payload cannot be read, and the error says which key is missing
    const retired = payloadCodec(payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k2: newKey() }), PAYLOAD_KEY_ID: 'k2' }));
    await expect(retired.decode([old!])).rejects.toThrow(new PayloadDecryptionError('payload encrypted with key "k1", which is not in PAYLOAD_KEYS'));
  });

  it('refuses altered ciphertext, a relabelled key id and a truncated payload', async () => {
    const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(stepRecord)]);
    const flipped = Buffer.from(sealed!.data!);
    flipped[20]! ^= 0x01;
    await expect(codec.decode([{ ...sealed!, data: flipped }])).rejects.toThrow(/could not be decrypted with key "k1"/);
    // the same bytes under another id (same key material): the id is authenticated with the data
    const twin = payloadCodec({ currentKeyId: 'k1', keys: new Map([['k1', keys.keys.get('k1')!], ['k1b', keys.keys.get('k1')!]]) });
    const relabelled = { metadata: { ...sealed!.metadata, [METADATA_KEY_ID]: Buffer.from('k1b') }, data: sealed!.data };
    await expect(twin.decode([relabelled])).rejects.toThrow(PayloadDecryptionError);
    await expect(codec.decode([{ ...sealed!, data: Buffer.from(sealed!.data!).subarray(0, 20) }])).rejects.toThrow(/too short/);
  });

  it('reads its keys from the configuration, naming the setting at fault', () => {
    expect(payloadKeysFrom({}).currentKeyId).toBe(DEVELOPMENT_KEY_ID);
    expect(payloadKeysFrom({ NODE_ENV: 'test' }).keys.size).toBe(1);
    expect(() => payloadKeysFrom({ NODE_ENV: 'production' })).toThrow(/PAYLOAD_KEYS and PAYLOAD_KEY_ID are required in production/);
    expect(() => payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1: newKey() }) })).toThrow(/^PAYLOAD_KEY_ID: required/);
    expect(() => payloadKeysFrom({ PAYLOAD_KEY_ID: 'k1' })).toThrow(/^PAYLOAD_KEYS: required/);
    expect(() => payloadKeysFrom({ PAYLOAD_KEYS: '{k1:', PAYLOAD_KEY_ID: 'k1' })).toThrow(/^PAYLOAD_KEYS: must be JSON/);
    expect(() => payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1: crypto.randomBytes(16).toString('base64') }), PAYLOAD_KEY_ID: 'k1' })).toThrow(
      'PAYLOAD_KEYS: key "k1" must be 32 bytes in base64',
    );
    expect(() => payloadKeysFrom({ PAYLOAD_KEYS: JSON.stringify({ k1: newKey() }), PAYLOAD_KEY_ID: 'k2' })).toThrow(/^PAYLOAD_KEY_ID: "k2" is not one of the keys/);
    // the development key is public: production refuses it under any id
    const devKey = payloadKeysFrom({}).keys.get(DEVELOPMENT_KEY_ID)!.export().toString('base64');
    expect(() => payloadKeysFrom({ NODE_ENV: 'production', PAYLOAD_KEYS: JSON.stringify({ prod: devKey }), PAYLOAD_KEY_ID: 'prod' })).toThrow(/public development key/);
    expect(payloadKeysFrom({ NODE_ENV: 'production', PAYLOAD_KEYS: JSON.stringify({ prod: newKey() }), PAYLOAD_KEY_ID: 'prod' }).currentKeyId).toBe('prod');
  });
});

describe('codec endpoint for the Temporal UI', () => {
  const codec = payloadCodec(payloadKeysFrom({}));
  const uiOrigin = 'http://127.0.0.1:8233';
  async function bareApp(): Promise<{ app: FastifyInstance; routeConfigs: Record<string, unknown> }> {
    const app = Fastify();
    const routeConfigs: Record<string, unknown> = {};
    app.addHook('onRoute', (r) => {
      if (r.method === 'POST') routeConfigs[r.url] = r.config;
    });
    await app.register(cors, codecCors([uiOrigin])); // the app answers CORS for the codec this way (api/app.ts)
    await app.register(codecRoutes, { codec, namespace: 'default', uiOrigins: [uiOrigin] });
    await app.ready();
    return { app, routeConfigs };
  }
  const asJson = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  });

  it('decodes and encodes payloads in the codec server protocol', async () => {
    const { app, routeConfigs } = await bareApp();
    try {
      expect(routeConfigs['/codec/decode']).toMatchObject({ access: { scope: 'payload:decode' } });
      expect(routeConfigs['/codec/encode']).toMatchObject({ access: { scope: 'payload:decode' } });
      const plain = defaultPayloadConverter.toPayload(stepRecord);
      const [sealed] = await codec.encode([plain]);
      const clearOne = defaultPayloadConverter.toPayload('not encrypted');
      const dec = await app.inject({
        method: 'POST',
        url: '/codec/decode',
        headers: { 'x-namespace': 'default', origin: uiOrigin },
        payload: { payloads: [asJson(sealed!), asJson(clearOne)] },
      });
      expect(dec.statusCode, dec.body).toBe(200);
      expect(dec.headers['access-control-allow-origin']).toBe(uiOrigin);
      expect(dec.headers['access-control-allow-credentials']).toBe('true');
      expect(dec.json()).toEqual({ payloads: [asJson(plain), asJson(clearOne)] });

      const enc = await app.inject({ method: 'POST', url: '/codec/encode', payload: { payloads: [asJson(plain)] } });
      expect(enc.statusCode, enc.body).toBe(200);
      const [encoded] = enc.json().payloads;
      expect(Buffer.from(encoded.metadata.encoding, 'base64').toString()).toBe(ENCODING_ENCRYPTED);
      const [back] = await codec.decode([{ metadata: { encoding: Buffer.from(encoded.metadata.encoding, 'base64'), [METADATA_KEY_ID]: Buffer.from(encoded.metadata[METADATA_KEY_ID], 'base64') }, data: Buffer.from(encoded.data, 'base64') }]);
      expect(defaultPayloadConverter.fromPayload(back!)).toEqual(stepRecord);
    } finally {
      await app.close();
    }
  });

  it('answers the UI origin’s preflight, and no other origin', async () => {
    const { app } = await bareApp();
    try {
      const preflight = (origin: string) =>
        app.inject({
          method: 'OPTIONS',
          url: '/codec/decode',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace,authorization' },
        });
      const ok = await preflight(uiOrigin);
      expect(ok.statusCode).toBe(204);
      expect(ok.headers['access-control-allow-origin']).toBe(uiOrigin);
      expect(String(ok.headers['access-control-allow-headers'])).toMatch(/x-namespace/);
      expect(String(ok.headers['access-control-allow-headers'])).toMatch(/authorization/);
      const other = await preflight('https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('refuses another namespace, malformed payloads and payloads it cannot decrypt, naming the field', async () => {
    const { app } = await bareApp();
    try {
      const [sealed] = await codec.encode([defaultPayloadConverter.toPayload(stepRecord)]);
      const wrongNs = await app.inject({ method: 'POST', url: '/codec/decode', headers: { 'x-namespace': 'other' }, payload: { payloads: [asJson(sealed!)] } });
      expect(wrongNs.statusCode).toBe(400);
      expect(wrongNs.json().message).toMatch(/X-Namespace/);
      const notBase64 = await app.inject({ method: 'POST', url: '/codec/decode', payload: { payloads: [{ metadata: { encoding: 'not base64!' } }] } });
      expect(notBase64.statusCode).toBe(400);
      const tampered = asJson(sealed!);
      tampered.data = Buffer.from(Buffer.from(tampered.data, 'base64').map((b, i) => (i === 20 ? b ^ 1 : b))).toString('base64');
      const bad = await app.inject({ method: 'POST', url: '/codec/decode', payload: { payloads: [asJson(sealed!), tampered] } });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().message).toMatch(/^payloads\.1: payload could not be decrypted/);
    } finally {
      await app.close();
    }
  });
});

describe('worker cycle histories on the real server', () => {
  let stack: TestStack;
  withTestStack((s) => (stack = s));

  /** Every payload in a history (objects with metadata.encoding), wherever the event keeps it. */
  function payloadsOf(value: unknown, found: Payload[] = []): Payload[] {
    if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return found;
    const o = value as Record<string, unknown>;
    if (o.metadata && typeof o.metadata === 'object' && 'encoding' in (o.metadata as object)) found.push(o as Payload);
    for (const v of Object.values(o)) payloadsOf(v, found);
    return found;
  }

  it('stores no personal data in clear, while the codec-equipped client reads the cycle', async () => {
    const suffix = uniqueSuffix();
    const campaignId = `pc-${suffix}`;
    const employerId = `B77${Date.now().toString().slice(-6)}`;
    const campaign = await stack.app.inject({ method: 'POST', url: '/campaigns', payload: sampleCampaign(campaignId, employerId) });
    expect(campaign.statusCode, campaign.body).toBe(201);
    const offerId = campaign.json().offers[0].id;
    await openCampaignForSteps(stack.db, campaignId);

    const email = `zoubida.${suffix}@example.test`;
    const person = sampleCandidate({
      firstName: 'Zoubidacodec',
      lastName: 'Benkiranecodec',
      phone: '+212 677 918 273',
      passportNumber: `PX${Date.now().toString().slice(-8)}`,
      email,
    });
    const created = await stack.app.inject({ method: 'POST', url: '/candidates', payload: person });
    expect(created.statusCode, created.body).toBe(201);
    const started = await stack.app.inject({
      method: 'POST',
      url: `/campaigns/${campaignId}/cycles`,
      payload: { candidateId: created.json().id, startedBy: 'coordinator@anapec.test', timings: fastTimings },
    });
    expect(started.statusCode, started.body).toBe(201);
    const cycleId: string = started.json().cycleId;
    const step = async (name: string, body: Record<string, unknown>) => {
      const res = await stack.app.inject({ method: 'POST', url: `/cycles/${cycleId}/${name}`, payload: body });
      expect(res.statusCode, `${name}: ${res.body}`).toBe(200);
    };
    await step('selection', { decision: 'selected', offerId, decidedBy: 'employer@fresas.test' });
    await step('authorisation', { authorisationNumber: `AUT-${suffix}`, issuedOn: '2026-12-01', recordedBy: 'agent@anapec.test' });

    // the selection message went to her address: the history holds it (in an activity's result), encrypted
    const plainClient = new Client({ connection: stack.client.connection, namespace: 'default' });
    const codec = testDataConverter.payloadCodecs[0]!;
    const history = await waitUntil(async () => {
      const h = await plainClient.workflow.getHandle(cycleId).fetchHistory();
      const decoded = await codec.decode(payloadsOf(h));
      return decoded.some((p) => text(p.data).includes(email)) ? h : undefined;
    });

    const raw = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    const digits = person.phone.replace(/\D/g, '');
    for (const value of [person.nationalId, person.passportNumber, person.firstName, person.lastName, person.phone, digits, digits.slice(3), email]) {
      expect(raw.includes(Buffer.from(value)), `${value} in the raw history`).toBe(false);
    }
    // the workflow's input, the steps' records and the activities' results are all ciphertext
    const payloads = payloadsOf(history);
    const encrypted = payloads.filter((p) => text(p.metadata?.encoding) === ENCODING_ENCRYPTED);
    expect(encrypted.length).toBeGreaterThan(5);
    const startedEvent = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
    expect(text(startedEvent.workflowExecutionStartedEventAttributes!.input!.payloads![0]!.metadata!.encoding)).toBe(ENCODING_ENCRYPTED);

    // the codec-equipped client reads the cycle's state; the plain one gets ciphertext it cannot convert
    const state = await stack.client.workflow.getHandle(cycleId).query(cycleStateQuery);
    expect(state).toMatchObject({ cycleId, stage: 'authorised', employerId });
    await expect(plainClient.workflow.getHandle(cycleId).query(cycleStateQuery)).rejects.toThrow(/binary\/encrypted|encoding/i);
  });
});
