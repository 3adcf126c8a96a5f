// Foundation API tests (issue 2): the HTTP contract every later feature
// stands on, the bad input the server must survive, and the command line.
// Black-box: each describe() starts the real binary with a fresh database
// (lib/server.mjs) and stops it, asserting exit 0 and no sanitizer report.
//
// Run: node --test tests/api/   (TONGBAO_BIN=build-asan/tongbao for the
// sanitizer build; make check runs both).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertError, assertSecurityHeaders, show } from './lib/expect.mjs';
import {
  initDb, runCli, sleep, sqlite, startServer, tempDir,
} from './lib/server.mjs';

// CONVENTIONS.md: JSON bodies up to 1 MiB.
const JSON_MAX = 1024 * 1024;

// A GET on a new connection that the server may close after answering.
function rawGet(target) {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    'Connection: close\r\n\r\n';
}

// The headers of a POST to the echo route, without the body.
function echoHead(length, extra = '') {
  return 'POST /api/v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n` +
    `${extra}Connection: close\r\n\r\n`;
}

describe('GET /healthz, /metrics and the page', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await startServer(); });
  after(async () => { if (s) await s.stop(); });

  it('GET /healthz answers 200 {"status":"ok","store":"ok"}', async () => {
    const r = await s.get('/healthz');
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers['content-type'] ?? '', /^application\/json/,
      show(r));
    assert.equal(r.json?.status, 'ok', `status must be "ok":\n${show(r)}`);
    assert.equal(r.json?.store, 'ok', `store must be "ok":\n${show(r)}`);
  });

  it('GET /metrics is Prometheus text with requests by route and status, ' +
    'a latency histogram and store statistics', async () => {
    // The value of tongbao_http_requests_total for route and status.
    const counter = (text, route, status) => {
      const line = text.split('\n').find((l) =>
        l.startsWith('tongbao_http_requests_total{') &&
        l.includes(`route="${route}"`) && l.includes(`status="${status}"`));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    const first = await s.get('/metrics');
    assert.equal(first.status, 200, show(first));
    assert.equal((await s.get('/healthz')).status, 200);
    assert.equal((await s.get('/api/v1/no-such-route')).status, 404);
    const r = await s.get('/metrics');
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers['content-type'] ?? '', /^text\/plain/, show(r));
    const lines = r.text.split('\n').filter((l) => l !== '');
    const sample = new RegExp('^[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[^}]*\\})? ' +
      '(-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[-+]Inf)( -?[0-9]+)?$');
    for (const line of lines) {
      if (line.startsWith('#')) continue;
      assert.match(line, sample, `not a Prometheus sample line: ${line}`);
    }
    assert.match(r.text, /^# TYPE tongbao_http_requests_total counter$/m);
    const reqs = lines.filter(
      (l) => l.startsWith('tongbao_http_requests_total{'));
    assert.ok(counter(r.text, '/healthz', 200) >=
      counter(first.text, '/healthz', 200) + 1,
    'tongbao_http_requests_total{route="/healthz",status="200"} must count ' +
      `the GET /healthz; before:\n${first.text}\nafter:\n${reqs.join('\n')}`);
    assert.ok(reqs.some((l) => l.includes('status="404"')),
      `the 404 of an unknown route must be counted; got:\n${reqs.join('\n')}`);
    assert.match(r.text,
      /^# TYPE tongbao_http_request_duration_seconds histogram$/m);
    assert.match(r.text,
      /^tongbao_http_request_duration_seconds_bucket\{[^}]*le="\+Inf"[^}]*\} \d/m);
    assert.match(r.text, /^tongbao_http_request_duration_seconds_sum/m);
    assert.match(r.text, /^tongbao_http_request_duration_seconds_count/m);
    assert.match(r.text, /^tongbao_store_[a-z_]+(\{[^}]*\})? /m,
      'expected store statistics (tongbao_store_*)');
  });

  it('GET / is the page in Traditional Chinese, with an ETag that answers ' +
    '304', async () => {
    const r = await s.get('/');
    assert.equal(r.status, 200, show(r));
    assert.match(r.headers['content-type'] ?? '', /^text\/html/, show(r));
    assert.ok(r.text.includes('通報'),
      `the page must name 通報:\n${show(r)}`);
    const etag = r.headers.etag;
    assert.ok(etag, `GET / must carry an ETag:\n${show(r)}`);
    assert.ok(r.headers['cache-control'],
      `GET / needs Cache-Control:\n${show(r)}`);
    const same = await s.get('/', { headers: { 'If-None-Match': etag } });
    assert.equal(same.status, 304, `If-None-Match ${etag}:\n${show(same)}`);
    assert.equal(same.body.length, 0, '304 has no body');
    assert.equal(same.headers.etag, etag, '304 repeats the ETag');
    const other = await s.get('/',
      { headers: { 'If-None-Match': '"not-this-one"' } });
    assert.equal(other.status, 200,
      `a stale ETag gets the page:\n${show(other)}`);
  });

  it('the page has no inline script, style or handler (the CSP forbids ' +
    'them)', async () => {
    const r = await s.get('/');
    const html = r.text;
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i,
      'every <script> must have a src');
    assert.doesNotMatch(html, /<style[\s>]/i, 'no <style> element');
    assert.doesNotMatch(html, /\sstyle\s*=/i, 'no style="" attribute');
    assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no onclick="" and the like');
  });

  it('every file the page references is served with its type, an ETag ' +
    'and Cache-Control', async () => {
    const page = await s.get('/');
    const refs = [...new Set([...page.text.matchAll(
      /\b(?:src|href)="(\/[^"#?]*\.[a-z0-9]+)(?:[?#][^"]*)?"/gi)]
      .map((m) => m[1]))];
    assert.ok(refs.length > 0,
      `the page must load its script and style from files:\n${page.text}`);
    const types = {
      '.js': /^(text|application)\/javascript/,
      '.mjs': /^(text|application)\/javascript/,
      '.css': /^text\/css/,
      '.svg': /^image\/svg\+xml/,
      '.png': /^image\/png/,
      '.ico': /^image\/(x-icon|vnd\.microsoft\.icon)/,
      '.json': /^application\/(manifest\+)?json/,
      '.webmanifest': /^application\/manifest\+json/,
      '.woff2': /^font\/woff2/,
    };
    for (const ref of refs) {
      const a = await s.get(ref);
      assert.equal(a.status, 200, `${ref}:\n${show(a)}`);
      const want = types[path.extname(ref).toLowerCase()];
      if (want) assert.match(a.headers['content-type'] ?? '', want, ref);
      assert.ok(a.headers['cache-control'], `${ref} needs Cache-Control`);
      assert.ok(a.headers.etag, `${ref} needs an ETag`);
      const again = await s.get(ref,
        { headers: { 'If-None-Match': a.headers.etag } });
      assert.equal(again.status, 304, `${ref} with its ETag:\n${show(again)}`);
    }
  });

  it('unknown routes answer 404 not_found', async () => {
    for (const p of ['/api/v1/no-such-route', '/no-such-file.css',
      '/api/v1/healthz']) {
      assertError(await s.get(p), 404, 'not_found', null);
    }
  });

  it('a wrong method on an existing route answers 405 with Allow',
    async () => {
      const rows = [
        ['DELETE', '/healthz', 'GET'],
        ['PUT', '/healthz', 'GET'],
        ['POST', '/metrics', 'GET'],
      ];
      for (const [method, p, allowed] of rows) {
        const r = await s.request(method, p);
        assertError(r, 405, 'method_not_allowed', null);
        assert.ok((r.headers.allow ?? '').split(/,\s*/).includes(allowed),
          `${method} ${p}: Allow must list ${allowed}:\n${show(r)}`);
      }
    });

  it('the test-only echo route does not exist without test_routes',
    async () => {
      const r = await s.request('POST', '/api/v1/echo',
        { body: { name: 'a', count: 1 } });
      assertError(r, 404, 'not_found');
    });

  it('paths with .. or an encoded NUL are refused, never served',
    async () => {
      const targets = [
        '/../etc/passwd',
        '/..',
        '/js/../../etc/passwd',
        '/api/v1/../../etc/passwd',
        '/%2e%2e/etc/passwd',
        '/%2E%2E%2Fetc%2Fpasswd',
        '/js/..%2f..%2f..%2fetc%2fpasswd',
        '/%00',
        '/healthz%00',
        '/index.html%00.css',
        '/%zz',
      ];
      for (const t of targets) {
        const { response: r, raw } = await s.raw(rawGet(t));
        assert.ok(r, `GET ${t}: no HTTP answer; got ${JSON.stringify(
          raw.toString('latin1').slice(0, 200))}`);
        assert.ok(r.status === 400 || r.status === 404,
          `GET ${t}: expected 400 bad_path (or 404):\n${show(r)}`);
        assert.ok(!r.text.includes('root:'), `GET ${t} leaked a file`);
        if (r.status === 400) assertError(r, 400, 'bad_path');
        else assertError(r, 404, 'not_found');
        assertSecurityHeaders(r, `GET ${t}`);
      }
      assert.equal((await s.get('/healthz')).status, 200,
        'the server must still answer after the bad paths');
    });

  it('an oversized header block or URL is refused and the server goes on',
    async () => {
      const rows = [
        ['a 100 KiB header', 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
          `X-Big: ${'a'.repeat(100 * 1024)}\r\nConnection: close\r\n\r\n`],
        ['a 100 KiB URL', rawGet(`/${'a'.repeat(100 * 1024)}`)],
      ];
      for (const [what, req] of rows) {
        const r = await s.raw(req);
        assert.ok(r.response === null ||
          [400, 404, 413, 414, 431].includes(r.response.status),
        `${what}: expected a 4xx or a closed connection:\n${show(r.response)}`);
        assert.ok(r.closed, `${what}: the connection must be closed`);
      }
      assert.equal((await s.get('/healthz')).status, 200);
    });
});

