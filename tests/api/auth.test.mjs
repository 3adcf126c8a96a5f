// Sign-in, sessions, API tokens, CSRF, throttling and password change
// (issue 3 §2 and "Bad input"), black-box against the real binary.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/auth.test.mjs

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import {
  ADMIN_PASSWORD, runCli, sleep, sqlite, startServer,
} from './lib/server.mjs';
import {
  Client, DEMO_PASSWORD, demoServer, httpRequest, sessionCookie, signIn,
  signInAdmin,
} from './lib/session.mjs';

// The attributes of a Set-Cookie header, lower-cased, without the value.
function cookieAttrs(res) {
  const set = [].concat(res.headers['set-cookie'] ?? []);
  const c = set.find((v) => v.startsWith('tb_session='));
  assert.ok(c, `no tb_session cookie:\n${show(res)}`);
  return c.split(';').slice(1).map((a) => a.trim().toLowerCase());
}

// The audit entries of action, oldest first, read from the database.
async function auditRows(db, action) {
  const out = await sqlite(db, 'SELECT seq, actor, remote, object_id, ' +
    `after_json FROM audit_log WHERE action = '${action}' ORDER BY seq`);
  return out === '' ? [] : out.split('\n').map((line) => {
    const [seq, actor, remote, objectId, ...rest] = line.split('|');
    return {
      seq: Number(seq), actor, remote, objectId,
      after: JSON.parse(rest.join('|') || 'null'),
    };
  });
}

