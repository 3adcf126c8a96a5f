// Notification API tests (issue 6): what actually arrives.  Each suite
// starts a real SMTP server (Debian's python3-aiosmtpd, writing a Maildir)
// and a webhook receiver (node:http) on free loopback ports, then
// `tongbao serve` on a demo database pointed at both, and asserts on the
// mail and the POSTs that arrive: recipients, text, headers, the HMAC
// signature checked with the secret; retries after failures; dead letters;
// no loss and no duplicate but of the same id after a SIGKILL in the middle
// of sending; the reachability check of P7; preferences; reminders and
// escalation caught up after downtime; DoIT's digest.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/notify.test.mjs

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import { sleep, sqlite, startServer, tempDir } from './lib/server.mjs';
import {
  DEMO_PASSWORD, demoDb, httpRequest, signIn, signInAdmin,
} from './lib/session.mjs';

const SECRET = 'whsec-notify-test-0123456789';
const PYTHON = '/usr/bin/python3';	// Debian's, with python3-aiosmtpd
const MIN = 60 * 1000;
const HOUR = 60 * MIN;

// --- infrastructure ----------------------------------------------------

/** A free loopback port (bound, read, released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Polls fn every 50 ms until it returns a truthy value; fails after
 * timeoutMs with what() in the message. */
async function waitFor(fn, what, timeoutMs = 20000) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) {
      assert.fail(`waited ${timeoutMs} ms for ${typeof what === 'function'
        ? what() : what}`);
    }
    await sleep(50);
  }
}

