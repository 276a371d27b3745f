// What operators rely on: /health cheap, /ready checking PostgreSQL and Temporal for real, /metrics with request
// durations by route pattern, and x-request-id taken (when sane) and echoed.
import { describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from '../api/app';
import { connectDb } from '../db/client';
import { actingAs, withTestStack, testConfig, type TestStack } from './support';

let stack: TestStack;
withTestStack((s) => (stack = s));

describe('operations endpoints', () => {
  it('answers /health and /ready with PostgreSQL and Temporal reachable', async () => {
    expect((await stack.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ ok: true });
    const ready = await stack.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode, ready.body).toBe(200);
    expect(ready.json()).toEqual({ ok: true, postgres: 'ok', temporal: 'ok' });
  });

  it('is not ready, and says which part failed, when PostgreSQL does not answer', async () => {
    // a database URL nobody listens on; Temporal is the real one
    const { db, close } = connectDb('postgres://nobody:x@127.0.0.1:9/none');
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const app = actingAs(await buildApp({ db, temporal: new Client({ connection }), config: testConfig, logger: false }), 'admin');
    try {
      const res = await app.inject({ method: 'GET', url: '/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ ok: false, temporal: 'ok' });
      expect(res.json().postgres).not.toBe('ok');
      // liveness stays cheap and independent of the dependencies
      expect((await app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await connection.close();
      await close();
    }
  });

  it('takes a sane x-request-id, makes one otherwise, and echoes it', async () => {
    const given = await stack.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'lb-4f2a.77' } });
    expect(given.headers['x-request-id']).toBe('lb-4f2a.77');
    const made = await stack.app.inject({ method: 'GET', url: '/health' });
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // a header that would forge log lines is replaced, not logged
    const forged = await stack.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b\tc' } });
    expect(forged.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    // errors carry it too
    const missing = await stack.app.inject({ method: 'GET', url: '/no-such-route', headers: { 'x-request-id': 'req-404' } });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['x-request-id']).toBe('req-404');
  });

  it('exposes request durations by route pattern (no IDs in labels) on /metrics', async () => {
    await stack.app.inject({ method: 'GET', url: '/cycles/worker-metrics-none-1' });
    const res = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('gecco_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/cycles/:cycleId",status_code="404"}');
    expect(res.body).not.toContain('worker-metrics-none-1');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });
});