describe('security headers on every response', { timeout: 120000 }, () => {
  let s;
  before(async () => {
    s = await startServer({ env: { TONGBAO_TEST_ROUTES: '1' } });
  });
  after(async () => { if (s) await s.stop(); });

  it('every answer, errors included, carries the headers and a unique ' +
    'request id', async () => {
    const page = await s.get('/');
    const asset = [...page.text.matchAll(
      /\b(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1])[0];
    const rows = [
      ['GET /healthz', () => s.get('/healthz')],
      ['GET /metrics', () => s.get('/metrics')],
      ['GET /', () => s.get('/')],
      ['GET / (304)', () => s.get('/',
        { headers: { 'If-None-Match': page.headers.etag ?? '"x"' } })],
      ['GET an asset', () => s.get(asset ?? '/favicon.svg')],
      ['404', () => s.get('/api/v1/no-such-route')],
      ['405', () => s.request('DELETE', '/healthz')],
      ['200 echo', () => s.request('POST', '/api/v1/echo',
        { body: { name: 'a', count: 1 } })],
      ['400 malformed_json', () => s.request('POST', '/api/v1/echo',
        { body: '{', headers: { 'Content-Type': 'application/json' } })],
      ['415', () => s.request('POST', '/api/v1/echo',
        { body: 'x', headers: { 'Content-Type': 'text/plain' } })],
      ['422', () => s.request('POST', '/api/v1/echo',
        { body: { name: '', count: 1 } })],
      ['400 bad_path', async () => (await s.raw(rawGet('/../x'))).response],
      ['413', async () => (await s.raw(echoHead(JSON_MAX + 1),
        { timeoutMs: 5000, untilResponse: true })).response],
    ];
    const ids = new Set();
    for (const [what, send] of rows) {
      const r = await send();
      assert.ok(r, `${what}: no answer`);
      assertSecurityHeaders(r, what);
      const id = r.headers['x-request-id'];
      assert.ok(!ids.has(id), `${what}: request id ${id} was used before`);
      ids.add(id);
    }
  });
});

describe('POST /api/v1/echo: the JSON body rules', { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startServer({ env: { TONGBAO_TEST_ROUTES: '1' } });
  });
  after(async () => { if (s) await s.stop(); });

  const post = (body, contentType = 'application/json') =>
    s.request('POST', '/api/v1/echo', {
      body: Buffer.isBuffer(body) || typeof body === 'string'
        ? body : JSON.stringify(body),
      headers: contentType === null ? {} : { 'Content-Type': contentType },
    });

  it('accepts the valid bodies and echoes them', async () => {
    const rows = [
      { name: 'a', count: 0 },
      { name: 'x'.repeat(100), count: 1000 },
      // 100 characters of three bytes each: the limit is in characters.
      { name: '通'.repeat(100), count: 1 },
      { name: '資訊局 🛡', count: 42 },
    ];
    for (const body of rows) {
      const r = await post(body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}:\n${show(r)}`);
      assert.deepEqual(r.json, body, `the echo must equal what was sent`);
    }
  });

  it('refuses fields of the wrong type or out of range with 422 naming the ' +
    'field', async () => {
    const rows = [
      // body, code, field
      [{ name: 'x'.repeat(101), count: 1 }, 'invalid_field', 'name'],
      [{ name: '通'.repeat(101), count: 1 }, 'invalid_field', 'name'],
      [{ name: '', count: 1 }, 'invalid_field', 'name'],
      [{ name: 5, count: 1 }, 'invalid_field', 'name'],
      [{ name: ['a'], count: 1 }, 'invalid_field', 'name'],
      [{ name: 'a', count: -1 }, 'invalid_field', 'count'],
      [{ name: 'a', count: 1001 }, 'invalid_field', 'count'],
      [{ name: 'a', count: 1.5 }, 'invalid_field', 'count'],
      [{ name: 'a', count: '3' }, 'invalid_field', 'count'],
      [{ name: 'a', count: true }, 'invalid_field', 'count'],
      [{ name: 'a', count: 1, extra: true }, 'unknown_field', 'extra'],
      [{ extra: 1, name: 'a', count: 1 }, 'unknown_field', 'extra'],
      // A missing (or null) field is named too; whether its code is
      // missing_field or invalid_field is the server's choice.
      [{ name: null, count: 1 }, undefined, 'name'],
      [{ count: 1 }, undefined, 'name'],
      [{ name: 'a' }, undefined, 'count'],
    ];
    for (const [body, code, field] of rows) {
      const r = await post(body);
      assert.equal(r.status, 422, `${JSON.stringify(body)}:\n${show(r)}`);
      assertError(r, 422, code ?? r.json?.error?.code, field);
    }
  });

  it('refuses what is not JSON with 400 malformed_json', async () => {
    const rows = [
      ['truncated', '{"name":'],
      ['empty', ''],
      ['trailing garbage', '{"name":"a","count":1} x'],
      ['a duplicated key', '{"name":"a","name":"b","count":1}'],
      ['invalid UTF-8', Buffer.concat([Buffer.from('{"name":"'),
        Buffer.from([0xff, 0xfe]), Buffer.from('","count":1}')])],
      ['single quotes', "{'name':'a','count':1}"],
    ];
    for (const [what, body] of rows) {
      assertError(await post(body), 400, 'malformed_json', undefined, what);
    }
  });

  it('refuses JSON of the wrong shape with a 400 or 422 error', async () => {
    const rows = [
      ['an array', '[]'],
      ['null', 'null'],
      ['a string', '"name"'],
      ['a number', '42'],
      ['nesting 10,000 deep', `${'['.repeat(10000)}${']'.repeat(10000)}`],
      ['an object nested 100 deep', `{"name":${'{"a":'.repeat(100)}1` +
        `${'}'.repeat(100)},"count":1}`],
      ['an encoded NUL', '{"name":"a\\u0000b","count":1}'],
      ['an integer beyond 64 bits', '{"name":"a","count":' +
        '123456789012345678901234567890}'],
    ];
    for (const [what, body] of rows) {
      const r = await post(body);
      assert.ok(r.status === 400 || r.status === 422,
        `${what}: expected 400 or 422:\n${show(r)}`);
      assertError(r, r.status, r.json?.error?.code);
      assert.match(r.json.error.code, /^[a-z_]+$/, what);
    }
  });

  it('refuses a body that is not application/json with 415', async () => {
    const body = JSON.stringify({ name: 'a', count: 1 });
    const rows = [
      ['text/plain', 415],
      ['application/x-www-form-urlencoded', 415],
      ['multipart/form-data; boundary=x', 415],
      ['application/jsonx', 415],
      [null, 415],
      ['application/json; charset=utf-8', 200],
      ['Application/JSON', 200],
    ];
    for (const [type, status] of rows) {
      const r = await post(body, type);
      if (status === 200) {
        assert.equal(r.status, 200, `Content-Type ${type}:\n${show(r)}`);
      } else {
        assertError(r, 415, 'unsupported_media_type');
      }
    }
  });

  it('GET on the echo route answers 405 with Allow: POST', async () => {
    const r = await s.get('/api/v1/echo');
    assertError(r, 405, 'method_not_allowed', null);
    assert.ok((r.headers.allow ?? '').split(/,\s*/).includes('POST'),
      show(r));
  });

  it('takes a body of exactly 1 MiB', async () => {
    const json = JSON.stringify({ name: 'a', count: 1 });
    const body = json + ' '.repeat(JSON_MAX - Buffer.byteLength(json));
    assert.equal(Buffer.byteLength(body), JSON_MAX);
    const r = await post(body);
    assert.equal(r.status, 200, show(r));
  });

  it('answers 413 body_too_large to a larger declared body before it is ' +
    'sent', async () => {
    const rows = [
      ['1 MiB + 1', echoHead(JSON_MAX + 1)],
      ['2 MiB', echoHead(2 * JSON_MAX)],
      ['2 MiB, expecting 100-continue', echoHead(2 * JSON_MAX,
        'Expect: 100-continue\r\n')],
    ];
    for (const [what, head] of rows) {
      // Only the headers are sent; the answer must come without the body.
      const r = await s.raw(head, { timeoutMs: 5000, untilResponse: true });
      assert.ok(r.response, `${what}: no answer within 5 s without the body`);
      assertError(r.response, 413, 'body_too_large');
    }
  });

  it('refuses a Content-Length that is not a sane number', async () => {
    for (const cl of ['123456789012345678901234567890', '-1', 'abc']) {
      const r = await s.raw(echoHead(cl),
        { timeoutMs: 5000, untilResponse: true });
      assert.ok(r.response === null ||
        [400, 411, 413].includes(r.response.status),
      `Content-Length: ${cl}: expected 400 or 413:\n${show(r.response)}`);
    }
    assert.equal((await s.get('/healthz')).status, 200);
  });

  // MHD cannot queue an answer in the middle of a body, so a server may cut
  // a chunked body off at the limit instead of answering 413 (issue 2: "a
  // clear error or is cut off"); it must not read on, answer 200 or hang.
  it('refuses or cuts off a chunked body that grows past 1 MiB',
    async () => {
    const piece = Buffer.alloc(64 * 1024, 0x20);
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}` +
      '\r\n'), piece, Buffer.from('\r\n')]);
    const head = 'POST /api/v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
      'Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n' +
      'Connection: close\r\n\r\n';
    // 40 pieces of 64 KiB: 2.5 MiB of spaces, more than the limit.
    const parts = [head, ...Array(40).fill(chunk), '0\r\n\r\n'];
    const r = await s.raw(parts, { timeoutMs: 10000, delayMs: 5 });
    if (r.response) {
      assertError(r.response, 413, 'body_too_large');
    } else {
      assert.ok(r.closed, 'the connection must be closed, not left open');
    }
    assert.equal((await s.get('/healthz')).status, 200);
  });
});