/** A real SMTP server: aiosmtpd's Mailbox handler writing a Maildir. */
class Smtp {
  static async start() {
    const port = await freePort();
    // aiosmtpd makes the Maildir (new, cur, tmp) only when it is missing.
    const dir = path.join(tempDir(), 'maildir');
    const proc = spawn(PYTHON, ['-m', 'aiosmtpd', '-n', '-l',
      `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir],
    { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    proc.stderr.on('data', (c) => { err += c; });
    const s = new Smtp(proc, port, dir);
    await waitFor(() => new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port });
      sock.on('data', (d) => { sock.destroy(); resolve(/^220/.test(d)); });
      sock.on('error', () => resolve(false));
    }), () => `aiosmtpd on port ${port}: ${err}`);
    return s;
  }

  constructor(proc, port, dir) {
    this.proc = proc;
    this.port = port;
    this.dir = dir;
    this.url = `smtp://127.0.0.1:${port}`;
  }

  /** Every message delivered so far, parsed (see parseMail). */
  messages() {
    const d = path.join(this.dir, 'new');
    if (!existsSync(d)) return [];
    return readdirSync(d).sort().map((f) =>
      parseMail(readFileSync(path.join(d, f))));
  }

  async stop() {
    this.proc.kill('SIGTERM');
    await new Promise((resolve) => {
      if (this.proc.exitCode !== null) resolve();
      else this.proc.on('exit', resolve);
    });
  }
}

// RFC 2047 encoded words back to text.
function decodeWords(v) {
  return v.replace(/\?=\s+=\?/g, '?==?').replace(
    /=\?UTF-8\?B\?([^?]*)\?=/gi,
    (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

// Header block text to {lower-case name: unfolded value}; raw names kept.
function parseHeaders(text) {
  const h = {};
  for (const line of text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) h[line.slice(0, c).toLowerCase()] = line.slice(c + 1).trim();
  }
  return h;
}

/** A Maildir file as {headers, subject (decoded), rcpt (envelope), text,
 * html, raw}. */
function parseMail(buf) {
  const raw = buf.toString('latin1');
  const split = raw.search(/\r?\n\r?\n/);
  const headers = parseHeaders(raw.slice(0, split));
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const m = /boundary="([^"]+)"/.exec(headers['content-type'] ?? '');
  const parts = {};
  if (m) {
    for (const p of body.split(`--${m[1]}`)) {
      const s = p.search(/\r?\n\r?\n/);
      if (s < 0) continue;
      const ph = parseHeaders(p.slice(0, s));
      const type = (ph['content-type'] ?? '').split(';')[0];
      const content = p.slice(s).trim();
      parts[type] = /base64/i.test(ph['content-transfer-encoding'] ?? '')
        ? Buffer.from(content, 'base64').toString('utf8') : content;
    }
  }
  return {
    headers,
    subject: decodeWords(Buffer.from(headers.subject ?? '', 'latin1')
      .toString('utf8')),
    to: decodeWords(headers.to ?? ''),
    rcpt: headers['x-rcptto'],
    messageId: headers['message-id'],
    text: parts['text/plain'] ?? '',
    html: parts['text/html'] ?? '',
    raw,
  };
}

/**
 * The webhook receiver.  Every request is recorded on arrival
 * ({id, body (the exact text), json, headers, at, answered}); behave(rec)
 * decides each answer: {status, delayMs}.
 */
class Hook {
  static async start(behave = () => ({ status: 200 })) {
    const h = new Hook(behave);
    await new Promise((resolve) => h.srv.listen(0, '127.0.0.1', resolve));
    h.port = h.srv.address().port;
    h.url = `http://127.0.0.1:${h.port}/tongbao`;
    return h;
  }

  constructor(behave) {
    this.behave = behave;
    this.got = [];
    this.srv = http.createServer((req, res) => {
      const parts = [];
      req.on('data', (c) => parts.push(c));
      req.on('end', async () => {
        const body = Buffer.concat(parts).toString('utf8');
        let json = null;
        try { json = JSON.parse(body); } catch { json = null; }
        const rec = { id: json?.id, body, json, headers: req.headers,
          method: req.method, url: req.url, at: Date.now(), answered: null };
        this.got.push(rec);
        const { status = 200, delayMs = 0 } = this.behave(rec) ?? {};
        if (delayMs > 0) await sleep(delayMs);
        rec.answered = status;
        if (!res.destroyed) {
          res.writeHead(status, { 'Content-Type': 'text/plain' });
          res.end(status < 300 ? 'ok' : 'no');
        }
      });
    });
  }

  /** The requests whose body id starts with prefix. */
  of(prefix) { return this.got.filter((r) => r.id?.startsWith(prefix)); }

  async stop() {
    this.srv.closeAllConnections();
    await new Promise((resolve) => this.srv.close(resolve));
  }
}

/** Asserts the CONVENTIONS signature of a received webhook request. */
function assertSigned(rec) {
  const ts = rec.headers['x-tongbao-timestamp'];
  assert.match(ts ?? '', /^\d{10}$/, `X-Tongbao-Timestamp: ${ts}`);
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 120,
    `timestamp ${ts} is not now`);
  const want = 'sha256=' + crypto.createHmac('sha256', SECRET)
    .update(`${ts}.${rec.body}`).digest('hex');
  assert.equal(rec.headers['x-tongbao-signature'], want,
    `the signature does not verify with the secret; body: ${rec.body}`);
  assert.match(rec.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(rec.method, 'POST');
}

/** Server arguments pointing notifications at smtp and hook. */
function notifyArgs(smtp, hook, extra = []) {
  return ['--smtp-url', smtp.url, '--smtp-from', 'tongbao@doit.test',
    '--webhook-url', hook.url, '--webhook-secret', SECRET,
    '--test-routes', '1', '--notify-backoff-ms', '100',
    // No digest unless a test asks: it would add messages to every run
    // after 08:00 Taipei time.
    '--notify-digest-at=', ...extra];
}

/** Reads one demo person's id through the database. */
async function userId(db, username) {
  const v = await sqlite(db, 'SELECT id FROM users WHERE username = ' +
    `'${username}'`);
  assert.match(v, /^\d+$/, `no user ${username}`);
  return v;
}

// A Taipei RFC 3339 time ms from now.
function tp(ms) {
  return new Date(Date.now() + ms + 8 * HOUR).toISOString().slice(0, 19) +
    '+08:00';
}

// --- what arrives ------------------------------------------------------

describe('a message arrives by e-mail and by signed webhook',
  { timeout: 120000 }, () => {
    let smtp;
    let hook;
    let s;
    let admin;
    let db;
    before(async () => {
      smtp = await Smtp.start();
      hook = await Hook.start();
      db = await demoDb();
      s = await startServer({ db, args: notifyArgs(smtp, hook) });
      admin = await signInAdmin(s);
    });
    after(async () => {
      if (s) await s.stop();
      if (hook) await hook.stop();
      if (smtp) await smtp.stop();
    });

    it('to each person: text and HTML in Traditional Chinese, encoded ' +
      'headers, Message-ID = idempotency key; the webhook body signed ' +
      'with the secret', async () => {
      const subject = '測試通知 <b>粗體</b> & 符號';
      const r = await admin.post('/api/v1/test/notifications', {
        key: 'arrive1', usernames: ['ca.window', 'ca.ciso'], subject,
        text: '第一行\n第二行 <script>alert(1)</script>' });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.queued, 4, show(r));
      const win = await userId(db, 'ca.window');
      const ciso = await userId(db, 'ca.ciso');
      const mails = await waitFor(() => {
        const m = smtp.messages().filter((x) =>
          x.messageId?.startsWith('<arrive1.'));
        return m.length >= 2 && m;
      }, 'two e-mails');
      assert.deepEqual(mails.map((m) => m.rcpt).sort(),
        ['ca.ciso@demo.tongbao.test', 'ca.window@demo.tongbao.test']);
      for (const m of mails) {
        const uid = m.rcpt.startsWith('ca.window') ? win : ciso;
        assert.equal(m.messageId, `<arrive1.email.${uid}@doit.test>`);
        assert.equal(m.subject, `[通報] ${subject}`);
        // Headers are ASCII: the subject travels as encoded words.
        assert.match(m.headers.subject, /^=\?UTF-8\?B\?/);
        assert.match(m.to, new RegExp(`<${m.rcpt.replace('.', '\\.')}>`));
        assert.match(m.headers.from, /<tongbao@doit\.test>/);
        assert.match(m.headers['content-type'],
          /^multipart\/alternative; boundary=/);
        assert.ok(m.text.includes('第一行\n第二行 <script>alert(1)</script>'),
          m.text);
        assert.ok(m.text.includes('請勿直接回覆'), m.text);
        // In HTML, data is escaped.
        assert.ok(!m.html.includes('<script>'), m.html);
        assert.ok(m.html.includes('&lt;script&gt;'), m.html);
        assert.ok(m.html.includes('&lt;b&gt;粗體&lt;/b&gt; &amp; 符號'),
          m.html);
        assert.match(m.html, /<html lang="zh-Hant-TW">/);
      }
      const posts = await waitFor(() => {
        const p = hook.of('arrive1.');
        return p.length >= 2 && p;
      }, 'two webhook requests');
      for (const p of posts) {
        assertSigned(p);
        const uid = p.json.payload.recipient.id;
        assert.equal(p.id, `arrive1.webhook.${uid}`);
        assert.equal(p.json.type, 'test');
        assert.match(p.json.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
        assert.equal(p.json.payload.subject, `[通報] ${subject}`);
        assert.ok(['ca.window', 'ca.ciso'].includes(
          p.json.payload.recipient.username));
        assert.equal(p.json.payload.recipient.taipeion_id,
          p.json.payload.recipient.username);
        assert.deepEqual(Object.keys(p.json), ['created_at', 'id', 'payload',
          'type']);
      }
      // The delivery state is visible: sent, one attempt.
      for (const m of r.json.messages) {
        const g = await waitFor(async () => {
          const x = await admin.get(`/api/v1/notifications/${m.id}`);
          return x.json?.state === 'sent' && x;
        }, `message ${m.id} sent`);
        assert.equal(g.json.attempts, 1, show(g));
        assert.ok(g.json.sent_at, show(g));
        assert.equal(g.json.last_error, null, show(g));
        assert.equal(g.json.address, m.channel === 'email'
          ? (m.recipient_id === Number(win) ? 'ca.window@demo.tongbao.test'
            : 'ca.ciso@demo.tongbao.test') : null, show(g));
      }
    });

    it('the same change again enqueues nothing and sends nothing', async () => {
      const body = { key: 'arrive2', usernames: ['ca.window'], subject: 's',
        text: 't' };
      const a = await admin.post('/api/v1/test/notifications', body);
      assert.equal(a.status, 201, show(a));
      assert.equal(a.json.queued, 2);
      await waitFor(() => hook.of('arrive2.').length === 1 &&
        smtp.messages().filter((m) => m.messageId?.startsWith('<arrive2.'))
          .length === 1, 'the first delivery');
      const b = await admin.post('/api/v1/test/notifications', body);
      assert.equal(b.status, 201, show(b));
      assert.equal(b.json.queued, 0, show(b));
      assert.deepEqual(b.json.messages.map((m) => m.id).sort(),
        a.json.messages.map((m) => m.id).sort());
      await sleep(800);
      assert.equal(hook.of('arrive2.').length, 1);
      assert.equal(smtp.messages().filter((m) =>
        m.messageId?.startsWith('<arrive2.')).length, 1);
    });

    it('bad test requests are refused and enqueue nothing', async () => {
      assertError(await admin.post('/api/v1/test/notifications', {
        key: 'a b', usernames: ['ca.window'], subject: 's', text: 't' }),
      422, 'invalid_field', 'key');
      assertError(await admin.post('/api/v1/test/notifications', {
        key: 'nobody1', usernames: ['no.such.person'], subject: 's',
        text: 't' }), 422, 'invalid_field', 'usernames');
      assertError(await admin.post('/api/v1/test/notifications', {
        key: 'x', usernames: ['ca.window'], subject: 's', text: 't',
        extra: 1 }), 422, 'unknown_field', 'extra');
      const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
      assertError(await win.post('/api/v1/test/notifications', {
        key: 'x', usernames: ['ca.window'], subject: 's', text: 't' }),
      403, 'forbidden', null);
      assert.equal(await sqlite(db, "SELECT COUNT(*) FROM outbox WHERE " +
        "idempotency_key LIKE 'nobody1%' OR idempotency_key LIKE 'x.%'"), '0');
    });

    it('preferences: e-mail off sends only the webhook; English subject',
      async () => {
        const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
        const g = await win.get('/api/v1/me/notification-preferences');
        assert.equal(g.status, 200, show(g));
        assert.deepEqual({ ...g.json, updated_at: undefined },
          { email: true, webhook: true, locale: null, updated_at: undefined });
        assertError(await win.patch('/api/v1/me/notification-preferences',
          { locale: 'fr' }), 422, 'invalid_field', 'locale');
        assertError(await win.patch('/api/v1/me/notification-preferences',
          { sms: true }), 422, 'unknown_field', 'sms');
        const p = await win.patch('/api/v1/me/notification-preferences',
          { email: false, locale: 'en' });
        assert.equal(p.status, 200, show(p));
        assert.equal(p.json.email, false);
        assert.equal(p.json.locale, 'en');
        const r = await admin.post('/api/v1/test/notifications', {
          key: 'prefs1', usernames: ['ca.window'], subject: 'Hello',
          text: 'x' });
        assert.equal(r.json.queued, 1, show(r));
        const [post] = await waitFor(() => hook.of('prefs1.').length === 1 &&
          hook.of('prefs1.'), 'the webhook');
        assert.equal(post.json.payload.subject, '[Tongbao] Hello');
        await sleep(500);
        assert.equal(smtp.messages().filter((m) =>
          m.messageId?.startsWith('<prefs1.')).length, 0);
        const back = await win.patch('/api/v1/me/notification-preferences',
          { email: true, locale: '' });
        assert.equal(back.json.locale, null, show(back));
      });
  });

describe('retries: 500 twice then 200', { timeout: 120000 }, () => {
  let smtp;
  let hook;
  let s;
  let admin;
  before(async () => {
    smtp = await Smtp.start();
    const fails = new Map();
    hook = await Hook.start((rec) => {
      if (!rec.id?.startsWith('retry1.')) return { status: 200 };
      const n = (fails.get(rec.id) ?? 0) + 1;
      fails.set(rec.id, n);
      return { status: n <= 2 ? 500 : 200 };
    });
    s = await startServer({ db: await demoDb(),
      args: notifyArgs(smtp, hook) });
    admin = await signInAdmin(s);
  });
  after(async () => {
    if (s) await s.stop();
    if (hook) await hook.stop();
    if (smtp) await smtp.stop();
  });

  it('the same id and body are sent again after 100 ms and 200 ms, then ' +
    'it is sent', async () => {
    const r = await admin.post('/api/v1/test/notifications', {
      key: 'retry1', usernames: ['ca.window'], subject: '重試', text: 'x' });
    assert.equal(r.status, 201, show(r));
    const hookMsg = r.json.messages.find((m) => m.channel === 'webhook');
    const tries = await waitFor(() => {
      const t = hook.of('retry1.');
      return t.length >= 3 && t[2].answered !== null && t;
    }, 'three tries');
    assert.deepEqual(tries.map((t) => t.answered), [500, 500, 200]);
    for (const t of tries) assertSigned(t);
    assert.equal(new Set(tries.map((t) => t.id)).size, 1);
    assert.equal(tries[1].body, tries[0].body, 'a retry is the same body');
    assert.equal(tries[2].body, tries[0].body, 'a retry is the same body');
    // Exponential: base (100 ms), then twice that.
    const gap1 = tries[1].at - tries[0].at;
    const gap2 = tries[2].at - tries[1].at;
    assert.ok(gap1 >= 90, `first retry after ${gap1} ms`);
    assert.ok(gap2 >= 180, `second retry after ${gap2} ms`);
    const g = await waitFor(async () => {
      const x = await admin.get(`/api/v1/notifications/${hookMsg.id}`);
      return x.json?.state === 'sent' && x;
    }, 'the message sent');
    assert.equal(g.json.attempts, 3, show(g));
    await sleep(500);
    assert.equal(hook.of('retry1.').length, 3, 'nothing after the 200');
  });
});

describe('dead letters: still failing after notify_retry_seconds',
  { timeout: 120000 }, () => {
    let smtp;
    let hook;
    let s;
    let admin;
    let healthy = false;
    before(async () => {
      smtp = await Smtp.start();
      hook = await Hook.start(() => ({ status: healthy ? 204 : 503 }));
      s = await startServer({ db: await demoDb(),
        args: notifyArgs(smtp, hook, ['--notify-retry-seconds', '1']) });
      admin = await signInAdmin(s);
    });
    after(async () => {
      if (s) await s.stop();
      if (hook) await hook.stop();
      if (smtp) await smtp.stop();
    });

    it('goes dead, DoIT sees it, and a retry delivers it', async () => {
      const r = await admin.post('/api/v1/test/notifications', {
        key: 'dead1', usernames: ['ca.window'], subject: 'd', text: 'x' });
      assert.equal(r.status, 201, show(r));
      const id = r.json.messages.find((m) => m.channel === 'webhook').id;
      const dead = await waitFor(async () => {
        const x = await admin.get('/api/v1/notifications/dead');
        return x.json?.items?.some((m) => m.id === id) && x;
      }, 'the message in the dead letters');
      const item = dead.json.items.find((m) => m.id === id);
      assert.equal(item.state, 'dead');
      assert.equal(item.last_error, 'HTTP 503');
      assert.ok(item.attempts >= 2, show(dead));
      assert.equal(item.next_attempt_at, null);
      assert.equal(item.recipient.username, 'ca.window');
      // The e-mail went through: it is not dead.
      assert.ok(!dead.json.items.some((m) => m.channel === 'email' &&
        m.idempotency_key.startsWith('dead1.')), show(dead));
      const tries = hook.of('dead1.').length;
      // DoIT's reviewers see the dead letters; others do not.
      const rev = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
      assert.equal((await rev.get('/api/v1/notifications/dead')).status, 200);
      const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
      assertError(await win.get('/api/v1/notifications/dead'), 403,
        'forbidden', null);
      assertError(await rev.post(`/api/v1/notifications/${id}/retry`), 403,
        'forbidden', null);
      // Only a dead message can be retried.
      const mail = r.json.messages.find((m) => m.channel === 'email').id;
      assertError(await admin.post(`/api/v1/notifications/${mail}/retry`),
        409, 'conflict', null);
      healthy = true;
      const again = await admin.post(`/api/v1/notifications/${id}/retry`);
      assert.equal(again.status, 200, show(again));
      assert.equal(again.json.state, 'pending');
      await waitFor(async () => {
        const x = await admin.get(`/api/v1/notifications/${id}`);
        return x.json?.state === 'sent';
      }, 'the retried message sent');
      assert.equal(hook.of('dead1.').length, tries + 1);
      const list = await admin.get('/api/v1/notifications/dead');
      assert.ok(!list.json.items.some((m) => m.id === id), show(list));
    });
  });

describe('SIGKILL in the middle of sending: nothing lost, nothing twice ' +
  'but the same id', { timeout: 180000 }, () => {
  let smtp;
  let hook;
  let s;
  let db;
  const N = 20;
  before(async () => {
    smtp = await Smtp.start();
    // Slow: each request is answered 300 ms after it arrived, so that a
    // kill lands while one is in flight.
    hook = await Hook.start(() => ({ status: 200, delayMs: 300 }));
    db = await demoDb();
  });
  after(async () => {
    if (s) await s.kill();
    if (hook) await hook.stop();
    if (smtp) await smtp.stop();
  });

  it(`${N} messages to two channels, killed after the fifth webhook ` +
    'request arrived; every one arrives after a restart', async () => {
    const args = notifyArgs(smtp, hook);
    s = await startServer({ db, args });
    const admin = await signInAdmin(s);
    // Written in one go, before anything is sent: the server is blocked
    // writing them, so all are in the outbox when sending starts.
    for (let i = 0; i < N; i++) {
      const r = await admin.post('/api/v1/test/notifications', {
        key: `kill${i}`, usernames: ['ca.window'], subject: `第 ${i} 則`,
        text: `內容 ${i}` });
      assert.equal(r.status, 201, show(r));
    }
    await waitFor(() => hook.of('kill').length >= 5, 'five webhook requests');
    const inFlight = hook.of('kill').filter((r) => r.answered === null);
    s.proc.kill('SIGKILL');
    const ex = await s.exited;
    assert.equal(ex.signal, 'SIGKILL');
    assert.ok(inFlight.length >= 1, 'the kill landed between requests; ' +
      'the receiver should have held one');
    const sentBefore = hook.of('kill').length;

    s = await startServer({ db, args });
    const uid = await userId(db, 'ca.window');
    const wantHook = new Set([...Array(N).keys()].map((i) =>
      `kill${i}.webhook.${uid}`));
    const wantMail = new Set([...Array(N).keys()].map((i) =>
      `<kill${i}.email.${uid}@doit.test>`));
    await waitFor(() => {
      const ok = new Set(hook.of('kill').filter((r) => r.answered === 200)
        .map((r) => r.id));
      const mails = new Set(smtp.messages().map((m) => m.messageId));
      return [...wantHook].every((k) => ok.has(k)) &&
        [...wantMail].every((k) => mails.has(k));
    }, () => 'every message after the restart; webhook ids answered: ' +
      JSON.stringify(hook.of('kill').map((r) => [r.id, r.answered])),
    60000);
    await sleep(1000);
    // No loss: every id arrived.  Nothing unexpected arrived.
    const posts = hook.of('kill');
    for (const p of posts) {
      assert.ok(wantHook.has(p.id), `unexpected webhook id ${p.id}`);
      assertSigned(p);
    }
    // Duplicates only of the message in flight at the kill, with the
    // same id and the very same body.
    const byId = new Map();
    for (const p of posts) byId.set(p.id, [...(byId.get(p.id) ?? []), p]);
    const dups = [...byId.entries()].filter(([, v]) => v.length > 1);
    assert.ok(dups.length <= 1, `duplicated ids: ${dups.map(([k]) => k)}`);
    for (const [, v] of dups) {
      assert.ok(inFlight.some((r) => r.id === v[0].id),
        'the duplicate is the message that was in flight');
      for (const p of v) assert.equal(p.body, v[0].body);
    }
    const mails = smtp.messages().filter((m) =>
      m.messageId?.startsWith('<kill'));
    const mailIds = mails.map((m) => m.messageId);
    assert.equal(new Set(mailIds).size, N);
    assert.ok(mailIds.length - N <= 1, `e-mail duplicates: ${mailIds.length}`);
    assert.ok(posts.length > sentBefore, 'the restart sent the rest');
    assert.match(s.stderr, /"event":"notify_recovered"/,
      'the restart found the messages the killed process had claimed');
    // The database agrees: all sent.
    assert.equal(await sqlite(db, "SELECT COUNT(*) FROM outbox WHERE " +
      "idempotency_key LIKE 'kill%' AND state = 'sent'"), String(2 * N));
    await s.stop();
    s = null;
  });

  it('SIGTERM while a slow receiver holds a request: the server stops ' +
    'at once with 0 and the message is sent later', async () => {
    hook.behave = (rec) => ({ status: 200,
      delayMs: rec.id?.startsWith('term1.') && !hook.released ? 20000 : 0 });
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    const admin = await signInAdmin(s);
    const r = await admin.post('/api/v1/test/notifications', {
      key: 'term1', usernames: ['ca.ciso'], subject: 's', text: 't' });
    assert.equal(r.status, 201, show(r));
    await waitFor(() => hook.of('term1.').length === 1, 'the slow request');
    const t0 = Date.now();
    await s.stop();
    s = null;
    assert.ok(Date.now() - t0 < 5000, `stopping took ${Date.now() - t0} ms`);
    hook.released = true;
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    await waitFor(() => hook.of('term1.').some((x) => x.answered === 200),
      'the message after the restart');
    assert.equal(new Set(hook.of('term1.').map((x) => x.id)).size, 1);
  });
});

// --- reachability (P7) -------------------------------------------------

describe('reachability check of every window and deputy (P7)',
  { timeout: 180000 }, () => {
    let smtp;
    let hook;
    let s;
    let admin;
    let db;
    let check;
    before(async () => {
      smtp = await Smtp.start();
      hook = await Hook.start();
      db = await demoDb();
      s = await startServer({ db, args: notifyArgs(smtp, hook) });
      admin = await signInAdmin(s);
    });
    after(async () => {
      if (s) await s.stop();
      if (hook) await hook.stop();
      if (smtp) await smtp.stop();
    });

    // The link in the e-mail to username.
    function linkOf(username) {
      const m = smtp.messages().find((x) =>
        x.rcpt === `${username}@demo.tongbao.test` &&
        x.subject.includes('可達性確認'));
      const l = m && /https?:\/\/\S+\/api\/v1\/reachability\/[A-Za-z0-9_-]+/
        .exec(m.text);
      return l ? new URL(l[0]) : null;
    }

    it('only DoIT\'s administrator may start one', async () => {
      const ciso = await signIn(s, 'ca.ciso', DEMO_PASSWORD);
      assertError(await ciso.post('/api/v1/contacts/reachability-checks', {}),
        403, 'forbidden', null);
      const rev = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
      assertError(await rev.post('/api/v1/contacts/reachability-checks', {}),
        403, 'forbidden', null);
      assertError(await admin.post('/api/v1/contacts/reachability-checks',
        { expires_hours: 0 }), 422, 'invalid_field', 'expires_hours');
    });

    it('each window and deputy gets a personal link by e-mail and webhook',
      async () => {
        const r = await admin.post('/api/v1/contacts/reachability-checks',
          { note: '年度可達性測試' });
        assert.equal(r.status, 201, show(r));
        check = r.json;
        assert.equal(r.headers.location,
          `/api/v1/contacts/reachability-checks/${check.id}`);
        const windows = Number(await sqlite(db, 'SELECT COUNT(DISTINCT ' +
          "user_id) FROM contacts WHERE ended_at IS NULL"));
        assert.ok(windows >= 292, `${windows} windows and deputies`);
        assert.equal(check.total, windows, show(r));
        assert.equal(check.confirmed, 0);
        await waitFor(() => smtp.messages().filter((m) =>
          m.subject.includes('可達性確認')).length >= windows,
        () => `${windows} e-mails, got ${smtp.messages().length}`, 90000);
        const mail = smtp.messages().find((m) =>
          m.rcpt === 'ca.deputy@demo.tongbao.test');
        assert.ok(mail.text.includes('年度可達性測試'), mail.text);
        assert.ok(mail.text.includes('代理人'), mail.text);
        const a = linkOf('ca.window');
        const b = linkOf('ca.deputy');
        assert.ok(a && b && a.pathname !== b.pathname, 'personal links');
        await waitFor(() => hook.of(`reach.${check.id}.`).length >= windows,
          'the webhooks', 60000);
        const post = hook.of(`reach.${check.id}.`)[0];
        assertSigned(post);
        assert.equal(post.json.type, 'reachability_check');
        assert.match(post.json.payload.link,
          /\/api\/v1\/reachability\/[A-Za-z0-9_-]{43}$/);
      });

    it('the link confirms, idempotently, with a small zh-TW page; the ' +
      'check lists who has not confirmed', async () => {
      const link = linkOf('ca.window');
      const r1 = await httpRequest(s.port, 'GET', link.pathname);
      assert.equal(r1.status, 200, show(r1));
      assert.match(r1.headers['content-type'], /^text\/html; charset=utf-8/);
      assert.match(r1.headers['content-security-policy'],
        /default-src 'self'/);
      assert.doesNotMatch(r1.headers['content-security-policy'],
        /unsafe-inline/);
      assert.match(r1.text, /<html lang="zh-Hant-TW">/);
      assert.match(r1.text, /已確認收到/);
      // Nothing inline for the CSP to refuse.
      assert.doesNotMatch(r1.text, /<script|<style|\sstyle=|\son[a-z]+=/i);
      const r2 = await httpRequest(s.port, 'GET', link.pathname);
      assert.equal(r2.status, 200);
      assert.equal(/<time datetime="([^"]+)"/.exec(r2.text)[1],
        /<time datetime="([^"]+)"/.exec(r1.text)[1], 'the first time stays');
      // HEAD (a mail scanner) confirms nothing.
      const deputy = linkOf('ca.deputy');
      const h = await httpRequest(s.port, 'HEAD', deputy.pathname);
      assert.ok(h.status < 500, show(h));
      const g = await admin.get(
        `/api/v1/contacts/reachability-checks/${check.id}`);
      assert.equal(g.status, 200, show(g));
      assert.equal(g.json.confirmed, 1, show(g));
      assert.equal(g.json.total, check.total);
      assert.equal(g.json.not_confirmed.length, check.total - 1);
      const names = g.json.not_confirmed.map((p) => p.username);
      assert.ok(!names.includes('ca.window'));
      assert.ok(names.includes('ca.deputy'));
      const dep = g.json.not_confirmed.find((p) => p.username === 'ca.deputy');
      assert.equal(dep.contact_kind, 'deputy');
      assert.equal(dep.agency, 'ca');
      // DoIT's reviewer may look; an agency's window may not.
      const rev = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
      assert.equal((await rev.get(
        `/api/v1/contacts/reachability-checks/${check.id}`)).status, 200);
      const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
      assertError(await win.get(
        `/api/v1/contacts/reachability-checks/${check.id}`), 403, 'forbidden',
      null);
      assertError(await admin.get(
        '/api/v1/contacts/reachability-checks/12345'), 404, 'not_found', null);
      // The confirmation is in the audit trail.
      assert.equal(await sqlite(db, "SELECT COUNT(*) FROM audit_log WHERE " +
        "action = 'reachability.confirm'"), '1');
    });