describe('sign-in and the session cookie', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await demoServer(); });
  after(async () => { if (s) await s.stop(); });

  it('signs in: 201, the caller, and a cookie HttpOnly, SameSite=Strict, ' +
    'Path=/, without Secure on plain loopback HTTP', async () => {
    const r = await httpRequest(s.port, 'POST', '/api/v1/session', {
      body: { username: 'ca.window', password: DEMO_PASSWORD },
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.json.username, 'ca.window');
    assert.equal(r.json.agency, 'ca');
    assert.deepEqual([...r.json.roles].sort(), ['contact_window', 'reporter']);
    assert.equal(r.json.auth, 'session');
    const a = cookieAttrs(r);
    assert.ok(a.includes('httponly'), `HttpOnly missing: ${a}`);
    assert.ok(a.includes('samesite=strict'), `SameSite=Strict missing: ${a}`);
    assert.ok(a.includes('path=/'), `Path=/ missing: ${a}`);
    assert.ok(!a.includes('secure'), `Secure on plain loopback HTTP: ${a}`);
    // The session is usable, and the database holds only its hash.
    const c = new Client(s, { cookie: sessionCookie(r) });
    const me = await c.get('/api/v1/me');
    assert.equal(me.status, 200, show(me));
    assert.equal(me.json.username, 'ca.window');
    const token = sessionCookie(r).split('=')[1];
    const leaked = await sqlite(s.db, 'SELECT count(*) FROM sessions ' +
      `WHERE token_hash = '${token}' OR remote = '${token}'`);
    assert.equal(leaked, '0', 'the session token is stored in clear');
  });

  it('a wrong password and an unknown user both answer 401 ' +
    'invalid_credentials, alike', async () => {
    const wrong = await httpRequest(s.port, 'POST', '/api/v1/session', {
      body: { username: 'ca.deputy', password: 'not-the-password-1' },
    });
    assertError(wrong, 401, 'invalid_credentials', null);
    assert.equal(sessionCookie(wrong), null, 'a refused sign-in set a cookie');
    const unknown = await httpRequest(s.port, 'POST', '/api/v1/session', {
      body: { username: 'nobody.here', password: 'not-the-password-1' },
    });
    assertError(unknown, 401, 'invalid_credentials', null);
    assert.equal(unknown.json.error.message, wrong.json.error.message);
    // Each refusal is in the audit trail with its address.
    const rows = await auditRows(s.db, 'session.refused');
    const mine = rows.filter((e) => ['ca.deputy', 'nobody.here']
      .includes(e.after.username));
    assert.deepEqual(mine.map((e) => e.after.reason),
      ['wrong_password', 'unknown_or_inactive']);
    for (const e of mine) assert.equal(e.remote, '127.0.0.1');
  });

  it('an inactive account cannot sign in, even with its password',
    async () => {
      await sqlite(s.db, "UPDATE users SET active = 0 WHERE username = " +
        "'ca.staff'");
      const r = await httpRequest(s.port, 'POST', '/api/v1/session', {
        body: { username: 'ca.staff', password: DEMO_PASSWORD },
      });
      assertError(r, 401, 'invalid_credentials', null);
    });

  it('a deactivated account\'s live session ends', async () => {
    const c = await signIn(s, 'ca.ciso', DEMO_PASSWORD);
    assert.equal((await c.get('/api/v1/me')).status, 200);
    await sqlite(s.db, "UPDATE users SET active = 0 WHERE username = " +
      "'ca.ciso'");
    assertError(await c.get('/api/v1/me'), 401, 'unauthenticated');
    await sqlite(s.db, "UPDATE users SET active = 1 WHERE username = " +
      "'ca.ciso'");
  });

  it('a tampered, truncated or made-up session cookie is 401 on ' +
    '/api/v1/me', async () => {
    const c = await signIn(s, 'doe.window', DEMO_PASSWORD);
    const [name, value] = c.cookie.split('=');
    const flip = value.at(-1) === 'A' ? 'B' : 'A';
    const bad = [
      `${name}=${value.slice(0, -1)}${flip}`,
      `${name}=${value.slice(0, -1)}`,
      `${name}=${value}x`,
      `${name}=`,
      `${name}=${'A'.repeat(43)}`,
      `${name}=${'A'.repeat(5000)}`,
    ];
    for (const cookie of bad) {
      const r = await new Client(s, { cookie }).get('/api/v1/me');
      assertError(r, 401, 'unauthenticated', null, `cookie ${cookie.slice(0, 60)}`);
    }
    assert.equal((await c.get('/api/v1/me')).status, 200);
  });

  it('signs out: 204, the cookie cleared, and the old cookie is 401 ' +
    'afterwards', async () => {
    const c = await signIn(s, 'doe.deputy', DEMO_PASSWORD);
    const r = await c.delete('/api/v1/session');
    assert.equal(r.status, 204, show(r));
    const set = [].concat(r.headers['set-cookie'] ?? []).join('\n');
    assert.match(set, /tb_session=;/, `cookie not cleared:\n${show(r)}`);
    assert.match(set, /Max-Age=0/i, `cookie not expired:\n${show(r)}`);
    assertError(await c.get('/api/v1/me'), 401, 'unauthenticated');
    // The sign-out is recorded.
    const rows = await auditRows(s.db, 'session.delete');
    assert.ok(rows.some((e) => e.objectId === 'doe.deputy'), 'no ' +
      'session.delete entry');
  });

  it('an expired session is 401: idle past session_idle_minutes, or ' +
    'past session_max_hours', async () => {
    const idle = await signIn(s, 'doe.ciso', DEMO_PASSWORD);
    const old = await signIn(s, 'doe.staff', DEMO_PASSWORD);
    const fresh = await signIn(s, 'doed.window', DEMO_PASSWORD);
    const hour = 3600n * 1000000n;
    const now = BigInt(Date.now()) * 1000n;
    const id = async (u) => sqlite(s.db, 'SELECT s.id FROM sessions s ' +
      'JOIN users u ON u.id = s.user_id WHERE u.username = ' +
      `'${u}' AND s.revoked_at IS NULL ORDER BY s.created_at DESC LIMIT 1`);
    // Idle 61 minutes (the default is 60).
    await sqlite(s.db, `UPDATE sessions SET last_seen_at = ${now - hour -
      60000000n} WHERE id = ${await id('doe.ciso')}`);
    // Used a moment ago, but signed in 13 hours ago (the default is 12):
    // the absolute limit holds however busy the session is.
    await sqlite(s.db, `UPDATE sessions SET expires_at = ${now - 1000000n}` +
      `, created_at = ${now - 13n * hour} WHERE id = ${await id('doe.staff')}`);
    // Idle 30 minutes: still alive, and the use is remembered.
    const freshId = await id('doed.window');
    await sqlite(s.db, `UPDATE sessions SET last_seen_at = ${now - hour / 2n}` +
      ` WHERE id = ${freshId}`);
    assertError(await idle.get('/api/v1/me'), 401, 'unauthenticated');
    assertError(await old.get('/api/v1/me'), 401, 'unauthenticated');
    assert.equal((await fresh.get('/api/v1/me')).status, 200);
    const seen = BigInt(await sqlite(s.db,
      `SELECT last_seen_at FROM sessions WHERE id = ${freshId}`));
    assert.ok(seen > now - 60000000n, 'last_seen_at was not updated');
  });
});

