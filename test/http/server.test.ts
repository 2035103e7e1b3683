import { request, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readBody, readForm } from '../../src/http/body.js';
import { HttpError } from '../../src/http/errors.js';
import { createRouteServer, type Route, sendJson } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';

/** The route wrapper on its own, with routes that fail in every way a handler can. */
const Id = z.object({ id: z.string().regex(/^[a-z]{1,8}$/, 'is not an id') });
const seen: string[] = [];
const routes: Route[] = [
  { method: 'GET', path: '/ok', handle: (_req, res) => sendJson(res, 200, { ok: true }) },
  {
    method: 'GET',
    path: '/things/:id',
    params: Id,
    handle: (_req, res, params) => {
      seen.push((params as z.infer<typeof Id>).id);
      sendJson(res, 200, params);
    },
  },
  { method: 'POST', path: '/things/:id', params: Id, handle: (_req, res) => sendJson(res, 201, {}) },
  {
    method: 'POST',
    path: '/refuse',
    handle: () => {
      throw new HttpError(409, 'taken', { headers: { 'x-why': 'because' }, more: { field: 'name' } });
    },
  },
  {
    method: 'POST',
    path: '/form',
    handle: async (req, res) => {
      const form = z.strictObject({ a: z.enum(['x', 'y']) }).parse(await readForm(req, 64));
      sendJson(res, 200, form);
    },
  },
  {
    method: 'POST',
    path: '/small',
    handle: async (req, res) => sendJson(res, 200, { bytes: (await readBody(req, 16)).length }),
  },
  {
    method: 'GET',
    path: '/rejects',
    handle: async () => {
      await Promise.resolve();
      throw new Error('database on fire');
    },
  },
  {
    method: 'GET',
    path: '/throws',
    handle: () => {
      throw new TypeError("Cannot read properties of null (reading 'ssl_check')");
    },
  },
  {
    method: 'GET',
    path: '/half',
    handle: async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
      throw new Error('failed after the headers');
    },
  },
];

let server: Server | undefined;
let lines: string[] = [];
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function start(): Promise<number> {
  lines = [];
  server = createRouteServer(routes, createLogger({ level: 'debug', sink: (line) => lines.push(line) }));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

function send(
  port: number,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string; aborted: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('error', () => resolve({ status: res.statusCode!, headers: res.headers, text, aborted: true }));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, text, aborted: res.complete !== true }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorLines = () => lines.filter((l) => JSON.parse(l).level === 'error');

describe('the route wrapper', () => {
  it('serves a route, and decodes and checks its parameters before the handler sees them', async () => {
    const port = await start();
    expect((await send(port, 'GET', '/ok?x=%FF')).status).toBe(200);
    const ok = await send(port, 'GET', '/things/ab%63');
    expect([ok.status, JSON.parse(ok.text)]).toEqual([200, { id: 'abc' }]);
    for (const path of ['/things/%00', '/things/ABC', `/things/${'a'.repeat(9)}`]) {
      const res = await send(port, 'GET', path);
      expect([res.status, JSON.parse(res.text)]).toEqual([400, { error: 'id: is not an id' }]);
    }
    expect(seen).toEqual(['abc']);
    expect(errorLines()).toEqual([]);
  });

  it('answers 400 to bad percent-encoding and overlong UTF-8, and to a target that is not a path', async () => {
    const port = await start();
    for (const path of [
      '/things/%FF',
      '/things/%C0%80',
      '/things/%',
      '/things/%zz',
      '/things/%ED%A0%80',
      '*',
    ]) {
      const res = await send(port, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.text).error).toMatch(/percent-encoded UTF-8|not a path/);
    }
    expect(errorLines()).toEqual([]);
  });

  it('answers 404 to an unknown path and 405 with Allow to a known path and another method', async () => {
    const port = await start();
    expect((await send(port, 'GET', '/nothing')).status).toBe(404);
    expect((await send(port, 'GET', '/things')).status).toBe(404);
    expect((await send(port, 'GET', '/things/a/b')).status).toBe(404);
    const wrong = await send(port, 'DELETE', '/things/abc');
    expect([wrong.status, wrong.headers.allow]).toEqual([405, 'GET, POST']);
    expect((await send(port, 'POST', '/ok')).headers.allow).toBe('GET');
  });

  it('answers an HttpError with its status, headers and fields, and logs no failure', async () => {
    const port = await start();
    const res = await send(port, 'POST', '/refuse');
    expect([res.status, res.headers['x-why'], JSON.parse(res.text)]).toEqual([
      409,
      'because',
      { error: 'taken', field: 'name' },
    ]);
    expect(errorLines()).toEqual([]);
  });

  it('answers 400 to a zod refusal, 413 past the body limit, 415 to a form of another type', async () => {
    const port = await start();
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await send(port, 'POST', '/form', 'a=x', form)).status).toBe(200);
    const refused = await send(port, 'POST', '/form', 'a=X', form);
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.text).error).toMatch(/^a: /);
    expect((await send(port, 'POST', '/form', 'a=x&a=y', form)).status).toBe(400);
    expect((await send(port, 'POST', '/form', 'a=x&b=1', form)).status).toBe(400);
    expect(
      (await send(port, 'POST', '/form', '{"a":"x"}', { 'content-type': 'application/json' })).status,
    ).toBe(415);
    const big = await send(port, 'POST', '/small', 'x'.repeat(17));
    expect([big.status, big.headers.connection, JSON.parse(big.text)]).toEqual([
      413,
      'close',
      { error: 'the body is over 16 bytes' },
    ]);
    expect((await send(port, 'POST', '/small', 'x'.repeat(16))).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });

  it('logs any other failure once, with its route, and answers 500; a throw before any await too', async () => {
    const port = await start();
    for (const path of ['/rejects', '/throws']) {
      const res = await send(port, 'GET', path);
      expect([res.status, JSON.parse(res.text)]).toEqual([500, { error: 'internal error' }]);
    }
    const errors = errorLines().map((l) => JSON.parse(l).msg as string);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/^GET \/rejects failed Error: database on fire/);
    expect(errors[1]).toMatch(/^GET \/throws failed TypeError/);
    expect((await send(port, 'GET', '/ok')).status).toBe(200);
  });

  it('cuts the connection of a response that failed after its headers, and logs it', async () => {
    const port = await start();
    const res = await send(port, 'GET', '/half');
    expect(res.status).toBe(200);
    expect(res.aborted).toBe(true);
    expect(errorLines().map((l) => JSON.parse(l).msg)).toEqual([
      expect.stringMatching(/^GET \/half failed Error: failed after the headers/),
    ]);
  });

  it('refuses to build a route table where a path parameter has no schema', () => {
    const bad: Route = { method: 'GET', path: '/pay/:id', handle: () => {} };
    expect(() => createRouteServer([bad], createLogger())).toThrow(/no params schema/);
  });
});