    it('unknown, malformed or expired links answer an HTML page, ' +
      'confirming nothing', async () => {
      for (const t of ['A'.repeat(43), 'short', 'x'.repeat(44)]) {
        const r = await httpRequest(s.port, 'GET',
          `/api/v1/reachability/${t}`);
        assert.equal(r.status, 404, `${t}: ${show(r)}`);
        assert.match(r.text, /確認連結無效/);
      }
      const link = linkOf('doe.window');
      await sqlite(db, 'PRAGMA busy_timeout = 5000; UPDATE ' +
        `reachability_checks SET expires_at = 1 WHERE id = ${check.id}`);
      const r = await httpRequest(s.port, 'GET', link.pathname);
      assert.equal(r.status, 410, show(r));
      assert.match(r.text, /已過期/);
      const g = await admin.get(
        `/api/v1/contacts/reachability-checks/${check.id}`);
      assert.equal(g.json.confirmed, 1, 'an expired link confirms nothing');
    });

    it('tokens are stored only hashed: not in the check, nor in a ' +
      'delivered message', async () => {
      const token = linkOf('ca.deputy').pathname.split('/').pop();
      const dump = await new Promise((resolve, reject) => {
        const p = spawn('sqlite3', [db, '.dump']);
        let out = '';
        p.stdout.on('data', (c) => { out += c; });
        p.on('close', (code) => (code === 0 ? resolve(out)
          : reject(new Error(`sqlite3 .dump exited ${code}`))));
      });
      assert.ok(!dump.includes(token), 'the token is in the database');
      assert.equal(await sqlite(db, "SELECT COUNT(*) FROM outbox WHERE kind = " +
        "'reachability_check' AND state = 'sent' AND body_text <> ''"), '0');
    });
  });

