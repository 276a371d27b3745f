// Temporal payloads encrypted at rest in the server's history: workflow inputs, step records, activity results and
// query answers carry e-mail addresses, names and document numbers, which must never be stored there in clear.
// AES-256-GCM: a random 12-byte IV per payload, the key's id in the payload's metadata so older keys keep decrypting
// older histories after a rotation (PAYLOAD_KEYS lists them all, PAYLOAD_KEY_ID names the one new payloads use).
// Used by every Temporal client and worker of the project (worker, API, tests, replay), never by workflow code: the
// codec runs outside the workflow sandbox (node:crypto is not deterministic and not allowed there).
//
// Not covered by a codec, by Temporal's design: search attributes (CampaignId, Stage, ...: no personal data by rule)
// and failure messages (the activity interceptors strip values from database errors).
import crypto, { type KeyObject } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
// the default import: a CommonJS package whose named exports Node's ESM loader cannot see (worker/main.ts under Node)
import proto from '@temporalio/proto';
import type { Config } from '../config';

export const ENCODING_ENCRYPTED = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';

const ProtoPayload = proto.temporal.api.common.v1.Payload;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** The id of the development key, used when PAYLOAD_KEYS is unset outside production. */
export const DEVELOPMENT_KEY_ID = 'dev-1';
// Development only, and deliberately not secret: derived from a fixed phrase so every checkout, test run and recorded
// history (test/histories) shares it. Production refuses it (payloadKeysFrom).
const DEVELOPMENT_KEY = crypto.createHash('sha256').update('GECCO Flow development payload key dev-1: public, never for production').digest();

export interface PayloadKeys {
  /** the key new payloads are encrypted with */
  currentKeyId: string;
  /** every key that may have encrypted a payload still in a history, the current one included */
  keys: ReadonlyMap<string, KeyObject>;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
// 32 bytes in base64 (standard or URL-safe alphabet): 43 characters and an optional '='
const KEY_BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;

/**
 * The payload keys from the configuration: PAYLOAD_KEYS ({"<key id>":"<32 bytes, base64>",...}) and PAYLOAD_KEY_ID
 * (one of them). Both unset outside production: the development key `dev-1`. Throws, naming the setting, on
 * anything else; production refuses to run without keys or with the development key.
 */
export function payloadKeysFrom(config: Partial<Pick<Config, 'NODE_ENV' | 'PAYLOAD_KEYS' | 'PAYLOAD_KEY_ID'>>): PayloadKeys {
  const production = config.NODE_ENV === 'production';
  if (!config.PAYLOAD_KEYS && !config.PAYLOAD_KEY_ID) {
    if (production) throw new Error('PAYLOAD_KEYS and PAYLOAD_KEY_ID are required in production (Temporal payloads are encrypted)');
    return { currentKeyId: DEVELOPMENT_KEY_ID, keys: new Map([[DEVELOPMENT_KEY_ID, crypto.createSecretKey(DEVELOPMENT_KEY)]]) };
  }
  if (!config.PAYLOAD_KEYS) throw new Error('PAYLOAD_KEYS: required when PAYLOAD_KEY_ID is set (a JSON object {"<key id>":"<32 bytes, base64>"})');
  if (!config.PAYLOAD_KEY_ID) throw new Error('PAYLOAD_KEY_ID: required when PAYLOAD_KEYS is set (the id of the key new payloads use)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(config.PAYLOAD_KEYS);
  } catch {
    throw new Error('PAYLOAD_KEYS: must be JSON, {"<key id>":"<32 bytes, base64>",...}');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('PAYLOAD_KEYS: must be a JSON object {"<key id>":"<32 bytes, base64>",...}');
  const keys = new Map<string, KeyObject>();
  for (const [id, value] of Object.entries(parsed)) {
    if (!KEY_ID.test(id)) throw new Error(`PAYLOAD_KEYS: key id "${id.slice(0, 64)}" must be 1 to 64 letters, digits, '.', '_' or '-'`);
    // the key's value is never quoted in an error: it is a secret
    if (typeof value !== 'string' || !KEY_BASE64.test(value)) throw new Error(`PAYLOAD_KEYS: key "${id}" must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length !== KEY_BYTES) throw new Error(`PAYLOAD_KEYS: key "${id}" must be 32 bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
    if (production && bytes.equals(DEVELOPMENT_KEY)) throw new Error(`PAYLOAD_KEYS: key "${id}" is the public development key; production needs its own`);
    keys.set(id, crypto.createSecretKey(bytes));
  }
  if (!keys.has(config.PAYLOAD_KEY_ID)) throw new Error(`PAYLOAD_KEY_ID: "${config.PAYLOAD_KEY_ID.slice(0, 64)}" is not one of the keys in PAYLOAD_KEYS`);
  return { currentKeyId: config.PAYLOAD_KEY_ID, keys };
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function metadataText(payload: Payload, key: string): string | undefined {
  const v = payload.metadata?.[key];
  return v ? fromUtf8.decode(v) : undefined;
}

/** Why a payload could not be decrypted: its key is not configured, or its bytes are not what was encrypted. */
export class PayloadDecryptionError extends Error {
  override readonly name = 'PayloadDecryptionError';
}

/**
 * The codec: `encode` encrypts each payload whole (metadata and data, as the protobuf Payload) with the current key;
 * `decode` decrypts payloads marked `binary/encrypted` with the key their metadata names, and passes any other
 * payload through unchanged (histories recorded before encryption, payloads written by other clients).
 */
export function payloadCodec(keys: PayloadKeys): PayloadCodec {
  const current = keys.keys.get(keys.currentKeyId);
  if (!current) throw new Error(`payload key "${keys.currentKeyId}" is not among the keys`);
  const currentId = utf8.encode(keys.currentKeyId);

  const encrypt = (payload: Payload): Payload => {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', current, iv);
    // the key id is authenticated too: a payload relabelled with another key id fails to decrypt
    cipher.setAAD(currentId);
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: utf8.encode(ENCODING_ENCRYPTED), [METADATA_KEY_ID]: currentId }, data: sealed };
  };

  const decrypt = (payload: Payload): Payload => {
    if (metadataText(payload, 'encoding') !== ENCODING_ENCRYPTED) return payload;
    const keyId = metadataText(payload, METADATA_KEY_ID);
    if (!keyId) throw new PayloadDecryptionError(`encrypted payload without its ${METADATA_KEY_ID}`);
    const key = keys.keys.get(keyId);
    if (!key) throw new PayloadDecryptionError(`payload encrypted with key "${keyId.slice(0, 64)}", which is not in PAYLOAD_KEYS`);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload too short to decrypt (key "${keyId}")`);
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(utf8.encode(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(`payload could not be decrypted with key "${keyId}": altered, or encrypted with other bytes under that id`);
    }
    const decoded = ProtoPayload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  };

  return {
    async encode(payloads) {
      return payloads.map(encrypt);
    },
    async decode(payloads) {
      return payloads.map(decrypt);
    },
  };
}

/** What every Temporal client and worker of the project is built with: the payload codec from the configuration. */
export function dataConverterFrom(config: Parameters<typeof payloadKeysFrom>[0]): { payloadCodecs: PayloadCodec[] } {
  return { payloadCodecs: [payloadCodec(payloadKeysFrom(config))] };
}
