// Streamed uploads (the machinery evidence uses, P25-P27): bodies go to
// disk as they arrive, hashed on the way; limits are enforced; nothing is
// left behind by a refused or cut-off upload.  Exercised through the
// test-only route POST /api/v1/test/upload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

import { startServer, runCli, tempDir, initDb, sleep } from './lib/server.mjs';
import { assertError } from './lib/expect.mjs';

const MAX = 4 * 1024 * 1024;
let srv;
let token;
let evidence;

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

before(async () => {
  const dir = tempDir();
  const db = path.join(dir, 't.db');
  evidence = path.join(dir, 'evidence');
  await initDb(db);
  const r = await runCli(['token', 'create', '--user', 'admin', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  token = r.stdout.trim().split('\n').pop();
  srv = await startServer({
    db,
    args: ['--evidence-dir', evidence, '--evidence-max-bytes', String(MAX),
      '--request-timeout', '3'],
    env: { TONGBAO_TEST_ROUTES: '1' },
  });
});

after(async () => { await srv?.stop(); });

test('an upload is stored by its SHA-256 and the temporary file is gone', async () => {
  const body = crypto.randomBytes(3 * 1024 * 1024 + 17);
  const want = crypto.createHash('sha256').update(body).digest('hex');
  const res = await srv.request('POST', '/api/v1/test/upload', {
    headers: { Authorization: `Bearer ${token}`,
      'Content-Type': 'application/octet-stream' },
    body, timeoutMs: 30000,
  });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.json.sha256, want);
  assert.equal(res.json.size, body.length);
  const stored = path.join(evidence, 'objects', want.slice(0, 2), want);
  assert.ok(fs.existsSync(stored), `expected ${stored}`);
  assert.ok(fs.readFileSync(stored).equals(body));
  assert.deepEqual(filesUnder(path.join(evidence, 'tmp')), []);
});

test('a declared body over evidence_max_bytes is refused before it is read', async () => {
  const res = (await srv.raw(
    'POST /api/v1/test/upload HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer ${token}\r\n` +
    `Content-Length: ${MAX + 1}\r\n\r\n`, { untilResponse: true })).response;
  assertError(res, 413, 'body_too_large', null, 'over the limit');
  assert.deepEqual(filesUnder(path.join(evidence, 'tmp')), []);
});

test('an anonymous upload is refused on its headers, nothing stored', async () => {
  const res = (await srv.raw(
    'POST /api/v1/test/upload HTTP/1.1\r\nHost: x\r\n' +
    'Content-Length: 1000000\r\n\r\n', { untilResponse: true })).response;
  assertError(res, 401, 'unauthenticated', null, 'anonymous upload');
  assert.deepEqual(filesUnder(path.join(evidence, 'tmp')), []);
});

test('an upload cut off half-way leaves nothing on disk', async () => {
  const before = filesUnder(evidence).length;
  await new Promise((resolve, reject) => {
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.write('POST /api/v1/test/upload HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${token}\r\n` +
        'Content-Length: 2000000\r\n\r\n');
      s.write(crypto.randomBytes(700000), () => {
        setTimeout(() => { s.destroy(); resolve(); }, 200);
      });
    });
    s.on('error', reject);
  });
  // The server notices the closed connection and removes the partial file.
  let left = [];
  for (let i = 0; i < 50; i++) {
    left = filesUnder(path.join(evidence, 'tmp'));
    if (left.length === 0) break;
    await sleep(100);
  }
  assert.deepEqual(left, [], 'partial upload left behind');
  assert.equal(filesUnder(evidence).length, before);
  assert.equal((await srv.get('/healthz')).status, 200);
});

test('a chunked upload that grows past the limit is cut off and removed', async () => {
  const got = await new Promise((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => {
      s.write('POST /api/v1/test/upload HTTP/1.1\r\nHost: x\r\n' +
        `Authorization: Bearer ${token}\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n');
      const chunk = crypto.randomBytes(1024 * 1024);
      let sent = 0;
      const pump = () => {
        if (sent > MAX + 2 * 1024 * 1024 || s.destroyed) return;
        sent += chunk.length;
        s.write(`${chunk.length.toString(16)}\r\n`);
        s.write(chunk);
        s.write('\r\n', pump);
      };
      pump();
    });
    let data = '';
    s.on('data', (c) => { data += c; });
    s.on('error', () => resolve({ closed: true, data }));
    s.on('close', () => resolve({ closed: true, data }));
    setTimeout(() => { s.destroy(); resolve({ closed: false, data }); }, 15000);
  });
  assert.ok(got.closed, 'the server should hang up on an over-limit upload');
  assert.ok(!/^HTTP\/1\.1 201/.test(got.data), 'must not be stored');
  let left = [];
  for (let i = 0; i < 50; i++) {
    left = filesUnder(path.join(evidence, 'tmp'));
    if (left.length === 0) break;
    await sleep(100);
  }
  assert.deepEqual(left, []);
});

test('the same content uploaded twice is stored once', async () => {
  const body = Buffer.from('same evidence bytes\n'.repeat(1000));
  const want = crypto.createHash('sha256').update(body).digest('hex');
  for (let i = 0; i < 2; i++) {
    const res = await srv.request('POST', '/api/v1/test/upload', {
      headers: { Authorization: `Bearer ${token}` }, body,
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.sha256, want);
  }
  const dir = path.join(evidence, 'objects', want.slice(0, 2));
  assert.deepEqual(fs.readdirSync(dir).filter((n) => n === want), [want]);
  assert.deepEqual(filesUnder(path.join(evidence, 'tmp')), []);
});