// --- incidents: who is told --------------------------------------------

describe('a new or changed incident tells its people (issue 6 §3)',
  { timeout: 120000 }, () => {
    let smtp;
    let hook;
    let s;
    before(async () => {
      smtp = await Smtp.start();
      hook = await Hook.start();
      s = await startServer({ db: await demoDb(),
        args: notifyArgs(smtp, hook) });
    });
    after(async () => {
      if (s) await s.stop();
      if (hook) await hook.stop();
      if (smtp) await smtp.stop();
    });

    // Who got a message of kind about incident id, by any channel.
    const told = (id, kind) => [...new Set(hook.got.filter((r) =>
      r.json?.type === kind && r.json.payload.incident_id === id)
      .map((r) => r.json.payload.recipient.username))].sort();

    it("the agency's window, deputy and CISO, DoIT's reviewers; each " +
      "affected agency's window once; at level 3 the superior's viewers; " +
      'DoIT when a review falls due', async () => {
      const win = await signIn(s, 'doe-zoo.window', DEMO_PASSWORD);
      const r = await win.post('/api/v1/incidents', {
        agency: 'doe-zoo', title: '園區網站遭入侵', category: 'intrusion',
        aware_at: tp(-10 * MIN), level: 2,
        affected_agencies: ['doe-library'] });
      assert.equal(r.status, 201, show(r));
      const id = r.json.id;
      await waitFor(() => told(id, 'incident_changed').length >= 3 &&
        told(id, 'agency_affected').length >= 2, 'the first messages');
      await sleep(500);
      // The reporter is not told of their own report; level 2: no viewer.
      assert.deepEqual(told(id, 'incident_changed'),
        ['doe-zoo.ciso', 'doe-zoo.deputy', 'doit.reviewer']);
      assert.deepEqual(told(id, 'agency_affected'),
        ['doe-library.deputy', 'doe-library.window']);
      const mail = await waitFor(() => smtp.messages().find((m) =>
        m.rcpt === 'doe-zoo.ciso@demo.tongbao.test' &&
        m.subject.includes('園區網站遭入侵')), "the CISO's e-mail");
      assert.equal(mail.subject,
        '[通報] 臺北市立動物園資安事件新通報：園區網站遭入侵');
      assert.ok(mail.text.includes(`事件編號：${id}`), mail.text);
      assert.ok(mail.text.includes('等級：第 2 級'), mail.text);
      assert.ok(mail.text.includes('操作人員：doe-zoo.window'), mail.text);

      const ciso = await signIn(s, 'doe-zoo.ciso', DEMO_PASSWORD);
      const a = await ciso.post(`/api/v1/incidents/${id}/events`, {
        type: 'level_approved', at: tp(-8 * MIN), level: 3 });
      assert.equal(a.status, 201, show(a));
      await waitFor(() => hook.got.filter((x) =>
        x.json?.payload?.incident_id === id &&
        x.json.payload.data?.what === 'level_approved').length >= 4,
      'the level approval messages');
      await sleep(500);
      const approved = [...new Set(hook.got.filter((x) =>
        x.json?.payload?.incident_id === id &&
        x.json.payload.data?.what === 'level_approved')
        .map((x) => x.json.payload.recipient.username))].sort();
      assert.deepEqual(approved, ['doe-zoo.deputy', 'doe-zoo.window',
        'doe.viewer', 'doit.reviewer']);
      // The affected agency was told once, not at every change.
      assert.equal(hook.got.filter((x) => x.json?.type ===
        'agency_affected' && x.json.payload.incident_id === id).length, 2);

      assert.deepEqual(told(id, 'review_due'), []);
      const repAt = tp(-5 * MIN);
      const rep = await win.post(`/api/v1/incidents/${id}/events`, {
        type: 'reported', at: repAt, channel: 'platform',
        platform_ref: `ZOO-${Date.now()}` });
      assert.equal(rep.status, 201, show(rep));
      await waitFor(() => told(id, 'review_due').length === 1,
        'the review due to DoIT');
      const due = hook.got.find((x) => x.json?.type === 'review_due' &&
        x.json.payload.incident_id === id);
      assert.match(due.json.payload.subject, /^\[通報\] 等級審核待辦：/);
      // Level 3-4: two hours from the report (P15).
      assert.equal(due.json.payload.data.due_at,
        (Date.parse(repAt) + 2 * HOUR) * 1000);
      // The incident's page lists them all with their state.
      const list = await win.get(`/api/v1/incidents/${id}/notifications` +
        '?limit=500');
      assert.equal(list.status, 200, show(list));
      const kinds = new Set(list.json.items.map((m) => m.kind));
      for (const k of ['incident_changed', 'agency_affected', 'review_due']) {
        assert.ok(kinds.has(k), `${k} in ${[...kinds]}`);
      }
    });
  });