// Connection outcomes for the floods below.
function flood(port, n, payload, giveUpMs) {
  return Promise.all(Array.from({ length: n }, () => new Promise((resolve) => {
    const got = [];
    let error = null;
    let settled = false;
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (kind) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(got).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (kind === 'hung') resolve('hung');
      else if (m) resolve(`served ${m[1]}`);
      else if (error === 'ECONNREFUSED') resolve('refused');
      else if (error) resolve('reset');
      else resolve('closed');
    };
    const timer = setTimeout(() => done('hung'), giveUpMs);
    sock.on('connect', () => { if (payload) sock.write(payload); });
    sock.on('data', (c) => got.push(c));
    sock.on('error', (e) => { error = e.code ?? 'error'; });
    sock.on('close', () => done('closed'));
  })));
}

function tally(outcomes) {
  const t = {};
  for (const o of outcomes) t[o] = (t[o] ?? 0) + 1;
  return t;
}

describe('clients that misbehave', { timeout: 300000 }, () => {
  let s;
  before(async () => {
    s = await startServer({
      args: ['--request-timeout', '3'],
      env: { TONGBAO_TEST_ROUTES: '1' },
    });
  });
  after(async () => { if (s) await s.stop(); });

  it('a client sending one byte a second is cut off within 10 s while ' +
    'others are served', { timeout: 60000 }, async () => {
    const body = JSON.stringify({ name: 'slow', count: 1 });
    const rows = [
      ['headers', [...rawGet(`/healthz?${'a'.repeat(40)}`)]],
      ['body', [echoHead(body.length), ...body]],
    ];
    for (const [what, parts] of rows) {
      const slow = s.raw(parts, { delayMs: 1000, timeoutMs: 15000 });
      await sleep(1500);
      const other = await s.get('/healthz', { timeoutMs: 5000 });
      assert.equal(other.status, 200,
        `a normal request during the slow ${what}:\n${show(other)}`);
      const r = await slow;
      assert.ok(r.closed,
        `slow ${what}: still open after ${r.elapsed} ms`);
      assert.ok(r.elapsed <= 10000,
        `slow ${what}: cut off only after ${r.elapsed} ms`);
      if (r.response) {
        assert.equal(r.response.status, 408,
          `slow ${what}: an answer, if any, is 408:\n${show(r.response)}`);
      }
    }
  });

  it('1,000 connections at once are each served, refused or closed, and ' +
    'the server goes on', { timeout: 120000 }, async () => {
    const outcomes = await flood(s.port, 1000,
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      45000);
    const t = tally(outcomes);
    assert.equal(t.hung ?? 0, 0,
      `connections left hanging after 45 s: ${JSON.stringify(t)}`);
    for (const k of Object.keys(t)) {
      if (k.startsWith('served ')) {
        assert.ok(['served 200', 'served 429', 'served 503'].includes(k),
          `unexpected answers: ${JSON.stringify(t)}`);
      }
    }
    assert.ok((t['served 200'] ?? 0) > 0,
      `not one of 1,000 was served: ${JSON.stringify(t)}`);
    const r = await s.get('/healthz');
    assert.equal(r.status, 200, `after the flood:\n${show(r)}`);
  });

  it('1,000 idle connections are all cut off, then the server answers',
    { timeout: 120000 }, async () => {
      const outcomes = await flood(s.port, 1000, null, 60000);
      const t = tally(outcomes);
      assert.equal(t.hung ?? 0, 0,
        `idle connections still open after 60 s: ${JSON.stringify(t)}`);
      const r = await s.get('/healthz');
      assert.equal(r.status, 200, `after the idle flood:\n${show(r)}`);
    });
});

