// The codec endpoint of the Temporal Web UI (and of the `temporal` CLI's --codec-endpoint): Temporal's codec server
// protocol, so operators see decrypted payloads in the UI while the server stores only ciphertext.
//   POST /codec/decode, POST /codec/encode
//   body and answer {"payloads":[{"metadata":{"encoding":"<base64>",...},"data":"<base64>"}]} (protobuf JSON form)
//   X-Namespace: the namespace the payloads belong to; this API serves its own namespace only.
// The UI calls from the operator's browser, hence CORS for the UI's origins (TEMPORAL_UI_ORIGINS). It sends the
// operator's credentials only when told to: `Authorization: Bearer <access token>` when its codec setting "pass the
// user access token" is on (TEMPORAL_CODEC_PASS_ACCESS_TOKEN for temporalio/ui; the dev server's UI has no login,
// so no token) and cookies when "include cross-origin credentials" is on. Each route declares the scope it needs
// (payload:decode) in its config for the API's authentication hook; the CORS preflight is answered in an onRequest
// hook, before any authentication, as browsers send preflights without credentials.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { Config } from '../config';
import { HttpError } from './errors';

export const CODEC_PATH = '/codec';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /**
   * Development only (`npm start` with its demo data and development key): the dev server's Web UI cannot log in,
   * so its codec calls carry no token; they are answered without one so operators see the workflows' summaries.
   * Anywhere else decoding needs the scope payload:decode.
   */
  openInDevelopment?: boolean;
  /** the namespace whose payloads this API encrypts; a request whose X-Namespace names another is refused */
  namespace: string;
  /** browser origins allowed to call the endpoint: the Temporal UI's (temporalUiOrigins) */
  uiOrigins: string[];
}

/** The Temporal UI's origins: TEMPORAL_UI_ORIGINS, or the dev server's UI on TEMPORAL_UI_PORT. */
export function temporalUiOrigins(config: Partial<Pick<Config, 'TEMPORAL_UI_ORIGINS' | 'TEMPORAL_UI_PORT'>>): string[] {
  if (config.TEMPORAL_UI_ORIGINS) {
    return config.TEMPORAL_UI_ORIGINS.split(',')
      .map((o) => o.trim().replace(/\/+$/, ''))
      .filter(Boolean);
  }
  const port = config.TEMPORAL_UI_PORT ?? 8233;
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const payloadJson = z.object({
  metadata: z.record(z.string(), base64).nullish(),
  data: base64.nullish(),
});
// protobuf JSON leaves an empty list out: the temporal CLI encodes a query without arguments as `{}`
const payloadsBody = z.object({ payloads: z.array(payloadJson).max(10_000).default([]) });
type PayloadJson = z.infer<typeof payloadJson>;

function fromJson(p: PayloadJson): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data ?? '', 'base64'),
  };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
  };
}

async function codecScope(parent: FastifyInstance, opts: CodecRoutesOptions): Promise<void> {
  // Read by the API's authentication hook (api/auth/access.ts); Fastify keeps a route's config as given.
  const routeConfig = { access: { scope: 'payload:decode' }, tokenOptional: opts.openInDevelopment === true } as Record<string, unknown>;
  const app = parent.withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // CORS for the UI's origins is answered by the app's one CORS registration (api/app.ts, codecCors)

  const checkNamespace = (header: string | string[] | undefined) => {
    const given = Array.isArray(header) ? header[0] : header;
    // the temporal CLI (1.5.1) sends an empty X-Namespace when --namespace is not given: the default namespace
    if (given !== undefined && given !== '' && given !== opts.namespace) {
      const reason = `this codec serves namespace "${opts.namespace}" only`;
      throw new HttpError(400, `X-Namespace: ${reason}`, [{ field: 'headers.x-namespace', reason }]);
    }
  };

  const schema = (summary: string) => ({
    summary,
    tags: ['operations'],
    body: payloadsBody,
    response: { 200: payloadsBody },
  });

  app.post('/decode', { schema: schema('Decrypts Temporal payloads for the Temporal Web UI (codec server protocol)'), config: routeConfig }, async (req) => {
    checkNamespace(req.headers['x-namespace']);
    // one at a time so a payload that cannot be decrypted is named by its place in the request
    const payloads = await Promise.all(
      req.body.payloads.map(async (p, i) => {
        try {
          const [decoded] = await opts.codec.decode([fromJson(p)]);
          return toJson(decoded!);
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          throw new HttpError(400, `payloads.${i}: ${reason}`, [{ field: `body.payloads.${i}`, reason }]);
        }
      }),
    );
    return { payloads };
  });

  app.post('/encode', { schema: schema('Encrypts Temporal payloads for the Temporal Web UI (codec server protocol)'), config: routeConfig }, async (req) => {
    checkNamespace(req.headers['x-namespace']);
    const encoded = await opts.codec.encode(req.body.payloads.map(fromJson));
    return { payloads: encoded.map(toJson) };
  });
}

/** POST /codec/decode and /codec/encode with their CORS; register without a prefix. */
/** The CORS answer for the codec's routes: the Temporal Web UI's origins, with credentials. */
export function codecCors(uiOrigins: string[]) {
  return { origin: uiOrigins, methods: ['POST'], allowedHeaders: ['content-type', 'x-namespace', 'authorization', 'authorization-extras'], credentials: true, maxAge: 600 };
}

export const codecRoutes: FastifyPluginAsync<CodecRoutesOptions> = async (app, opts) => {
  await app.register(codecScope, { ...opts, prefix: CODEC_PATH });
};