// --- incidents: reminders, escalation, digest --------------------------

describe('reminders and escalation caught up after downtime, and DoIT\'s ' +
  'digest', { timeout: 180000 }, () => {
  let smtp;
  let hook;
  let s;
  let db;
  let incident;
  before(async () => {
    smtp = await Smtp.start();
    hook = await Hook.start();
    db = await demoDb();
  });
  after(async () => {
    if (s) await s.stop();
    if (hook) await hook.stop();
    if (smtp) await smtp.stop();
  });

  // The e-mails about incident id of kind (its subject's words).
  const mailsOf = (re) => smtp.messages().filter((m) => re.test(m.subject));

  it('the scheduler wakes for the next reminder, woken by the change ' +
    'that made it due (not by scanning)', async () => {
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
    // The report's first reminder (half of its hour) is due 4 s from
    // now; the scheduler was asleep until its next idle wake-up.
    const aware = Math.floor((Date.now() - 30 * MIN + 4000) / 1000) * 1000;
    const r = await win.post('/api/v1/incidents', {
      agency: 'ca', title: '釣魚信件', category: 'other',
      aware_at: new Date(aware + 8 * HOUR).toISOString().slice(0, 19) +
        '+08:00', level: 1 });
    assert.equal(r.status, 201, show(r));
    const mails = await waitFor(() => {
      const m = mailsOf(/提醒：通報將於 .* 到期：釣魚信件/);
      return m.length >= 2 && m;
    }, 'the reminders', 15000);
    const at = Date.now();
    assert.ok(at >= aware + 30 * MIN - 500,
      `sent ${aware + 30 * MIN - at} ms early`);
    assert.deepEqual(mails.map((m) => m.rcpt).sort(), [
      'ca.deputy@demo.tongbao.test', 'ca.window@demo.tongbao.test']);
    assert.ok(mails[0].text.includes('請於期限前完成'), mails[0].text);
    await sleep(1000);
    assert.equal(mailsOf(/釣魚信件/).filter((m) =>
      m.subject.includes('提醒')).length, 2, 'one reminder per person');
    await s.stop();
    s = null;
  });

  it('an overdue report is escalated once, to the window, the deputy and ' +
    'the CISO; the earlier reminders are not sent after the fact',
  async () => {
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
    // Aware 70 minutes ago: the report (1 h) is 10 minutes overdue; its
    // reminders at 30, 48 and 50 minutes all passed meanwhile.
    const r = await win.post('/api/v1/incidents', {
      agency: 'ca', title: '官網遭置換', category: 'web_attack',
      aware_at: tp(-70 * MIN), level: 2 });
    assert.equal(r.status, 201, show(r));
    incident = r.json;
    // Down and up again: the catch-up.
    await s.stop();
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    const esc = await waitFor(() => {
      const m = mailsOf(/逾期：.*官網遭置換.*通報已逾期/);
      return m.length >= 3 && m;
    }, () => `three escalation e-mails; got: ${JSON.stringify(
      smtp.messages().map((m) => [m.rcpt, m.subject]))}`);
    assert.deepEqual(esc.map((m) => m.rcpt).sort(), [
      'ca.ciso@demo.tongbao.test', 'ca.deputy@demo.tongbao.test',
      'ca.window@demo.tongbao.test']);
    assert.ok(esc[0].text.includes(`事件編號：${incident.id}`), esc[0].text);
    assert.ok(esc[0].text.includes('事項：通報'), esc[0].text);
    assert.match(esc[0].text, /\/#\/incidents\/\d+/);
    await sleep(1000);
    assert.equal(mailsOf(/提醒：通報將於.*官網遭置換/).length, 0,
      'no reminder of an obligation already overdue');
    // Up again: nothing sent twice.
    const count = smtp.messages().length;
    await s.stop();
    s = await startServer({ db, args: notifyArgs(smtp, hook) });
    await sleep(1500);
    assert.equal(mailsOf(/逾期：.*官網遭置換/).length, 3);
    assert.equal(smtp.messages().length, count, 'nothing new after a restart');
  });

  it('the incident\'s messages and their delivery state, within scope',
    async () => {
      const win = await signIn(s, 'ca.window', DEMO_PASSWORD);
      const r = await win.get(`/api/v1/incidents/${incident.id}/notifications`);
      assert.equal(r.status, 200, show(r));
      const esc = r.json.items.filter((m) => m.kind === 'escalation');
      assert.equal(esc.length, 6, show(r));	// 3 people, 2 channels
      for (const m of esc) {
        assert.equal(m.state, 'sent', show(r));
        assert.equal(m.incident_id, incident.id);
      }
      const page = await win.get(
        `/api/v1/incidents/${incident.id}/notifications?limit=2`);
      assert.equal(page.json.items.length, 2);
      assert.ok(page.json.next_cursor, show(page));
      const next = await win.get(`/api/v1/incidents/${incident.id}/` +
        `notifications?limit=2&cursor=${page.json.next_cursor}`);
      assert.equal(next.status, 200, show(next));
      assert.notEqual(next.json.items[0].id, page.json.items[0].id);
      const rev = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
      assert.equal((await rev.get(
        `/api/v1/incidents/${incident.id}/notifications`)).status, 200);
      const other = await signIn(s, 'doe.window', DEMO_PASSWORD);
      assertError(await other.get(
        `/api/v1/incidents/${incident.id}/notifications`), 404, 'not_found',
      null);
      assertError(await win.get('/api/v1/incidents/1/notifications'), 404,
        'not_found', null);
      assertError(await win.get(
        `/api/v1/incidents/${incident.id}/notifications?cursor=x`), 400,
      'invalid_query', 'cursor');
    });

  it('DoIT\'s daily digest lists what is overdue city-wide, once a day',
    async () => {
      // The digest time a minute ago, Taipei time: due at start.
      const t = new Date(Date.now() - MIN + 8 * HOUR);
      const hhmm = t.toISOString().slice(11, 16);
      if (hhmm === '23:59') return;	// a day boundary: try another minute
      await s.stop();
      const args = notifyArgs(smtp, hook).filter((a) =>
        a !== '--notify-digest-at=');
      s = await startServer({ db, args: [...args, '--notify-digest-at',
        hhmm] });
      const digests = await waitFor(() => {
        const d = hook.got.filter((x) => x.json?.type === 'digest');
        return d.length >= 2 && d;
      }, 'digests to DoIT\'s reviewer and administrator');
      const who = digests.map((d) => d.json.payload.recipient.username).sort();
      assert.deepEqual(who, ['admin', 'doit.reviewer']);
      const d = digests[0].json.payload;
      assert.match(d.subject, /^\[通報\] 全市逾期事項日報（\d{4}-\d\d-\d\d）：\d+ 項$/);
      assert.ok(d.text.includes('官網遭置換'), d.text);
      assert.ok(d.data.items.some((i) => i.incident_id === incident.id &&
        i.obligation === 'report'), JSON.stringify(d.data.items));
      await s.stop();
      s = await startServer({ db, args: [...args, '--notify-digest-at',
        hhmm] });
      await sleep(1500);
      assert.equal(hook.got.filter((x) => x.json?.type === 'digest').length,
        2, 'one digest a day');
    });
});
