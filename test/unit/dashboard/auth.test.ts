// Basic auth and the cross-site write guard, on a real express app on a loopback port.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuth, parseBasicAuth, REALM, sameOriginWrites } from '../../../src/dashboard/auth.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('parseBasicAuth', () => {
  it('splits at the first colon, so passwords may contain colons', () => {
    expect(parseBasicAuth(basic('ops', 'a:b:c'))).toEqual({ user: 'ops', password: 'a:b:c' });
    expect(parseBasicAuth('basic ' + Buffer.from('ops:').toString('base64'))).toEqual({ user: 'ops', password: '' });
  });

  it('rejects what is not basic auth', () => {
    expect(parseBasicAuth(undefined)).toBeNull();
    expect(parseBasicAuth('Bearer abc')).toBeNull();
    expect(parseBasicAuth(`Basic ${Buffer.from('nocolon').toString('base64')}`)).toBeNull();
    expect(parseBasicAuth('Basic !!!')).toBeNull();
  });
});

describe('basicAuth and sameOriginWrites', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use(basicAuth({ user: 'ops', password: 'pä55:word' }));
    app.use(sameOriginWrites());
    app.all('/x', (_req, res) => {
      res.send('ok');
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('answers 401 with a Basic challenge without credentials or with wrong ones', async () => {
    for (const authorization of [undefined, basic('ops', 'wrong'), basic('OPS', 'pä55:word'), basic('ops', 'pä55:wor'), 'Bearer pä55']) {
      const res = await fetch(`${base}/x`, authorization ? { headers: { authorization } } : {});
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Basic realm="${REALM}", charset="UTF-8"`);
    }
  });

  it('lets the right user and password through (UTF-8)', async () => {
    const res = await fetch(`${base}/x`, { headers: { authorization: basic('ops', 'pä55:word') } });
    expect(res.status).toBe(200);
  });

  it('refuses writes a browser sends from another site, allows same-origin and non-browser ones', async () => {
    const authorization = basic('ops', 'pä55:word');
    const cross = await fetch(`${base}/x`, { method: 'PUT', headers: { authorization, origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    const fetchSite = await fetch(`${base}/x`, { method: 'POST', headers: { authorization, 'sec-fetch-site': 'cross-site' } });
    expect(fetchSite.status).toBe(403);
    const same = await fetch(`${base}/x`, { method: 'PUT', headers: { authorization, origin: base } });
    expect(same.status).toBe(200);
    const script = await fetch(`${base}/x`, { method: 'PUT', headers: { authorization } });
    expect(script.status).toBe(200);
    const read = await fetch(`${base}/x`, { headers: { authorization, origin: 'https://evil.example' } });
    expect(read.status).toBe(200);
  });
});