describe('SIGTERM', { timeout: 60000 }, () => {
  it('finishes a request in flight, then exits 0', async () => {
    const s = await startServer({ env: { TONGBAO_TEST_ROUTES: '1' } });
    try {
      const body = JSON.stringify({ name: 'in flight', count: 7 });
      const half = Math.floor(body.length / 2);
      const pending = s.raw([echoHead(body.length) + body.slice(0, half),
        body.slice(half)], { delayMs: 1500, timeoutMs: 15000 });
      await sleep(500);
      s.proc.kill('SIGTERM');
      const r = await pending;
      assert.ok(r.response,
        `the request in flight got no answer (${r.error ?? 'closed'})`);
      assert.equal(r.response.status, 200, show(r.response));
      assert.deepEqual(r.response.json, { name: 'in flight', count: 7 });
      await s.stop({ signal: null });
    } finally {
      await s.kill();
    }
  });
});

describe('the command line', { timeout: 180000 }, () => {
  it('answers help, version and --help with 0 and bad usage with 2',
    async () => {
      const rows = [
        // args, exit code, patterns on stdout
        [['version'], 0, [/\d+\.\d+\.\d+/]],
        [['help'], 0, [/serve/, /init/, /demo/, /backup/, /version/]],
        [['--help'], 0, [/serve/]],
        [['serve', '--help'], 0, [/--listen/, /--db/, /--config/]],
        [['init', '--help'], 0, [/--db/]],
        [['demo', '--help'], 0, [/--db/]],
        [['backup', '--help'], 0, [/FILE/i]],
        [['version', '--help'], 0, []],
        [['no-such-command'], 2, []],
        [[], 2, []],
        [['serve', '--no-such-flag'], 2, []],
        [['serve', '--request-timeout', 'abc', '--print-config'], 2, []],
        [['serve', '--request-timeout', '-5', '--print-config'], 2, []],
        [['backup'], 2, []],
      ];
      for (const [args, code, patterns] of rows) {
        const r = await runCli(args);
        const what = `tongbao ${args.join(' ')}`;
        assert.equal(r.code, code, `${what}: exit ${r.code}, expected ` +
          `${code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
        for (const p of patterns) {
          assert.match(r.stdout, p, `${what} must print ${p}`);
        }
        if (code === 2) {
          assert.ok(r.stderr.trim().length > 0,
            `${what}: bad usage must say why on stderr`);
        }
      }
    });

  it('serve --print-config shows file < environment < flags, secrets ' +
    'masked', async () => {
    const dir = tempDir();
    const cfg = path.join(dir, 'tongbao.conf');
    writeFileSync(cfg, [
      '# a comment',
      '',
      'listen = 127.0.0.1:1111',
      'db = /tmp/from-file.db',
      'smtp_password = file-smtp-secret',
      'webhook_secret = file-webhook-secret',
    ].join('\n') + '\n');
    const rows = [
      { what: 'defaults', args: [], env: {},
        want: { db: 'var/tongbao.db' } },
      { what: 'the file', args: ['--config', cfg], env: {},
        want: { listen: '127.0.0.1:1111', db: '/tmp/from-file.db',
          smtp_password: '***', webhook_secret: '***' } },
      { what: 'environment over file', args: ['--config', cfg],
        env: { TONGBAO_LISTEN: '127.0.0.1:2222' },
        want: { listen: '127.0.0.1:2222', db: '/tmp/from-file.db' } },
      { what: 'flag over environment',
        args: ['--config', cfg, '--listen', '127.0.0.1:3333'],
        env: { TONGBAO_LISTEN: '127.0.0.1:2222', TONGBAO_DB: '/tmp/env.db' },
        want: { listen: '127.0.0.1:3333', db: '/tmp/env.db' } },
      { what: 'a flag before --config still wins',
        args: ['--listen', '127.0.0.1:4444', '--config', cfg], env: {},
        want: { listen: '127.0.0.1:4444' } },
      { what: 'secrets from the environment and flags',
        args: ['--smtp-password', 'flag-smtp-secret'],
        env: { TONGBAO_WEBHOOK_SECRET: 'env-webhook-secret' },
        want: { smtp_password: '***', webhook_secret: '***' } },
    ];
    const secrets = ['file-smtp-secret', 'file-webhook-secret',
      'flag-smtp-secret', 'env-webhook-secret'];
    for (const { what, args, env, want } of rows) {
      const r = await runCli(['serve', ...args, '--print-config'], { env });
      assert.equal(r.code, 0, `${what}: exit ${r.code}\n${r.stderr}`);
      const got = {};
      const kv = /^([a-z_]+)[ \t]*=[ \t]*(.*?)[ \t]*$/gm;
      for (const m of r.stdout.matchAll(kv)) got[m[1]] = m[2];
      for (const [k, v] of Object.entries(want)) {
        assert.equal(got[k], v, `${what}: expected "${k} = ${v}" in:\n` +
          r.stdout);
      }
      for (const secret of secrets) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret),
          `${what}: a secret was printed:\n${r.stdout}`);
      }
    }
  });

  it('refuses a bad configuration with its key named', async () => {
    const dir = tempDir();
    const write = (name, text) => {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const rows = [
      ['an unknown key', ['--config', write('a.conf', 'no_such_key = 1\n')],
        {}, /no_such_key/],
      ['a bad number', ['--config', write('b.conf', 'request_timeout = x\n')],
        {}, /request_timeout/],
      ['a line without =', ['--config', write('c.conf', 'listen\n')], {},
        /c\.conf:1|line 1/],
      ['a missing file', ['--config', path.join(dir, 'none.conf')], {},
        /none\.conf/],
      ['a bad environment value', [], { TONGBAO_REQUEST_TIMEOUT: 'x' },
        /REQUEST_TIMEOUT|request_timeout/],
    ];
    for (const [what, args, env, pattern] of rows) {
      const r = await runCli(['serve', ...args, '--print-config'], { env });
      assert.ok(r.code === 1 || r.code === 2,
        `${what}: exit ${r.code}, expected 1 or 2\n${r.stdout}${r.stderr}`);
      assert.match(r.stderr, pattern, `${what}: the message must say what`);
    }
  });

  it('backup copies the database while the server runs, and will not ' +
    'overwrite', async () => {
    const s = await startServer();
    try {
      for (let i = 0; i < 20; i++) await s.get('/healthz');
      const out = path.join(s.dir, 'backup.db');
      const r = await runCli(['backup', '--db', s.db, out]);
      assert.equal(r.code, 0, `backup exited ${r.code}:\n${r.stderr}`);
      assert.equal(await sqlite(out, 'PRAGMA integrity_check;'), 'ok');
      const n = Number(await sqlite(out,
        'SELECT count(*) FROM schema_migrations;'));
      assert.ok(n >= 1, `the backup must hold the migrations, has ${n}`);
      const before = readFileSync(out);
      const again = await runCli(['backup', '--db', s.db, out]);
      assert.equal(again.code, 1,
        `a backup onto an existing file must exit 1, got ${again.code}`);
      assert.ok(again.stderr.trim().length > 0, 'and say why');
      assert.ok(readFileSync(out).equals(before),
        'the existing file must be left as it was');
      assert.equal((await s.get('/healthz')).status, 200);
      await s.stop();
    } finally {
      await s.kill();
    }
  });

  it('init is repeatable, and refuses a database from a newer version',
    async () => {
      const dir = tempDir();
      const db = path.join(dir, 'newer.db');
      await initDb(db);
      await initDb(db);
      // Mark the database as migrated by a future binary, filling whatever
      // columns schema_migrations has.
      const cols = (await sqlite(db,
        'SELECT name, type, "notnull" FROM pragma_table_info(' +
        "'schema_migrations');")).split('\n').map((l) => l.split('|'));
      assert.ok(cols.some(([name]) => name === 'version'),
        `schema_migrations needs a version column: ${JSON.stringify(cols)}`);
      const values = cols.map(([name, type]) => {
        if (name === 'version') return '9999';
        return /INT/i.test(type) ? '0' : "'future'";
      });
      await sqlite(db, `INSERT INTO schema_migrations (${cols.map((c) => c[0])
        .join(', ')}) VALUES (${values.join(', ')});`);
      const rows = [
        ['init', ['init', '--db', db]],
        ['serve', ['serve', '--db', db, '--listen', '127.0.0.1:0']],
      ];
      for (const [what, args] of rows) {
        const r = await runCli(args, { timeoutMs: 20000 });
        assert.notEqual(r.code, 0, `${what} on a newer database must fail`);
        assert.match(r.stdout + r.stderr, /newer/i,
          `${what}: the message must say the database is newer`);
        assert.doesNotMatch(r.stdout, /listening on/,
          `${what} must not start serving`);
      }
    });
});
