// The audit trail (issue 3 §5, P32): every change is an entry (who, when,
// from where, what, before and after), chained by a keyed hash;
// `tongbao audit verify` finds an entry altered or deleted by hand, even
// the newest; the API reads entries within the caller's scope, in pages,
// and offers no way to write or delete them.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/audit.test.mjs

import assert from 'node:assert/strict';
import {
  chmodSync, copyFileSync, existsSync, readFileSync, renameSync, statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import {
  initDb, runCli, sqlite, startServer, tempDir,
} from './lib/server.mjs';
import {
  Client, DEMO_PASSWORD, demoServer, httpRequest, signIn, signInAdmin,
} from './lib/session.mjs';

// A consistent copy of the server's database and its audit key, to be
// tampered with while the original stays whole.
let copies = 0;
async function copyDb(s) {
  copies += 1;
  const dst = path.join(tempDir(), `copy${copies}.db`);
  await sqlite(s.db, `.backup '${dst}'`);
  copyFileSync(`${s.db}.audit-key`, `${dst}.audit-key`);
  chmodSync(`${dst}.audit-key`, 0o600);
  return dst;
}

async function verify(db, extra = []) {
  return runCli(['audit', 'verify', '--db', db, ...extra]);
}

// Asserts that verify finds the trail broken at entry seq.
async function assertBroken(db, seq, what, extra = []) {
  const r = await verify(db, extra);
  assert.equal(r.code, 1, `${what}: verify must exit 1, got ${r.code}:\n` +
    `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, new RegExp(`BROKEN at entry ${seq}:`),
    `${what}: verify must name entry ${seq}:\n${r.stdout}${r.stderr}`);
}

// Every entry the caller can read, following next_cursor to the end.
async function readAll(client, limit = 500, param = 'cursor') {
  const items = [];
  let cursor = null;
  for (let pages = 0; pages < 1000; pages++) {
    const q = cursor === null ? `?limit=${limit}` :
      `?limit=${limit}&${param}=${cursor}`;
    const r = await client.get(`/api/v1/audit${q}`);
    assert.equal(r.status, 200, show(r));
    assert.ok(Array.isArray(r.json.items), show(r));
    assert.ok(r.json.items.length <= limit, show(r));
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (cursor === null) return items;
    assert.equal(typeof cursor, 'string');
  }
  assert.fail('next_cursor never became null');
}

describe('every change is an entry; tongbao audit verify',
  { timeout: 120000 }, () => {
    let s;
    let admin;
    before(async () => {
      s = await demoServer();
      admin = await signInAdmin(s);
      // Some changes of different kinds, from two addresses.
      const w = await signIn(s, 'ca.window', DEMO_PASSWORD,
        { localAddress: '127.0.0.2' });
      const t = await w.post('/api/v1/tokens', { name: 'audit-test' });
      assert.equal(t.status, 201, show(t));
      assert.equal((await w.delete(`/api/v1/tokens/${t.json.id}`)).status,
        204);
      await httpRequest(s.port, 'POST', '/api/v1/session', {
        body: { username: 'ca.window', password: 'a-wrong-password' } });
      const p = await w.post('/api/v1/me/password', {
        current_password: DEMO_PASSWORD, new_password: 'audit-New-Passw0rd' });
      assert.equal(p.status, 204, show(p));
      assert.equal((await w.delete('/api/v1/session')).status, 204);
      const cli = await runCli(['token', 'create', '--user', 'doe.window',
        '--db', s.db]);
      assert.equal(cli.code, 0, cli.stderr);
    });
    after(async () => { if (s) await s.stop(); });

    it('each entry says who, when, from where, what, before and after, ' +
      'and is chained to the one before', async () => {
      const items = await readAll(admin);
      const actions = items.map((e) => e.action);
      for (const a of ['session.create', 'token.create', 'token.revoke',
        'session.refused', 'user.password', 'session.delete']) {
        assert.ok(actions.includes(a), `no ${a} entry in ${actions}`);
      }
      let prev = '0'.repeat(64);
      items.forEach((e, i) => {
        assert.equal(e.seq, i + 1, 'seq must run 1, 2, 3 ...');
        assert.equal(e.prev_hash, prev, `entry ${e.seq} is not chained`);
        assert.match(e.hash, /^[0-9a-f]{64}$/);
        prev = e.hash;
        assert.match(e.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/,
          `entry ${e.seq}: at ${e.at}`);
        assert.ok(Math.abs(Date.parse(e.at) - Date.now()) < 600000,
          `entry ${e.seq}: at ${e.at} is not now`);
        for (const k of ['actor', 'action', 'object_type']) {
          assert.equal(typeof e[k], 'string', `entry ${e.seq}: ${k}`);
        }
        assert.ok('before' in e && 'after' in e, `entry ${e.seq}`);
      });
      const tok = items.find((e) => e.action === 'token.create' &&
        e.actor === 'ca.window');
      assert.equal(tok.remote, '127.0.0.2', 'the address is recorded');
      assert.equal(tok.agency, 'ca');
      assert.equal(tok.object_type, 'api_token');
      assert.equal(tok.after.name, 'audit-test');
      assert.match(tok.request_id, /^[0-9a-f]+$/);
      const cli = items.find((e) => e.action === 'token.create' &&
        e.actor.startsWith('cli:'));
      assert.ok(cli, 'the command line\'s token is not recorded');
      assert.equal(cli.after.user, 'doe.window');
      assert.equal(cli.agency, 'doe');
      // No secret ever reaches the trail.
      const text = JSON.stringify(items);
      assert.doesNotMatch(text, /tbt_|argon2|audit-New-Passw0rd|tongbao-demo/);
    });

    it('the request id of an entry is the X-Request-Id of its answer',
      async () => {
        const r = await admin.post('/api/v1/tokens', { name: 'rid' });
        assert.equal(r.status, 201);
        const items = await readAll(admin);
        const e = items.find((x) => x.action === 'token.create' &&
          x.object_id === String(r.json.id));
        assert.equal(e.request_id, r.headers['x-request-id']);
      });

    it('verify: an intact trail exits 0 and prints its head', async () => {
      const r = await verify(s.db);
      assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
      const head = await sqlite(s.db, 'SELECT hash FROM audit_head');
      assert.match(r.stdout, new RegExp(`intact: \\d+ entries, head ${head}`));
    });

    it('verify: any field altered with sqlite3 is named by its entry',
      async () => {
        const n = Number(await sqlite(s.db, 'SELECT max(seq) FROM audit_log'));
        assert.ok(n >= 8, `only ${n} entries`);
        // Each edit changes the value whatever it was.
        const edits = [
          ['actor', "actor = actor || 'x'"],
          ['actor_id', 'actor_id = coalesce(actor_id, 0) + 1'],
          ['at', 'at = at + 1'],
          ['agency', "agency = coalesce(agency, '') || 'x'"],
          ['remote', "remote = coalesce(remote, '') || 'x'"],
          ['request_id', "request_id = coalesce(request_id, '') || 'x'"],
          ['action', "action = action || 'x'"],
          ['object_type', "object_type = object_type || 'x'"],
          ['object_id', "object_id = coalesce(object_id, '') || 'x'"],
          ['before_json', "before_json = coalesce(before_json, '') || ' '"],
          ['after_json', "after_json = CASE WHEN after_json IS NULL THEN " +
            "'{}' ELSE NULL END"],
          ['hash', `hash = '${'f'.repeat(64)}'`],
          ['prev_hash', `prev_hash = '${'e'.repeat(64)}'`],
        ];
        for (const [i, [field, set]] of edits.entries()) {
          const db = await copyDb(s);
          const seq = 2 + (i % (n - 2));
          await sqlite(db, `UPDATE audit_log SET ${set} WHERE seq = ${seq}`);
          await assertBroken(db, seq, `${field} of entry ${seq} altered`);
        }
      });

    it('verify: a deleted middle entry is named', async () => {
      const db = await copyDb(s);
      await sqlite(db, 'DELETE FROM audit_log WHERE seq = 3');
      await assertBroken(db, 3, 'entry 3 deleted');
    });

    it('verify: deleting the newest entries is caught by the kept head, ' +
      'and stays caught after later changes', async () => {
      const db = await copyDb(s);
      const n = Number(await sqlite(db, 'SELECT max(seq) FROM audit_log'));
      await sqlite(db, `DELETE FROM audit_log WHERE seq >= ${n - 1}`);
      await assertBroken(db, n - 1, 'the two newest deleted');
      // A later change must not paper over the gap by chaining to what
      // is left (it follows the kept head instead).
      const t = await runCli(['token', 'create', '--user', 'admin',
        '--db', db]);
      assert.equal(t.code, 0, t.stderr);
      await assertBroken(db, n - 1, 'the two newest deleted, then a change');
    });

    it('verify: an entry added by hand past the head, or a deleted head, ' +
      'is caught', async () => {
      const db = await copyDb(s);
      const n = Number(await sqlite(db, 'SELECT max(seq) FROM audit_log'));
      await sqlite(db, 'INSERT INTO audit_log SELECT seq + 1, at, actor_id,' +
        ' actor, agency, remote, request_id, action, object_type, object_id,' +
        ' before_json, after_json, hash, hash FROM audit_log WHERE seq = ' +
        `${n}`);
      await assertBroken(db, n + 1, 'an entry added past the head');
      const db2 = await copyDb(s);
      await sqlite(db2, 'DELETE FROM audit_head');
      await assertBroken(db2, n, 'the head deleted');
      // And with no head, nothing more can be written unseen: changes
      // are refused rather than chained to nothing.
      const t = await runCli(['token', 'create', '--user', 'admin',
        '--db', db2]);
      assert.equal(t.code, 1, `a change without a head: exit ${t.code}`);
    });

    it('verify: a trail rewritten with another key does not pass',
      async () => {
        // Someone who can edit the database but not read the key can only
        // recompute the chain with a key of their own: a database whose
        // trail was written with another key must fail under ours.
        const other = path.join(tempDir(), 'other.db');
        await initDb(other);
        const t = await runCli(['token', 'create', '--user', 'admin', '--db',
          other]);
        assert.equal(t.code, 0, t.stderr);
        assert.equal((await verify(other)).code, 0);
        await assertBroken(other, 1, 'another key',
          ['--audit-key-file', `${s.db}.audit-key`]);
        const r = await verify(other, ['--audit-key-file', `${s.db}.audit-key`]);
        assert.match(r.stdout, /audit key/, 'the key is not named as a ' +
          `possible cause:\n${r.stdout}`);
      });

    it('a username with quotes is recorded as valid JSON by the CLI',
      async () => {
        const db = await copyDb(s);
        const hash = await sqlite(db, "SELECT password_hash FROM users WHERE " +
          "username = 'admin'");
        await sqlite(db, 'INSERT INTO users (id, username, name, agency, ' +
          'employment, password_hash, created_at, updated_at) VALUES ' +
          `(777, 'o"brien\\x', 'O', 'ca', 'contract', '${hash}', 1, 1)`);
        const t = await runCli(['token', 'create', '--user', 'o"brien\\x',
          '--db', db]);
        assert.equal(t.code, 0, t.stderr);
        const j = await sqlite(db, 'SELECT after_json FROM audit_log ' +
          'ORDER BY seq DESC LIMIT 1');
        assert.equal(JSON.parse(j).user, 'o"brien\\x');
        assert.equal((await verify(db)).code, 0);
      });
  });

describe('the audit key file', { timeout: 60000 }, () => {
  it('init makes it beside the database with mode 0600; a missing, ' +
    'readable or malformed key is refused once the trail has entries',
  async () => {
    const dir = tempDir();
    const db = path.join(dir, 'k.db');
    await initDb(db);
    const key = `${db}.audit-key`;
    assert.ok(existsSync(key), 'init made no key file');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.equal((await verify(db)).code, 0);
    const t = await runCli(['token', 'create', '--user', 'admin', '--db', db]);
    assert.equal(t.code, 0, t.stderr);

    chmodSync(key, 0o644);
    let r = await verify(db);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /chmod 600/);
    chmodSync(key, 0o600);

    renameSync(key, `${key}.away`);
    for (const args of [['audit', 'verify'], ['token', 'create', '--user',
      'admin'], ['serve', '--listen', '127.0.0.1:0']]) {
      r = await runCli([...args, '--db', db]);
      assert.equal(r.code, 1, `${args[0]} without the key: exit ${r.code}`);
      assert.match(r.stderr, /key .* is missing/, r.stderr);
    }
    assert.ok(!existsSync(key), 'a new key was made for a trail with entries');
    renameSync(`${key}.away`, key);

    const good = readFileSync(key);
    writeFileSync(key, 'not hex\n', { mode: 0o600 });
    r = await verify(db);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hexadecimal/);
    writeFileSync(key, good, { mode: 0o600 });
    assert.equal((await verify(db)).code, 0);
  });

  it('audit_key_file puts it elsewhere', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'e.db');
    const key = path.join(tempDir(), 'tongbao-audit.key');
    await initDb(db, { TONGBAO_AUDIT_KEY_FILE: key });
    assert.ok(existsSync(key));
    assert.ok(!existsSync(`${db}.audit-key`));
    const t = await runCli(['token', 'create', '--user', 'admin', '--db', db,
      '--audit-key-file', key]);
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await verify(db, ['--audit-key-file', key])).code, 0);
    assert.equal((await verify(db)).code, 1, 'found a key it was not given');
  });
});

describe('GET /api/v1/audit: within scope, in pages, read only',
  { timeout: 120000 }, () => {
    let s;
    let admin;
    before(async () => {
      s = await demoServer();
      admin = await signInAdmin(s);
      // Entries of several agencies: each sign-in records one for the
      // agency of the person, each token another.
      for (const u of ['ca.window', 'dist-songshan.window', 'doe.window',
        'doe-library.window', 'doit.reviewer', 'vendor.ca']) {
        const c = await signIn(s, u, DEMO_PASSWORD);
        const t = await c.post('/api/v1/tokens', { name: `t-${u}` });
        assert.equal(t.status, 201, show(t));
      }
      await httpRequest(s.port, 'POST', '/api/v1/session', {
        body: { username: 'ca.window', password: 'a-wrong-password' } });
    });
    after(async () => { if (s) await s.stop(); });

    it('DoIT reads every entry, those of no agency too', async () => {
      const all = await readAll(admin);
      const n = Number(await sqlite(s.db, 'SELECT count(*) FROM audit_log'));
      assert.equal(all.length, n);
      assert.ok(all.some((e) => e.agency === null), 'no entry of no agency');
      const rev = await signIn(s, 'doit.reviewer', DEMO_PASSWORD);
      assert.equal((await readAll(rev)).length, n + 1);
    });

    it('an agency user reads only their agency and those below it',
      async () => {
        const c = await signIn(s, 'ca.window', DEMO_PASSWORD);
        const items = await readAll(c);
        const agencies = new Set(items.map((e) => e.agency));
        assert.ok(agencies.has('ca') && agencies.has('dist-songshan'),
          `ca's own and dist-songshan's expected: ${[...agencies]}`);
        for (const a of agencies) {
          assert.ok(a === 'ca' || a.startsWith('dist-'),
            `ca.window sees an entry of ${a}`);
        }
        const below = await signIn(s, 'dist-songshan.window', DEMO_PASSWORD);
        for (const e of await readAll(below)) {
          assert.equal(e.agency, 'dist-songshan', `sees ${e.agency}`);
        }
      });

    it('a superior_viewer reads its subtree; a vendor only its own actions',
      async () => {
        const v = await signIn(s, 'doe.viewer', DEMO_PASSWORD);
        const items = await readAll(v);
        const agencies = new Set(items.map((e) => e.agency));
        assert.ok(agencies.has('doe') && agencies.has('doe-library'),
          [...agencies].join());
        assert.ok(!agencies.has('ca') && !agencies.has('doit'),
          [...agencies].join());
        const vendor = await signIn(s, 'vendor.ca', DEMO_PASSWORD);
        const own = await readAll(vendor);
        assert.ok(own.length >= 2, 'the vendor sees none of its own');
        for (const e of own) assert.equal(e.actor, 'vendor.ca');
      });

    it('pages follow next_cursor (or after=) to the end, in order, without ' +
      'gaps or repeats', async () => {
      const whole = await readAll(admin, 500);
      for (const [limit, param] of [[1, 'cursor'], [3, 'after'],
        [7, 'cursor']]) {
        const paged = await readAll(admin, limit, param);
        assert.deepEqual(paged.map((e) => e.seq), whole.map((e) => e.seq),
          `limit ${limit}, ${param}`);
      }
      // An agency user's pages skip what they may not see.
      const c = await signIn(s, 'doe.window', DEMO_PASSWORD);
      const mine = await readAll(c, 500);
      assert.deepEqual((await readAll(c, 2)).map((e) => e.seq),
        mine.map((e) => e.seq));
      const first = await admin.get('/api/v1/audit?limit=2');
      assert.equal(first.json.items.length, 2);
      assert.equal(first.json.next_cursor, String(first.json.items[1].seq));
      const def = await admin.get('/api/v1/audit');
      assert.ok(def.json.items.length <= 50);
      const end = await admin.get(`/api/v1/audit?after=${whole.at(-1).seq + 5}`);
      assert.deepEqual(end.json, { items: [], next_cursor: null });
    });

    // Every entry matching query q, following next_cursor to the end.
    async function readQuery(client, q, limit) {
      const items = [];
      let cursor = null;
      for (let pages = 0; pages < 1000; pages++) {
        const r = await client.get(`/api/v1/audit?${q}&limit=${limit}` +
          (cursor === null ? '' : `&cursor=${cursor}`));
        assert.equal(r.status, 200, show(r));
        assert.ok(r.json.items.length <= limit, show(r));
        items.push(...r.json.items);
        cursor = r.json.next_cursor;
        if (cursor === null) return items;
      }
      assert.fail('next_cursor never became null');
    }
    const seqs = (l) => l.map((e) => e.seq);

    it('filters by action, action prefix, object type and id', async () => {
      const whole = await readAll(admin, 500);
      const token = whole.find((e) => e.action === 'token.create');
      const cases = [
        ['action=token.create', (e) => e.action === 'token.create'],
        ['action=session.*', (e) => e.action.startsWith('session.')],
        ['action=session.refused', (e) => e.action === 'session.refused'],
        ['action=*', () => true],
        ['action=no.such.action', () => false],
        ['action=sess*', (e) => e.action.startsWith('sess')],
        ['object_type=api_token', (e) => e.object_type === 'api_token'],
        [`object_type=api_token&object_id=${token.object_id}`,
          (e) => e.object_type === 'api_token' &&
            e.object_id === token.object_id],
        [`object_id=${token.object_id}&action=token.*`,
          (e) => e.object_id === token.object_id &&
            e.action.startsWith('token.')],
      ];
      for (const [q, keep] of cases) {
        const want = seqs(whole.filter(keep));
        for (const limit of [1, 4, 500]) {
          assert.deepEqual(seqs(await readQuery(admin, q, limit)), want,
            `${q}, limit ${limit}`);
        }
        assert.deepEqual(seqs(await readQuery(admin, `${q}&order=desc`, 3)),
          [...want].reverse(), `${q}, newest first`);
      }
      assert.ok(seqs(whole.filter(cases[0][1])).length >= 6);
    });

    it('order=desc reads newest first, its cursor going down', async () => {
      const whole = await readAll(admin, 500);
      for (const limit of [1, 5, 500]) {
        assert.deepEqual(seqs(await readQuery(admin, 'order=desc', limit)),
          seqs(whole).reverse(), `limit ${limit}`);
      }
      const first = await admin.get('/api/v1/audit?order=desc&limit=2');
      assert.equal(first.json.items[0].seq, whole.at(-1).seq);
      assert.equal(first.json.next_cursor, String(first.json.items[1].seq));
      const from = whole.at(-1).seq - 3;
      const below = await admin.get(
        `/api/v1/audit?order=desc&cursor=${from}&limit=500`);
      assert.deepEqual(seqs(below.json.items),
        seqs(whole).filter((n) => n < from).reverse());
      assert.equal(below.json.next_cursor, null);
      assert.deepEqual((await admin.get('/api/v1/audit?order=desc&cursor=1'))
        .json, { items: [], next_cursor: null });
      const asc = await admin.get('/api/v1/audit?order=asc&limit=2');
      assert.deepEqual(seqs(asc.json.items), seqs(whole).slice(0, 2));
    });

    it('filters keep the scope rules', async () => {
      for (const u of ['ca.window', 'doe.viewer', 'vendor.ca']) {
        const c = await signIn(s, u, DEMO_PASSWORD);
        const mine = await readAll(c, 500);
        const want = seqs(mine.filter((e) => e.action.startsWith('token.')))
          .reverse();
        assert.ok(want.length > 0, u);
        assert.deepEqual(seqs(await readQuery(c, 'action=token.*&order=desc',
          2)), want, u);
        // An entry outside the scope stays out when named exactly.
        const other = (await readAll(admin, 500)).find((e) =>
          e.object_type === 'api_token' && !mine.some((m) => m.seq === e.seq));
        assert.deepEqual(await readQuery(c, 'object_type=api_token&' +
          `object_id=${other.object_id}`, 50), [], u);
      }
    });

    it('bad paging parameters are 400 invalid_query', async () => {
      for (const q of ['limit=0', 'limit=501', 'limit=abc', 'limit=',
        'after=-1', 'after=x', 'cursor=1.5', 'after=1&cursor=2',
        'after=99999999999999999999']) {
        assertError(await admin.get(`/api/v1/audit?${q}`), 400,
          'invalid_query', undefined, q);
      }
      for (const [q, field] of [['action=', 'action'],
        ['action=Session.create', 'action'], ['action=a*b', 'action'],
        ['action=**', 'action'], ['action=%20x', 'action'],
        [`action=${'a'.repeat(129)}`, 'action'],
        ['object_type=', 'object_type'], ['object_type=Api', 'object_type'],
        ['object_type=a*', 'object_type'], ['object_id=', 'object_id'],
        ['object_id=%01', 'object_id'], ['order=up', 'order'],
        ['order=DESC', 'order'], ['order=desc&after=3', 'after'],
        ['order=desc&cursor=0', 'cursor']]) {
        assertError(await admin.get(`/api/v1/audit?${q}`), 400,
          'invalid_query', field, q);
      }
    });

    it('there is no way to write or delete entries through the API',
      async () => {
        const n = await sqlite(s.db, 'SELECT count(*) FROM audit_log');
        for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
          const r = await admin.request(m, '/api/v1/audit', {
            body: m === 'DELETE' ? undefined : { action: 'x' } });
          assertError(r, 405, 'method_not_allowed', null, m);
          assert.match(r.headers.allow ?? '', /GET/, show(r));
        }
        for (const m of ['GET', 'DELETE', 'PATCH']) {
          const r = await admin.request(m, '/api/v1/audit/1');
          assert.equal(r.status, 404, `${m} /api/v1/audit/1:\n${show(r)}`);
        }
        // Only the reads above happened: the trail did not grow or shrink.
        assert.equal(await sqlite(s.db, 'SELECT count(*) FROM audit_log'), n);
      });

    it('anonymous callers and dead sessions are 401', async () => {
      assertError(await new Client(s).get('/api/v1/audit'), 401,
        'unauthenticated');
      assertError(await new Client(s, { cookie: 'tb_session=x' })
        .get('/api/v1/audit'), 401, 'unauthenticated');
    });
  });

describe('the server refuses to start without the key of a used trail',
  { timeout: 60000 }, () => {
    it('exits 1 naming the key, and starts again once it is back',
      async () => {
        const s = await startServer();
        await signInAdmin(s);
        await s.stop();
        renameSync(`${s.db}.audit-key`, `${s.db}.k`);
        await assert.rejects(startServer({ db: s.db }), /audit-key is missing/);
        renameSync(`${s.db}.k`, `${s.db}.audit-key`);
        const again = await startServer({ db: s.db });
        await signInAdmin(again);
        await again.stop();
        assert.equal((await verify(s.db)).code, 0);
      });
  });