describe('the cookie is Secure behind https', { timeout: 60000 }, () => {
  let s;
  before(async () => {
    s = await startServer({ args: ['--public-origin', 'https://tongbao.example'] });
  });
  after(async () => { if (s) await s.stop(); });

  it('public_origin https://... sets Secure, and CSRF checks that origin',
    async () => {
      const r = await httpRequest(s.port, 'POST', '/api/v1/session', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      assert.equal(r.status, 201, show(r));
      assert.ok(cookieAttrs(r).includes('secure'), show(r));
      const c = new Client(s, { cookie: sessionCookie(r),
        origin: 'https://tongbao.example' });
      const t = await c.post('/api/v1/tokens', { name: 'https' });
      assert.equal(t.status, 201, show(t));
      const local = new Client(s, { cookie: sessionCookie(r) });
      assertError(await local.post('/api/v1/tokens', { name: 'x' }), 403,
        'csrf');
    });
});

describe('Secure and the origin follow public_origin', { timeout: 120000 },
  () => {
    // [public_origin, Secure expected, the Origin a browser sends]
    const rows = [
      ['http://localhost:8080', false, 'http://localhost:8080'],
      ['http://[::1]:8080', false, 'http://[::1]:8080'],
      ['http://127.0.0.2:8080', false, 'http://127.0.0.2:8080'],
      // Only the whole host counts as loopback.
      ['http://localhost.example.org', true, 'http://localhost.example.org'],
      ['http://127.0.0.1.nip.io:8080', true, 'http://127.0.0.1.nip.io:8080'],
      ['http://tongbao.example', true, 'http://tongbao.example'],
      // Written with capitals and a slash, still the browser's origin.
      ['https://Tongbao.Example/', true, 'https://tongbao.example'],
    ];
    let db;
    before(async () => {
      const s = await startServer();
      db = s.db;
      await s.stop();
    });

    it('Secure unless plain HTTP on a loopback host; CSRF accepts the ' +
      'origin as browsers write it', async () => {
      for (const [origin, secure, browser] of rows) {
        const s = await startServer({ db, args: ['--public-origin', origin] });
        try {
          const r = await httpRequest(s.port, 'POST', '/api/v1/session', {
            body: { username: 'admin', password: ADMIN_PASSWORD } });
          assert.equal(r.status, 201, show(r));
          assert.equal(cookieAttrs(r).includes('secure'), secure,
            `${origin}: Secure ${secure ? 'missing' : 'set'}`);
          const c = new Client(s, { cookie: sessionCookie(r), origin: browser });
          const t = await c.post('/api/v1/tokens', { name: 'o' });
          assert.equal(t.status, 201, `${origin}, Origin ${browser}:\n${show(t)}`);
          const evil = new Client(s, { cookie: sessionCookie(r),
            origin: `${browser}.evil` });
          assertError(await evil.post('/api/v1/tokens', { name: 'o' }), 403,
            'csrf', null, origin);
        } finally {
          await s.stop();
        }
      }
    });
  });

describe('CSRF: cookie requests must come from our origin',
  { timeout: 60000 }, () => {
    let s;
    let admin;
    before(async () => {
      s = await startServer();
      admin = await signInAdmin(s);
    });
    after(async () => { if (s) await s.stop(); });

    it('a state-changing request with the cookie and no or a foreign ' +
      'Origin is 403 csrf, and changes nothing', async () => {
      const before = await sqlite(s.db, 'SELECT count(*) FROM api_tokens');
      const cases = [
        ['no Origin nor Referer', {}],
        ['a foreign Origin', { Origin: 'http://evil.example' }],
        ['Origin null', { Origin: 'null' }],
        ['our host on another port', {
          Origin: `http://127.0.0.1:${s.port === 1 ? 2 : s.port - 1}` }],
        ['our origin as a prefix', { Origin: `${s.base}.evil.example` }],
        ['a foreign Referer', { Referer: 'http://evil.example/x' }],
        ['a Referer that only starts like ours', {
          Referer: `${s.base}.evil.example/` }],
      ];
      for (const [what, headers] of cases) {
        const r = await admin.request('POST', '/api/v1/tokens', {
          body: { name: 'csrf' }, headers, origin: null,
        });
        assertError(r, 403, 'csrf', null, what);
      }
      // Signing out follows the same rule (CONVENTIONS.md).
      assertError(await admin.delete('/api/v1/session', { origin: null }),
        403, 'csrf');
      assert.equal((await admin.get('/api/v1/me')).status, 200);
      assert.equal(await sqlite(s.db, 'SELECT count(*) FROM api_tokens'),
        before, 'a refused request made a token');
    });

    it('with our Origin, or without Origin but our Referer, it works',
      async () => {
        const a = await admin.post('/api/v1/tokens', { name: 'origin' });
        assert.equal(a.status, 201, show(a));
        const b = await admin.request('POST', '/api/v1/tokens', {
          body: { name: 'referer' }, origin: null,
          headers: { Referer: `${s.base}/agencies` },
        });
        assert.equal(b.status, 201, show(b));
      });

    it('GET needs no Origin; a Bearer token needs none at all', async () => {
      assert.equal((await admin.get('/api/v1/me', { origin: null })).status,
        200);
      const t = await admin.post('/api/v1/tokens', { name: 'bearer' });
      assert.equal(t.status, 201, show(t));
      const victim = await admin.post('/api/v1/tokens', { name: 'victim' });
      const bot = new Client(s, { token: t.json.token, origin: null });
      const r = await bot.delete(`/api/v1/tokens/${victim.json.id}`);
      assert.equal(r.status, 204, show(r));
    });

    it('a dead cookie on a state-changing request without Origin is ' +
      'still refused as csrf, not let through as anonymous', async () => {
      const c = new Client(s, { cookie: 'tb_session=nothing', origin: null });
      assertError(await c.post('/api/v1/session', {
        username: 'admin', password: ADMIN_PASSWORD }), 403, 'csrf');
    });
  });

describe('API tokens, from the API and the command line',
  { timeout: 120000 }, () => {
    let s;
    before(async () => { s = await demoServer(); });
    after(async () => { if (s) await s.stop(); });

    it('POST /api/v1/tokens: 201 with the token once and a Location; it ' +
      'works as Bearer; only its hash is stored; revoked it is 401',
    async () => {
      const c = await signIn(s, 'ca.window', DEMO_PASSWORD);
      const r = await c.post('/api/v1/tokens', { name: 'ci',
        expires_in_days: 7 });
      assert.equal(r.status, 201, show(r));
      assert.match(r.json.token, /^tbt_[A-Za-z0-9_-]{43}$/);
      assert.equal(r.headers.location, `/api/v1/tokens/${r.json.id}`);
      const days = (Date.parse(r.json.expires_at) - Date.now()) / 86400000;
      assert.ok(days > 6.9 && days < 7.1, `expires_at ${r.json.expires_at}`);
      const stored = await sqlite(s.db, 'SELECT count(*) FROM api_tokens ' +
        `WHERE token_hash LIKE '%${r.json.token.slice(4, 20)}%'`);
      assert.equal(stored, '0', 'the token is stored in clear');
      const bot = new Client(s, { token: r.json.token });
      const me = await bot.get('/api/v1/me');
      assert.equal(me.status, 200, show(me));
      assert.equal(me.json.username, 'ca.window');
      assert.equal(me.json.auth, 'token');
      const del = await c.delete(`/api/v1/tokens/${r.json.id}`);
      assert.equal(del.status, 204, show(del));
      assertError(await bot.get('/api/v1/me'), 401, 'unauthenticated');
      assertError(await c.delete(`/api/v1/tokens/${r.json.id}`), 404,
        'not_found');
    });

    it('a token cannot mint tokens (it would outlive its own expiry)',
      async () => {
        const c = await signIn(s, 'ca.deputy', DEMO_PASSWORD);
        const r = await c.post('/api/v1/tokens', { name: 'parent' });
        const bot = new Client(s, { token: r.json.token });
        assertError(await bot.post('/api/v1/tokens', { name: 'child' }),
          403, 'forbidden');
      });

    it('someone else\'s token is 404 to revoke, except for doit_admin',
      async () => {
        const owner = await signIn(s, 'doe.window', DEMO_PASSWORD);
        const t = await owner.post('/api/v1/tokens', { name: 'mine' });
        const other = await signIn(s, 'doe.deputy', DEMO_PASSWORD);
        assertError(await other.delete(`/api/v1/tokens/${t.json.id}`), 404,
          'not_found');
        const reviewer = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
        assertError(await reviewer.delete(`/api/v1/tokens/${t.json.id}`),
          404, 'not_found');
        const bot = new Client(s, { token: t.json.token });
        assert.equal((await bot.get('/api/v1/me')).status, 200);
        const admin = await signInAdmin(s);
        assert.equal((await admin.delete(`/api/v1/tokens/${t.json.id}`))
          .status, 204);
        assertError(await bot.get('/api/v1/me'), 401, 'unauthenticated');
        for (const id of ['0', '-1', 'abc', '99999999999999999999']) {
          assertError(await admin.delete(`/api/v1/tokens/${id}`), 404,
            'not_found', null, `id ${id}`);
        }
      });

    it('an expired token is 401', async () => {
      const c = await signIn(s, 'doed.deputy', DEMO_PASSWORD);
      const t = await c.post('/api/v1/tokens', { name: 'short' });
      const bot = new Client(s, { token: t.json.token });
      assert.equal((await bot.get('/api/v1/me')).status, 200);
      await sqlite(s.db, `UPDATE api_tokens SET expires_at = ${
        Date.now() * 1000 - 1000000} WHERE id = ${t.json.id}`);
      assertError(await bot.get('/api/v1/me'), 401, 'unauthenticated');
    });

    it('tongbao token create --user NAME prints the token alone on the ' +
      'last line; it works until tongbao token revoke ID', async () => {
      const r = await runCli(['token', 'create', '--user', 'ca.window',
        '--name', 'nightly', '--days', '3', '--db', s.db]);
      assert.equal(r.code, 0, `exit ${r.code}:\n${r.stdout}\n${r.stderr}`);
      const lines = r.stdout.trimEnd().split('\n');
      const token = lines.at(-1);
      assert.match(token, /^tbt_[A-Za-z0-9_-]{43}$/,
        `the last line must be the token alone:\n${r.stdout}`);
      const id = /token (\d+) /.exec(r.stdout)?.[1];
      assert.ok(id, `the token's id is not printed:\n${r.stdout}`);
      const bot = new Client(s, { token });
      const me = await bot.get('/api/v1/me');
      assert.equal(me.status, 200, show(me));
      assert.equal(me.json.username, 'ca.window');
      const rv = await runCli(['token', 'revoke', id, '--db', s.db]);
      assert.equal(rv.code, 0, `revoke exit ${rv.code}:\n${rv.stderr}`);
      assertError(await bot.get('/api/v1/me'), 401, 'unauthenticated');
      const again = await runCli(['token', 'revoke', id, '--db', s.db]);
      assert.equal(again.code, 1, 'revoking twice must exit 1');
      // Both are in the audit trail, by the system account that ran them.
      const made = await auditRows(s.db, 'token.create');
      const gone = await auditRows(s.db, 'token.revoke');
      const m = made.find((e) => e.objectId === id);
      assert.ok(m, 'no token.create entry');
      assert.match(m.actor, /^cli:/);
      assert.equal(m.after.user, 'ca.window');
      assert.ok(gone.some((e) => e.objectId === id), 'no token.revoke entry');
    });

    it('tongbao token: an unknown or inactive user exits 1 and prints no ' +
      'token; bad usage exits 2', async () => {
      for (const user of ['no.such.user', 'ca.staff']) {
        if (user === 'ca.staff') {
          await sqlite(s.db, "UPDATE users SET active = 0 WHERE username " +
            "= 'ca.staff'");
        }
        const r = await runCli(['token', 'create', '--user', user, '--db',
          s.db]);
        assert.equal(r.code, 1, `${user}: exit ${r.code}\n${r.stderr}`);
        assert.doesNotMatch(r.stdout, /tbt_/, `${user}: printed a token`);
        assert.match(r.stderr, new RegExp(user.replace(/\./g, '\\.')));
      }
      for (const args of [
        ['token'], ['token', 'create'], ['token', 'create', '--user'],
        ['token', 'create', '--user', 'admin', '--days', '0'],
        ['token', 'create', '--user', 'admin', '--days', '367'],
        ['token', 'create', '--user', 'admin', '--bogus', 'x'],
        ['token', 'revoke'], ['token', 'revoke', 'abc'],
        ['token', 'frobnicate'],
      ]) {
        const r = await runCli([...args, '--db', s.db]);
        assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}`);
      }
      const unknown = await runCli(['token', 'revoke', '424242', '--db',
        s.db]);
      assert.equal(unknown.code, 1);
    });
  });

describe('password change', { timeout: 120000 }, () => {
  let s;
  before(async () => { s = await demoServer(); });
  after(async () => { if (s) await s.stop(); });

  it('a weak new password is 422 weak_password naming new_password',
    async () => {
      const c = await signIn(s, 'ca.window', DEMO_PASSWORD);
      for (const pw of ['short', 'password1234', 'aaaaaaaaaaaaaaaa',
        'abcdefghijklmn', 'ca.window-is-me', '密碼密碼密碼']) {
        const r = await c.post('/api/v1/me/password', {
          current_password: DEMO_PASSWORD, new_password: pw });
        assertError(r, 422, 'weak_password', 'new_password', pw);
      }
    });

  it('a wrong current password is 401 naming current_password, and ' +
    'recorded', async () => {
    const c = await signIn(s, 'ca.deputy', DEMO_PASSWORD);
    const r = await c.post('/api/v1/me/password', {
      current_password: 'not-my-password', new_password: 'a-new-Passw0rd-x' });
    assertError(r, 401, 'invalid_credentials', 'current_password');
    assert.equal((await c.get('/api/v1/me')).status, 200,
      'a wrong current password must not end the session');
    const rows = await auditRows(s.db, 'user.password_refused');
    assert.ok(rows.some((e) => e.objectId === 'ca.deputy' &&
      e.after.reason === 'wrong_password'), 'not in the audit trail');
  });

  it('guessing the current password through a stolen session is ' +
    'throttled like sign-in', async () => {
    const c = await signIn(s, 'doe.window', DEMO_PASSWORD);
    const statuses = [];
    for (let i = 0; i < 8; i++) {
      const r = await c.post('/api/v1/me/password', {
        current_password: `guess-${i}-guess`, new_password: 'a-new-Passw0rd-x',
      });
      statuses.push(r.status);
      if (r.status === 429) assert.match(r.headers['retry-after'], /^\d+$/);
    }
    assert.ok(statuses.includes(429), `never throttled: ${statuses}`);
  });

  it('success: 204; other sessions end, this one stays; the new password ' +
    'signs in and the old does not', async () => {
    const here = await signIn(s, 'doe.ciso', DEMO_PASSWORD);
    const there = await signIn(s, 'doe.ciso', DEMO_PASSWORD,
      { localAddress: '127.0.0.2' });
    const r = await here.post('/api/v1/me/password', {
      current_password: DEMO_PASSWORD, new_password: 'brand-new-Passw0rd!' });
    assert.equal(r.status, 204, show(r));
    assert.equal((await here.get('/api/v1/me')).status, 200);
    assertError(await there.get('/api/v1/me'), 401, 'unauthenticated');
    const old = await httpRequest(s.port, 'POST', '/api/v1/session', {
      body: { username: 'doe.ciso', password: DEMO_PASSWORD } });
    assertError(old, 401, 'invalid_credentials');
    await signIn(s, 'doe.ciso', 'brand-new-Passw0rd!');
    const rows = await auditRows(s.db, 'user.password');
    assert.ok(rows.some((e) => e.objectId === 'doe.ciso'), 'not recorded');
    const hash = await sqlite(s.db, "SELECT password_hash FROM users WHERE " +
      "username = 'doe.ciso'");
    assert.match(hash, /^\$argon2id\$/, 'not stored as an argon2id hash');
  });
});

// Sends n sign-ins as fast as conc keep-alive connections allow; resolves
// to the count of each status and the Retry-After of the last 429.
async function hammer(port, n, conc, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: conc });
  const counts = {};
  let retry = null;
  let sent = 0;
  const worker = async () => {
    while (sent < n) {
      sent += 1;
      const r = await httpRequest(port, 'POST', '/api/v1/session', {
        body: body(sent), agent,
      });
      counts[r.status] = (counts[r.status] ?? 0) + 1;
      if (r.status === 429) {
        assert.match(r.headers['retry-after'] ?? '', /^[1-9]\d*$/,
          'a 429 without Retry-After');
        assert.equal(r.json?.error?.code, 'too_many_requests');
        retry = Number(r.headers['retry-after']);
      }
    }
  };
  await Promise.all(Array.from({ length: conc }, worker));
  agent.destroy();
  return { counts, retry };
}

describe('10,000 wrong passwords in a row', { timeout: 300000 }, () => {
  let s;
  before(async () => { s = await startServer(); });
  after(async () => { if (s) await s.stop(); });

  it('are throttled (429 + Retry-After) without locking the real user out, ' +
    'and every refusal is accounted for in the audit trail', async () => {
    const N = 10000;
    const t0 = Date.now();
    const { counts, retry } = await hammer(s.port, N, 16,
      (i) => ({ username: 'admin', password: `wrong-password-${i}` }));
    const took = Date.now() - t0;
    assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), N,
      `only 401 and 429 expected: ${JSON.stringify(counts)}`);
    // The guesser got to try only a handful of passwords.
    assert.ok(counts[401] <= 20, `too many guesses let through: ` +
      JSON.stringify(counts));
    assert.ok(retry !== null && retry <= 300, `Retry-After ${retry}`);

    // The real user, from another address, signs in at once.
    const t1 = Date.now();
    await signIn(s, 'admin', ADMIN_PASSWORD, { localAddress: '127.0.0.2' });
    assert.ok(Date.now() - t1 < 5000, 'the other address was held up');

    // From the guesser's own address, the right password waits out the
    // lock (bounded so that the test stays fast) and then works.
    let refusedAfter = 0;
    let last = null;
    const deadline = Date.now() + 40000;
    for (;;) {
      last = await httpRequest(s.port, 'POST', '/api/v1/session', {
        body: { username: 'admin', password: ADMIN_PASSWORD },
      });
      if (last.status !== 429) break;
      refusedAfter += 1;
      const wait = Number(last.headers['retry-after']);
      assert.ok(wait >= 1 && wait <= 32, `Retry-After ${wait} is too ` +
        'long after a flood of a few seconds');
      assert.ok(Date.now() + wait * 1000 < deadline, 'still locked out');
      await sleep(wait * 1000);
    }
    assert.equal(last.status, 201, show(last));

    // The audit trail: each wrong password has its entry; the throttled
    // ones have one entry per lock, and the rest are counted in the
    // entries after them, so the refusals add up exactly.
    const refused = await auditRows(s.db, 'session.refused');
    const created = await auditRows(s.db, 'session.create');
    const wrong = refused.filter((e) => e.after.reason === 'wrong_password');
    const locks = refused.filter((e) => e.after.reason === 'throttled');
    assert.equal(wrong.length, counts[401]);
    const counted = [...refused, ...created].reduce(
      (n, e) => n + (e.after?.unrecorded_refusals ?? 0), 0);
    assert.equal(locks.length + counted, counts[429] + refusedAfter,
      `${locks.length} lock entries + ${counted} counted refusals must be ` +
      `the ${counts[429] + refusedAfter} 429 answers`);
    assert.ok(locks.length < 40, `${locks.length} entries for throttled ` +
      'refusals: one per lock expected, not one per request');
    for (const e of locks) {
      assert.equal(e.remote, '127.0.0.1');
      assert.equal(e.after.username, 'admin');
      assert.ok(['pair', 'addr', 'user'].includes(e.after.throttle));
      assert.ok(e.after.retry_after >= 1);
    }
    process.stdout.write(`# ${N} wrong passwords in ${took} ms: ` +
      `${JSON.stringify(counts)}, ${locks.length} lock entries\n`);
  });
});
