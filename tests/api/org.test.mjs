// Agencies (P2), people, contact windows and deputies (P5-P9) and DoIT's
// roster (issue 3 §1, §2, §4), black-box against the real binary: every
// route's success path, every refusal of issue 3 "Bad input" that concerns
// them (with nothing changed after it: the record and the audit trail are
// read before and after), each rule of P5-P9 named in its refusal, the
// roster's flags and its CSV, and an audit entry for every change.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/org.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import { startServer } from './lib/server.mjs';
import {
  Client, DEMO_PASSWORD, demoServer, signIn, signInAdmin,
} from './lib/session.mjs';

// The password every person made here gets: long, not common.
const PW = 'Org-test-passphrase-2026';
const HOUR = 3600000;
const DAY = 24 * HOUR;

// An instant as RFC 3339 in Taipei time, ms from now.
function taipei(offsetMs = 0) {
  const t = new Date(Date.now() + offsetMs + 8 * HOUR);
  return `${t.toISOString().slice(0, 19)}+08:00`;
}

// Every audit entry after seq `after`, paging through the trail.
async function auditSince(admin, afterSeq = 0) {
  const out = [];
  let cursor = String(afterSeq);
  for (;;) {
    const r = await admin.get(`/api/v1/audit?after=${cursor}&limit=500`);
    assert.equal(r.status, 200, show(r));
    out.push(...r.json.items);
    if (r.json.next_cursor === null) return out;
    cursor = r.json.next_cursor;
  }
}

// The seq of the newest audit entry.
async function auditHead(admin) {
  const all = await auditSince(admin, 0);
  return all.length ? all.at(-1).seq : 0;
}

// Every page of a list, following next_cursor.
async function listAll(client, path, limit = 2) {
  const items = [];
  let cursor = null;
  const sep = path.includes('?') ? '&' : '?';
  for (let i = 0; i < 1000; i++) {
    const q = `${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const r = await client.get(`${path}${q}`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.json.items.length <= limit, show(r));
    items.push(...r.json.items);
    if (r.json.next_cursor === null) return items;
    cursor = r.json.next_cursor;
  }
  assert.fail(`${path}: the cursor never ends`);
}

// Runs a refused request and checks that it changed nothing: the records
// read by snapshot() and the audit trail are the same before and after.
async function refusedUnchanged(admin, snapshot, request, check) {
  const before = await snapshot();
  const head = await auditHead(admin);
  const r = await request();
  check(r);
  assert.deepEqual(await snapshot(), before,
    `a refused request changed something:\n${show(r)}`);
  assert.equal(await auditHead(admin), head,
    `a refused request wrote to the audit trail:\n${show(r)}`);
}

async function mkAgency(admin, body) {
  const r = await admin.post('/api/v1/agencies', {
    type: 'subordinate', responsibility_level: 'D', name: `機關 ${body.code}`,
    ...body,
  });
  assert.equal(r.status, 201, show(r));
  return r.json;
}

async function mkUser(admin, body) {
  const r = await admin.post('/api/v1/users', {
    name: `人員 ${body.username}`, password: PW, ...body,
  });
  assert.equal(r.status, 201, show(r));
  return r.json;
}

// ------------------------------------------------------------------------

describe('agencies (P2)', { timeout: 120000 }, () => {
  let s;
  let admin;
  let caCiso;
  before(async () => {
    s = await startServer();
    admin = await signInAdmin(s);
    await mkAgency(admin, { code: 'ca', name: '臺北市政府民政局',
      type: 'city_agency', responsibility_level: 'B' });
    await mkAgency(admin, { code: 'ca-sub', superior: 'ca',
      responsibility_level: 'C' });
    await mkAgency(admin, { code: 'ca-sub-unit', superior: 'ca-sub' });
    await mkAgency(admin, { code: 'dof', name: '臺北市政府財政局',
      type: 'city_agency', responsibility_level: 'B' });
    await mkUser(admin, { username: 'ca.ciso', agency: 'ca',
      roles: ['ciso'] });
    caCiso = await signIn(s, 'ca.ciso', PW);
  });
  after(async () => { if (s) await s.stop(); });

  it('POST /api/v1/agencies: 201, Location, the record with its roster ' +
    'summary, and an audit entry', async () => {
    const head = await auditHead(admin);
    const r = await admin.post('/api/v1/agencies', {
      code: 'tpe-x1', name: '測試局', name_en: 'Test Bureau',
      type: 'city_agency', superior: 'ca', supervisor: 'dof',
      responsibility_level: 'A', uses_city_mail: false,
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.headers.location, '/api/v1/agencies/tpe-x1');
    assert.ok(r.headers.etag, show(r));
    const a = r.json;
    assert.equal(a.code, 'tpe-x1');
    assert.equal(a.name, '測試局');
    assert.equal(a.name_en, 'Test Bureau');
    assert.equal(a.superior, 'ca');
    assert.equal(a.supervisor, 'dof');
    assert.equal(a.responsibility_level, 'A');
    assert.equal(a.reports_to_central, false);
    assert.equal(a.uses_city_mail, false);
    assert.equal(a.active, true);
    assert.match(a.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);
    // P6: level A wants 4 dedicated staff; it has none, and no one on the
    // roster yet.
    assert.equal(a.dedicated_staff_required, 4);
    assert.equal(a.dedicated_staff_count, 0);
    assert.equal(a.dedicated_vacant, true);
    assert.equal(a.has_window, false);
    assert.equal(a.deputy_count, 0);
    assert.equal(a.deputy_ready, false);
    assert.deepEqual(a.flags, { no_window: true, no_deputy: true,
      deputy_not_ready: true, dedicated_vacant: true,
      window_change_late: false });
    const got = await admin.get('/api/v1/agencies/tpe-x1');
    assert.equal(got.status, 200, show(got));
    assert.deepEqual(got.json, a);
    const entries = await auditSince(admin, head);
    const e = entries.find((x) => x.action === 'agency.create' &&
      x.object_id === 'tpe-x1');
    assert.ok(e, `no agency.create entry: ${JSON.stringify(entries)}`);
    assert.equal(e.actor, 'admin');
    assert.equal(e.agency, 'tpe-x1');
    assert.equal(e.before, null);
    assert.equal(e.after.name, '測試局');
    assert.equal(e.after.superior, 'ca');
  });

  it('schools report to a central agency by default (P41), unless told',
    async () => {
      const a = await mkAgency(admin, { code: 'sch-1', type: 'school' });
      assert.equal(a.reports_to_central, true);
      const b = await mkAgency(admin, { code: 'sch-2', type: 'school',
        reports_to_central: false });
      assert.equal(b.reports_to_central, false);
      const c = await mkAgency(admin, { code: 'dist-x', type:
        'district_office' });
      assert.equal(c.reports_to_central, false);
      assert.equal(c.uses_city_mail, true);
    });

  it('refuses bad agencies, naming the field, and changes nothing',
    async () => {
      const base = { code: 'new-one', name: '新機關', type: 'subordinate',
        responsibility_level: 'C' };
      const rows = [
        ['a duplicate code', { ...base, code: 'ca' }, 409, 'conflict',
          'code'],
        ['an unknown type', { ...base, type: 'bureau' }, 422,
          'invalid_field', 'type'],
        ['an unknown level', { ...base, responsibility_level: 'F' }, 422,
          'invalid_field', 'responsibility_level'],
        ['a lower-case level', { ...base, responsibility_level: 'a' }, 422,
          'invalid_field', 'responsibility_level'],
        ['a code in capitals', { ...base, code: 'CA2' }, 422,
          'invalid_field', 'code'],
        ['a code with _', { ...base, code: 'ca_2' }, 422, 'invalid_field',
          'code'],
        ['a code starting with -', { ...base, code: '-ca' }, 422,
          'invalid_field', 'code'],
        ['a code of 33 characters', { ...base, code: 'a'.repeat(33) }, 422,
          'invalid_field', 'code'],
        ['a code with a slash', { ...base, code: 'ca/x' }, 422,
          'invalid_field', 'code'],
        ['a superior that does not exist', { ...base, superior: 'nope' },
          422, 'invalid_field', 'superior'],
        ['a supervisor that does not exist', { ...base, supervisor: 'nope' },
          422, 'invalid_field', 'supervisor'],
        ['supervising itself', { ...base, supervisor: 'new-one' }, 422,
          'invalid_field', 'supervisor'],
        ['no name', { ...base, name: undefined }, 422, 'missing_field',
          'name'],
        ['no type', { ...base, type: undefined }, 422, 'missing_field',
          'type'],
        ['no level', { ...base, responsibility_level: undefined }, 422,
          'missing_field', 'responsibility_level'],
        ['an unknown field', { ...base, active: false }, 422,
          'unknown_field', 'active'],
        ['a boolean as text', { ...base, uses_city_mail: 'yes' }, 422,
          'invalid_field', 'uses_city_mail'],
      ];
      const snapshot = async () => (await listAll(admin, '/api/v1/agencies',
        500)).map((a) => a.code).join(',');
      for (const [what, body, status, code, field] of rows) {
        await refusedUnchanged(admin, snapshot,
          () => admin.post('/api/v1/agencies', body),
          (r) => assertError(r, status, code, field, what));
      }
      // The duplicate left the original as it was.
      const ca = await admin.get('/api/v1/agencies/ca');
      assert.equal(ca.json.name, '臺北市政府民政局');
    });

  it('the superior tree cannot loop (P2): 422 rule_violation naming ' +
    'superior', async () => {
    const snapshot = async () => (await listAll(admin, '/api/v1/agencies',
      500)).map((a) => `${a.code}>${a.superior}`).join(',');
    const rows = [
      ['its own superior', 'ca', { superior: 'ca' }],
      ['under its child', 'ca', { superior: 'ca-sub' }],
      ['under its grandchild', 'ca', { superior: 'ca-sub-unit' }],
      ['a middle agency under its child', 'ca-sub',
        { superior: 'ca-sub-unit' }],
    ];
    for (const [what, code, body] of rows) {
      await refusedUnchanged(admin, snapshot,
        () => admin.patch(`/api/v1/agencies/${code}`, body),
        (r) => {
          assertError(r, 422, 'rule_violation', 'superior', what);
          assert.match(r.json.error.message, /P2/, show(r));
        });
    }
    await refusedUnchanged(admin, snapshot,
      () => admin.patch('/api/v1/agencies/ca', { superior: 'nope' }),
      (r) => assertError(r, 422, 'invalid_field', 'superior'));
    await refusedUnchanged(admin, snapshot,
      () => admin.patch('/api/v1/agencies/ca', { supervisor: 'ca' }),
      (r) => assertError(r, 422, 'invalid_field', 'supervisor'));
    // A subtree may move anywhere that is not below itself.
    const r = await admin.patch('/api/v1/agencies/ca-sub-unit',
      { superior: 'dof' });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.superior, 'dof');
    const back = await admin.patch('/api/v1/agencies/ca-sub-unit',
      { superior: 'ca-sub' });
    assert.equal(back.json.superior, 'ca-sub');
  });

  it('PATCH changes the fields given, audited with before and after; a ' +
    'stale If-Match is 409', async () => {
    await mkAgency(admin, { code: 'patch-me', superior: 'ca', name: '舊名',
      name_en: 'Old' });
    const got = await admin.get('/api/v1/agencies/patch-me');
    const etag = got.headers.etag;
    const head = await auditHead(admin);
    const r = await admin.patch('/api/v1/agencies/patch-me', {
      name: '新名', name_en: '', responsibility_level: 'B',
      reports_to_central: true, supervisor: 'dof',
    }, { headers: { 'If-Match': etag } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.name, '新名');
    assert.equal(r.json.name_en, null);
    assert.equal(r.json.responsibility_level, 'B');
    assert.equal(r.json.reports_to_central, true);
    assert.equal(r.json.supervisor, 'dof');
    assert.equal(r.json.superior, 'ca', 'a field not given is kept');
    assert.equal(r.json.dedicated_staff_required, 2);
    assert.notEqual(r.headers.etag, etag);
    const e = (await auditSince(admin, head)).filter(
      (x) => x.action === 'agency.update');
    assert.equal(e.length, 1, JSON.stringify(e));
    assert.equal(e[0].object_id, 'patch-me');
    assert.equal(e[0].before.name, '舊名');
    assert.equal(e[0].before.name_en, 'Old');
    assert.equal(e[0].after.name, '新名');
    assert.equal(e[0].after.name_en, null);
    // The old version is stale now: 409, nothing changed.
    await refusedUnchanged(admin,
      async () => (await admin.get('/api/v1/agencies/patch-me')).json,
      () => admin.patch('/api/v1/agencies/patch-me', { name: '又一名' },
        { headers: { 'If-Match': etag } }),
      (x) => assertError(x, 409, 'version_conflict', null));
    // A PATCH that changes nothing writes nothing.
    const h2 = await auditHead(admin);
    const same = await admin.patch('/api/v1/agencies/patch-me',
      { name: '新名' });
    assert.equal(same.status, 200, show(same));
    assert.equal(await auditHead(admin), h2);
    // Unknown agency, bad values.
    assertError(await admin.patch('/api/v1/agencies/nope', { name: 'x' }),
      404, 'not_found', null);
    assertError(await admin.patch('/api/v1/agencies/patch-me',
      { type: 'bureau' }), 422, 'invalid_field', 'type');
    assertError(await admin.patch('/api/v1/agencies/patch-me',
      { code: 'other' }), 422, 'unknown_field', 'code');
  });

  it('an agency is deactivated, never deleted', async () => {
    await mkAgency(admin, { code: 'old-office', superior: 'ca' });
    const r = await admin.patch('/api/v1/agencies/old-office',
      { active: false });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.active, false);
    const del = await admin.delete('/api/v1/agencies/old-office');
    assert.equal(del.status, 405, show(del));
    const got = await admin.get('/api/v1/agencies/old-office');
    assert.equal(got.status, 200, show(got));
    assert.equal(got.json.active, false);
  });

  it('GET /api/v1/agencies: search, filters and a stable cursor',
    async () => {
      const all = await listAll(admin, '/api/v1/agencies', 500);
      const codes = all.map((a) => a.code);
      assert.deepEqual(codes, [...codes].sort(), 'code order');
      for (const c of ['ca', 'ca-sub', 'dof', 'doit']) {
        assert.ok(codes.includes(c), `${c} missing: ${codes}`);
      }
      // Pages of 2 walk the same list.
      const paged = await listAll(admin, '/api/v1/agencies', 2);
      assert.deepEqual(paged.map((a) => a.code), codes);
      const q = await admin.get(`/api/v1/agencies?q=${
        encodeURIComponent('民政')}`);
      assert.deepEqual(q.json.items.map((a) => a.code), ['ca']);
      const qe = await admin.get('/api/v1/agencies?q=test%20BUREAU');
      assert.deepEqual(qe.json.items.map((a) => a.code), ['tpe-x1']);
      const t = await admin.get('/api/v1/agencies?type=school');
      assert.deepEqual(t.json.items.map((a) => a.code), ['sch-1', 'sch-2']);
      const sup = await admin.get('/api/v1/agencies?superior=ca-sub');
      assert.deepEqual(sup.json.items.map((a) => a.code), ['ca-sub-unit']);
      assertError(await admin.get('/api/v1/agencies?type=bureau'), 400,
        'invalid_query', 'type');
      assertError(await admin.get('/api/v1/agencies?limit=501'), 400,
        'invalid_query', 'limit');
      assertError(await admin.get('/api/v1/agencies?limit=0'), 400,
        'invalid_query', 'limit');
    });

  it('scope: a CISO sees its agency and those below; another agency by ' +
    'code is 404; only DoIT writes agencies', async () => {
    const mine = await listAll(caCiso, '/api/v1/agencies', 2);
    const codes = mine.map((a) => a.code);
    for (const c of ['ca', 'ca-sub', 'ca-sub-unit']) {
      assert.ok(codes.includes(c), `${c} missing: ${codes}`);
    }
    for (const c of ['dof', 'doit', 'sch-1']) {
      assert.ok(!codes.includes(c), `${c} is not the CISO's: ${codes}`);
    }
    assert.equal((await caCiso.get('/api/v1/agencies/ca-sub')).status, 200);
    assertError(await caCiso.get('/api/v1/agencies/dof'), 404, 'not_found',
      null);
    assertError(await caCiso.get('/api/v1/agencies/doit'), 404,
      'not_found', null);
    const snapshot = async () => (await admin.get('/api/v1/agencies/ca'))
      .json;
    await refusedUnchanged(admin, snapshot,
      () => caCiso.patch('/api/v1/agencies/ca', { name: '改名' }),
      (r) => assertError(r, 403, 'forbidden', null));
    await refusedUnchanged(admin, snapshot,
      () => caCiso.post('/api/v1/agencies', { code: 'ca-new', name: 'x',
        type: 'subordinate', superior: 'ca', responsibility_level: 'D' }),
      (r) => assertError(r, 403, 'forbidden', null));
    const anon = new Client(s);
    assertError(await anon.get('/api/v1/agencies'), 401, 'unauthenticated',
      null);
    assertError(await anon.get('/api/v1/agencies/ca'), 401,
      'unauthenticated', null);
  });
});

// ------------------------------------------------------------------------

describe('people', { timeout: 180000 }, () => {
  let s;
  let admin;
  let caCiso;
  let caStaff;
  before(async () => {
    s = await startServer();
    admin = await signInAdmin(s);
    await mkAgency(admin, { code: 'ca', type: 'city_agency',
      responsibility_level: 'B' });
    await mkAgency(admin, { code: 'ca-sub', superior: 'ca' });
    await mkAgency(admin, { code: 'dof', type: 'city_agency' });
    await mkUser(admin, { username: 'ca.ciso', agency: 'ca',
      roles: ['ciso', 'commander'] });
    await mkUser(admin, { username: 'ca.staff', agency: 'ca',
      roles: ['reporter'] });
    await mkUser(admin, { username: 'dof.staff', agency: 'dof',
      roles: ['reporter'] });
    caCiso = await signIn(s, 'ca.ciso', PW);
    caStaff = await signIn(s, 'ca.staff', PW);
  });
  after(async () => { if (s) await s.stop(); });

  it('POST /api/v1/users: 201 without any password hash; the person can ' +
    'sign in; audited', async () => {
    const head = await auditHead(admin);
    const r = await admin.post('/api/v1/users', {
      username: 'ca.window', name: '王小明', agency: 'ca',
      roles: ['contact_window', 'reporter'], employment: 'contract',
      dedicated_staff: true, email: 'wang@example.gov.taipei',
      phone: '+886-2-2720-8889 #1234', taipeion_id: 'wang.tpe',
      password: PW,
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.headers.location, '/api/v1/users/ca.window');
    const u = r.json;
    assert.equal(u.username, 'ca.window');
    assert.equal(u.name, '王小明');
    assert.equal(u.agency, 'ca');
    assert.deepEqual(u.roles, ['reporter', 'contact_window']);
    assert.equal(u.employment, 'contract');
    assert.equal(u.dedicated_staff, true);
    assert.equal(u.email, 'wang@example.gov.taipei');
    assert.equal(u.phone, '+886-2-2720-8889 #1234');
    assert.equal(u.taipeion_id, 'wang.tpe');
    assert.equal(u.active, true);
    assert.equal(u.has_password, true);
    assert.doesNotMatch(r.text, /argon2|password_hash|Org-test/);
    const got = await admin.get('/api/v1/users/ca.window');
    assert.deepEqual(got.json, u);
    assert.doesNotMatch(got.text, /argon2|password_hash/);
    const me = await signIn(s, 'ca.window', PW);
    assert.equal((await me.get('/api/v1/me')).json.username, 'ca.window');
    const e = (await auditSince(admin, head)).find(
      (x) => x.action === 'user.create' && x.object_id === 'ca.window');
    assert.ok(e, 'no user.create entry');
    assert.equal(e.agency, 'ca');
    assert.equal(e.after.taipeion_id, 'wang.tpe');
    assert.doesNotMatch(JSON.stringify(e), /argon2|Org-test/);
    // Defaults: civil servant, no roles, no password (cannot sign in).
    const d = await admin.post('/api/v1/users', { username: 'ca.plain',
      name: '無密碼', agency: 'ca' });
    assert.equal(d.status, 201, show(d));
    assert.equal(d.json.employment, 'civil_servant');
    assert.deepEqual(d.json.roles, []);
    assert.equal(d.json.has_password, false);
    assert.equal(d.json.email, null);
  });

  it('refuses duplicate names, unknown roles, weak passwords and the ' +
    'rest, naming the field, changing nothing', async () => {
    const base = { username: 'ca.new', name: '新人', agency: 'ca',
      password: PW };
    const rows = [
      ['a duplicate user name', { ...base, username: 'ca.staff' }, 409,
        'conflict', 'username'],
      ['an unknown role', { ...base, roles: ['reporter', 'king'] }, 422,
        'invalid_field', 'roles'],
      ['a role twice', { ...base, roles: ['reporter', 'reporter'] }, 422,
        'invalid_field', 'roles'],
      ['a role that is not text', { ...base, roles: [1] }, 422,
        'invalid_field', 'roles'],
      ['vendor role, civil servant', { ...base, roles: ['vendor'] }, 422,
        'invalid_field', 'roles'],
      ['a short password', { ...base, password: 'short-pw' }, 422,
        'weak_password', 'password'],
      ['a common password', { ...base, password: 'password1234' }, 422,
        'weak_password', 'password'],
      ['a password holding the user name', { ...base,
        password: 'my-ca.new-secret-1' }, 422, 'weak_password', 'password'],
      ['a password hash given', { ...base, password_hash: '$argon2id$x' },
        422, 'unknown_field', 'password_hash'],
      ['an unknown employment', { ...base, employment: 'volunteer' }, 422,
        'invalid_field', 'employment'],
      ['a user name in capitals', { ...base, username: 'CA.New' }, 422,
        'invalid_field', 'username'],
      ['an agency that does not exist', { ...base, agency: 'nope' }, 422,
        'invalid_field', 'agency'],
      ['a bad e-mail', { ...base, email: 'not an address' }, 422,
        'invalid_field', 'email'],
      ['a bad phone', { ...base, phone: 'call me' }, 422, 'invalid_field',
        'phone'],
      ['no agency', { ...base, agency: undefined }, 422, 'missing_field',
        'agency'],
    ];
    const snapshot = async () => (await listAll(admin, '/api/v1/users',
      500)).map((u) => JSON.stringify(u)).join('\n');
    for (const [what, body, status, code, field] of rows) {
      await refusedUnchanged(admin, snapshot,
        () => admin.post('/api/v1/users', body),
        (r) => assertError(r, status, code, field, what));
    }
    // The vendor role with vendor employment is fine.
    const v = await admin.post('/api/v1/users', { ...base,
      username: 'vendor.ca', roles: ['vendor'], employment: 'vendor' });
    assert.equal(v.status, 201, show(v));
  });

  it('a CISO manages the people of its subtree, without DoIT\'s roles; ' +
    'other agencies are 404, other roles 403', async () => {
    const r = await caCiso.post('/api/v1/users', { username: 'sub.person',
      name: '所屬人員', agency: 'ca-sub', roles: ['reporter', 'ciso'],
      password: PW });
    assert.equal(r.status, 201, show(r));
    const snapshot = async () => (await listAll(admin, '/api/v1/users',
      500)).map((u) => JSON.stringify(u)).join('\n');
    const refusals = [
      ['another agency', () => caCiso.post('/api/v1/users', {
        username: 'x.one', name: 'x', agency: 'dof' }), 404, 'not_found',
      null],
      ['DoIT\'s agency', () => caCiso.post('/api/v1/users', {
        username: 'x.two', name: 'x', agency: 'doit' }), 404, 'not_found',
      null],
      ['doit_admin granted by a CISO', () => caCiso.post('/api/v1/users', {
        username: 'x.three', name: 'x', agency: 'ca',
        roles: ['doit_admin'] }), 403, 'forbidden', 'roles'],
      ['superior_viewer granted by a CISO', () => caCiso.post(
        '/api/v1/users', { username: 'x.four', name: 'x', agency: 'ca',
          roles: ['superior_viewer'] }), 403, 'forbidden', 'roles'],
      ['a reporter creating people', () => caStaff.post('/api/v1/users', {
        username: 'x.five', name: 'x', agency: 'ca' }), 403, 'forbidden',
      null],
      ['a CISO changing another agency\'s person', () => caCiso.patch(
        '/api/v1/users/dof.staff', { name: 'changed' }), 404, 'not_found',
      null],
      ['a CISO changing DoIT\'s admin', () => caCiso.patch(
        '/api/v1/users/admin', { active: false }), 404, 'not_found', null],
      ['a CISO granting doit_reviewer', () => caCiso.patch(
        '/api/v1/users/ca.staff', { roles: ['doit_reviewer'] }), 403,
      'forbidden', 'roles'],
      ['a reporter changing a person', () => caStaff.patch(
        '/api/v1/users/ca.staff', { name: 'me' }), 403, 'forbidden', null],
      ['a person that does not exist', () => caCiso.patch(
        '/api/v1/users/nobody', { name: 'x' }), 404, 'not_found', null],
    ];
    for (const [what, request, status, code, field] of refusals) {
      await refusedUnchanged(admin, snapshot, request,
        (x) => assertError(x, status, code, field, what));
    }
    const p = await caCiso.patch('/api/v1/users/sub.person',
      { phone: '02-1234-5678', roles: ['reporter'] });
    assert.equal(p.status, 200, show(p));
    assert.deepEqual(p.json.roles, ['reporter']);
  });

  it('GET people within scope; another agency\'s person or list is 404',
    async () => {
      const mine = (await listAll(caCiso, '/api/v1/users', 2))
        .map((u) => u.username);
      assert.ok(mine.includes('ca.staff') && mine.includes('sub.person'),
        mine.join(','));
      assert.ok(!mine.includes('dof.staff') && !mine.includes('admin'),
        mine.join(','));
      assert.equal((await caStaff.get('/api/v1/users/sub.person')).status,
        200);
      assertError(await caStaff.get('/api/v1/users/dof.staff'), 404,
        'not_found', null);
      assertError(await caStaff.get('/api/v1/users/admin'), 404,
        'not_found', null);
      assertError(await caStaff.get('/api/v1/users?agency=dof'), 404,
        'not_found', null);
      const dof = await admin.get('/api/v1/users?agency=dof');
      assert.deepEqual(dof.json.items.map((u) => u.username), ['dof.staff']);
      assertError(await admin.get('/api/v1/users?agency=nope'), 404,
        'not_found', null);
      const all = (await listAll(admin, '/api/v1/users', 3))
        .map((u) => u.username);
      assert.deepEqual(all, [...all].sort());
      assert.ok(all.includes('admin') && all.includes('dof.staff'));
      for (const u of await listAll(admin, '/api/v1/users', 500)) {
        assert.ok(!('password_hash' in u), JSON.stringify(u));
      }
    });

  it('PATCH /api/v1/users: contacts, roles, employment, active; never the ' +
    'password; audited with before and after', async () => {
    await mkUser(admin, { username: 'ca.patch', agency: 'ca',
      roles: ['reporter'], phone: '02-1111-1111' });
    const etag = (await admin.get('/api/v1/users/ca.patch')).headers.etag;
    const head = await auditHead(admin);
    const r = await admin.patch('/api/v1/users/ca.patch', {
      name: '改過的名字', phone: '', email: 'p@example.org',
      taipeion_id: 'p.tpe', roles: ['responder', 'commander'],
      employment: 'temporary', dedicated_staff: true,
    }, { headers: { 'If-Match': etag } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.name, '改過的名字');
    assert.equal(r.json.phone, null);
    assert.equal(r.json.email, 'p@example.org');
    assert.deepEqual(r.json.roles, ['commander', 'responder']);
    assert.equal(r.json.employment, 'temporary');
    assert.equal(r.json.dedicated_staff, true);
    const e = (await auditSince(admin, head)).filter(
      (x) => x.action === 'user.update');
    assert.equal(e.length, 1);
    assert.equal(e[0].object_id, 'ca.patch');
    assert.equal(e[0].before.phone, '02-1111-1111');
    assert.deepEqual(e[0].before.roles, ['reporter']);
    assert.deepEqual(e[0].after.roles, ['commander', 'responder']);
    const snapshot = async () => (await admin.get('/api/v1/users/ca.patch'))
      .json;
    for (const [what, body, status, code, field, hdr] of [
      ['a password', { password: PW + 'x' }, 422, 'unknown_field',
        'password'],
      ['a password hash', { password_hash: 'x' }, 422, 'unknown_field',
        'password_hash'],
      ['another agency', { agency: 'dof' }, 422, 'unknown_field', 'agency'],
      ['a vendor role for a temporary employee', { roles: ['vendor'] }, 422,
        'invalid_field', 'roles'],
      ['a stale If-Match', { name: 'x' }, 409, 'version_conflict', null,
        { 'If-Match': etag }],
    ]) {
      await refusedUnchanged(admin, snapshot,
        () => admin.patch('/api/v1/users/ca.patch', body,
          { headers: hdr ?? {} }),
        (x) => assertError(x, status, code, field, what));
    }
    // Nobody locks themselves out.
    assertError(await admin.patch('/api/v1/users/admin', { active: false }),
      422, 'invalid_field', 'active');
    assertError(await admin.patch('/api/v1/users/admin', { roles: [] }),
      422, 'invalid_field', 'roles');
    // Deactivated: the person's session stops working at once.
    const who = await signIn(s, 'ca.patch', PW);
    assert.equal((await who.get('/api/v1/me')).status, 200);
    const off = await admin.patch('/api/v1/users/ca.patch',
      { active: false });
    assert.equal(off.json.active, false);
    assertError(await who.get('/api/v1/me'), 401, 'unauthenticated', null);
  });
});

// ------------------------------------------------------------------------

describe('contact windows and deputies (P5-P9), the roster and its CSV',
  { timeout: 240000 }, () => {
    let s;
    let admin;
    let reviewer;
    let lbCiso;
    before(async () => {
      s = await startServer();
      admin = await signInAdmin(s);
      // lb: level B with dedicated staff.  lc: level C without.  ld:
      // level D.  other: another agency.
      await mkAgency(admin, { code: 'lb', name: '乙級機關', type:
        'city_agency', responsibility_level: 'B' });
      await mkAgency(admin, { code: 'lb-sub', superior: 'lb',
        responsibility_level: 'E' });
      await mkAgency(admin, { code: 'lc', name: '丙級機關',
        responsibility_level: 'C' });
      await mkAgency(admin, { code: 'ld', responsibility_level: 'D' });
      await mkAgency(admin, { code: 'other', type: 'city_agency',
        responsibility_level: 'D' });
      const people = [
        ['lb.w1', 'lb', 'civil_servant', true, ['contact_window']],
        ['lb.w2', 'lb', 'civil_servant', true, ['contact_window']],
        ['lb.nd', 'lb', 'contract', false, ['reporter']],
        ['lb.d1', 'lb', 'temporary', false, ['reporter']],
        ['lb.d2', 'lb', 'civil_servant', false, ['reporter']],
        ['lb.vendor', 'lb', 'vendor', false, ['vendor']],
        ['lb.ciso', 'lb', 'civil_servant', false, ['ciso']],
        ['lc.p1', 'lc', 'civil_servant', false, ['reporter']],
        ['lc.ciso', 'lc', 'civil_servant', false, ['ciso']],
        ['ld.p1', 'ld', 'civil_servant', false, ['reporter']],
        ['ld.p2', 'ld', 'civil_servant', false, ['reporter']],
        ['ld.p3', 'ld', 'civil_servant', false, ['reporter']],
        ['other.p1', 'other', 'civil_servant', true, ['reporter']],
        ['doit.rev', 'doit', 'civil_servant', false, ['doit_reviewer']],
      ];
      for (const [username, agency, employment, ded, roles] of people) {
        await mkUser(admin, { username, agency, employment, roles,
          dedicated_staff: ded, phone: '02-2720-8889',
          email: `${username}@example.org`, taipeion_id: `tpe.${username}` });
      }
      reviewer = await signIn(s, 'doit.rev', PW);
      lbCiso = await signIn(s, 'lb.ciso', PW);
    });
    after(async () => { if (s) await s.stop(); });

    const appoint = (client, code, body) => client.post(
      `/api/v1/agencies/${code}/contacts`, {
        effective_from: taipei(-60000), ...body });
    const contactsOf = async (code) => (await listAll(admin,
      `/api/v1/agencies/${code}/contacts`, 500)).map((k) =>
      `${k.id}:${k.role}:${k.username}:${k.status}:${k.ended_at}`).join(',');
    const ruleRefused = (r, field, point, what) => {
      assertError(r, 422, 'rule_violation', field, what);
      assert.match(r.json.error.message, new RegExp(`\\b${point}\\b`),
        `${what}: the message must name ${point}:\n${show(r)}`);
    };

    it('P6: a vendor\'s employee is neither window nor deputy (422 naming ' +
      'P6); nothing changes', async () => {
      for (const role of ['window', 'deputy']) {
        await refusedUnchanged(admin, () => contactsOf('lb'),
          () => appoint(admin, 'lb', { username: 'lb.vendor', role }),
          (r) => ruleRefused(r, 'username', 'P6', `vendor as ${role}`));
      }
      // In English too.
      const en = await admin.post('/api/v1/agencies/lb/contacts', {
        username: 'lb.vendor', role: 'window', effective_from: taipei() },
      { headers: { 'Accept-Language': 'en' } });
      ruleRefused(en, 'username', 'P6', 'vendor, in English');
      assert.match(en.json.error.message, /vendor/i);
    });

    it('P6: at level A-C with dedicated staff the window is one of them',
      async () => {
        await refusedUnchanged(admin, () => contactsOf('lb'),
          () => appoint(admin, 'lb', { username: 'lb.nd', role: 'window',
            appointed_by: 'lb.ciso' }),
          (r) => ruleRefused(r, 'username', 'P6', 'not dedicated'));
      });

    it('P5: the first window: 201, never late (P8), audited; the agency ' +
      'still has no deputy (P9)', async () => {
      const head = await auditHead(admin);
      // Notified long after it took effect: the first window is no change.
      const r = await appoint(admin, 'lb', { username: 'lb.w1',
        role: 'window', effective_from: taipei(-30 * DAY),
        notified_at: taipei(-60000) });
      assert.equal(r.status, 201, show(r));
      assert.match(r.headers.location,
        new RegExp(`^/api/v1/agencies/lb/contacts/${r.json.id}$`));
      const k = r.json;
      assert.equal(k.role, 'window');
      assert.equal(k.username, 'lb.w1');
      assert.equal(k.late, false);
      assert.equal(k.status, 'in_force');
      assert.equal(k.phone, '02-2720-8889');
      assert.equal(k.taipeion_id, 'tpe.lb.w1');
      assert.equal(k.created_by, 'admin');
      assert.deepEqual(k.superseded, []);
      const got = await admin.get(`/api/v1/agencies/lb/contacts/${k.id}`);
      assert.equal(got.status, 200, show(got));
      assert.equal(got.json.id, k.id);
      const a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.has_window, true);
      assert.deepEqual(a.flags, { no_window: false, no_deputy: true,
        deputy_not_ready: true, dedicated_vacant: false,
        window_change_late: false });
      const e = (await auditSince(admin, head)).find(
        (x) => x.action === 'contact.create');
      assert.ok(e, 'no contact.create entry');
      assert.equal(e.agency, 'lb');
      assert.equal(e.after.username, 'lb.w1');
      // The same person again: 409, nothing changed.
      await refusedUnchanged(admin, () => contactsOf('lb'),
        () => appoint(admin, 'lb', { username: 'lb.w1', role: 'window' }),
        (x) => assertError(x, 409, 'conflict', 'username'));
    });

    it('P9: a deputy is ready only once access_ready_at is set and past; ' +
      'the window is not its own deputy', async () => {
      await refusedUnchanged(admin, () => contactsOf('lb'),
        () => appoint(admin, 'lb', { username: 'lb.w1', role: 'deputy',
          access_ready_at: taipei(-HOUR) }),
        (r) => ruleRefused(r, 'username', 'P9', 'window as deputy'));
      const d1 = await appoint(admin, 'lb', { username: 'lb.d1',
        role: 'deputy' });
      assert.equal(d1.status, 201, show(d1));
      assert.equal(d1.json.access_ready, false);
      let a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.flags.no_deputy, false);
      assert.equal(a.flags.deputy_not_ready, true);
      assert.equal(a.deputy_ready, false);
      // Access ready tomorrow is not ready now.
      const d2 = await appoint(admin, 'lb', { username: 'lb.d2',
        role: 'deputy', access_ready_at: taipei(DAY) });
      assert.equal(d2.status, 201, show(d2));
      a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.deputy_count, 2);
      assert.equal(a.deputy_ready_count, 0);
      assert.equal(a.flags.deputy_not_ready, true);
      // The access is in place an hour ago after all: recorded, audited.
      const head = await auditHead(admin);
      const ready = await lbCiso.patch(
        `/api/v1/agencies/lb/contacts/${d2.json.id}`,
        { access_ready_at: taipei(-HOUR) });
      assert.equal(ready.status, 200, show(ready));
      assert.equal(ready.json.access_ready, true);
      a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.deputy_ready_count, 1);
      assert.equal(a.flags.deputy_not_ready, false);
      const upd = (await auditSince(admin, head)).filter(
        (x) => x.action === 'contact.update');
      assert.equal(upd.length, 1);
      assert.equal(upd[0].before.access_ready, false);
      assert.equal(upd[0].after.access_ready, true);
      assert.equal(upd[0].actor, 'lb.ciso');
      // Ended, it counts no more; ended twice or changed after: 409.
      const end = await admin.delete(
        `/api/v1/agencies/lb/contacts/${d2.json.id}`);
      assert.equal(end.status, 200, show(end));
      assert.equal(end.json.status, 'ended');
      a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.deputy_count, 1);
      assert.equal(a.flags.deputy_not_ready, true);
      assertError(await admin.delete(
        `/api/v1/agencies/lb/contacts/${d2.json.id}`), 409, 'conflict',
      null);
      assertError(await admin.patch(
        `/api/v1/agencies/lb/contacts/${d2.json.id}`,
        { access_ready_at: taipei(-HOUR) }), 409, 'conflict', null);
      assertError(await admin.patch(
        `/api/v1/agencies/lb/contacts/${d2.json.id}`, {}), 422,
      'missing_field', 'access_ready_at');
      const d2b = await appoint(admin, 'lb', { username: 'lb.d2',
        role: 'deputy', access_ready_at: taipei(-HOUR) });
      assert.equal(d2b.status, 201, show(d2b));
      assert.equal(d2b.json.access_ready, true);
      a = (await admin.get('/api/v1/agencies/lb')).json;
      assert.equal(a.deputy_ready, true);
      assert.deepEqual(a.flags, { no_window: false, no_deputy: false,
        deputy_not_ready: false, dedicated_vacant: false,
        window_change_late: false });
      // A deputy twice: 409.
      await refusedUnchanged(admin, () => contactsOf('lb'),
        () => appoint(admin, 'lb', { username: 'lb.d2', role: 'deputy' }),
        (x) => assertError(x, 409, 'conflict', 'username'));
    });

    it('P8: a change of window is late when notified on or after the ' +
      'Taipei date it takes effect', async () => {
      // Effective in two days, notified now: on time; the window before
      // stays in force until then.
      const early = await appoint(admin, 'ld', { username: 'ld.p1',
        role: 'window' });
      assert.equal(early.status, 201, show(early));
      const onTime = await appoint(admin, 'ld', { username: 'ld.p2',
        role: 'window', effective_from: taipei(2 * DAY) });
      assert.equal(onTime.status, 201, show(onTime));
      assert.equal(onTime.json.late, false);
      assert.equal(onTime.json.status, 'pending');
      assert.deepEqual(onTime.json.superseded, [early.json.id]);
      const before = (await admin.get(
        `/api/v1/agencies/ld/contacts/${early.json.id}`)).json;
      assert.equal(before.status, 'in_force');
      assert.equal(before.ended_at, onTime.json.effective_from);
      let a = (await admin.get('/api/v1/agencies/ld')).json;
      assert.equal(a.flags.window_change_late, false);
      assert.equal(a.has_window, true);
      // Effective now, notified now: late, and it is the window in force.
      const late = await appoint(admin, 'ld', { username: 'ld.p3',
        role: 'window', effective_from: taipei(-1000) });
      assert.equal(late.status, 201, show(late));
      assert.equal(late.json.late, true);
      assert.equal(late.json.superseded.length, 2);
      a = (await admin.get('/api/v1/agencies/ld')).json;
      assert.equal(a.flags.window_change_late, true);
      // DoIT records when it was told: the Taipei date decides.  The
      // day is 200 days ago, so that every time here is in the past.
      const day = taipei(-200 * DAY).slice(0, 10);
      const prev = new Date(Date.parse(`${day}T00:00:00Z`) - DAY)
        .toISOString().slice(0, 10);
      const rows = [
        ['the evening before', `${prev}T23:59:59+08:00`, false],
        ['midnight of the day', `${day}T00:00:00+08:00`, true],
        ['16:00Z the day before is midnight in Taipei',
          `${prev}T16:00:00Z`, true],
        ['15:59:59Z the day before', `${prev}T15:59:59Z`, false],
      ];
      const people = ['ld.p1', 'ld.p2'];
      for (const [i, [what, notified, want]] of rows.entries()) {
        const r = await appoint(admin, 'ld', { username: people[i % 2],
          role: 'window', effective_from: `${day}T09:00:00+08:00`,
          notified_at: notified });
        assert.equal(r.status, 201, `${what}:\n${show(r)}`);
        assert.equal(r.json.late, want, `${what}: late`);
      }
      // Only DoIT records another notification time, and never a future.
      await mkUser(admin, { username: 'ld.ciso', agency: 'ld',
        roles: ['ciso'] });
      const ciso = await signIn(s, 'ld.ciso', PW);
      await refusedUnchanged(admin, () => contactsOf('ld'),
        () => appoint(ciso, 'ld', { username: 'ld.p3', role: 'window',
          notified_at: taipei(-DAY) }),
        (r) => assertError(r, 422, 'invalid_field', 'notified_at'));
      await refusedUnchanged(admin, () => contactsOf('ld'),
        () => appoint(admin, 'ld', { username: 'ld.p3', role: 'window',
          notified_at: taipei(DAY) }),
        (r) => assertError(r, 422, 'invalid_field', 'notified_at'));
    });

    it('P6: with no dedicated staff (the post vacant) another person ' +
      'serves, appointed_by required, the agency flagged dedicated_vacant',
    async () => {
      await refusedUnchanged(admin, () => contactsOf('lc'),
        () => appoint(admin, 'lc', { username: 'lc.p1', role: 'window' }),
        (r) => ruleRefused(r, 'appointed_by', 'P6', 'no appointer'));
      await refusedUnchanged(admin, () => contactsOf('lc'),
        () => appoint(admin, 'lc', { username: 'lc.p1', role: 'window',
          appointed_by: 'other.p1' }),
        (r) => assertError(r, 422, 'invalid_field', 'appointed_by'));
      await refusedUnchanged(admin, () => contactsOf('lc'),
        () => appoint(admin, 'lc', { username: 'lc.p1', role: 'window',
          appointed_by: 'nobody' }),
        (r) => assertError(r, 422, 'invalid_field', 'appointed_by'));
      const r = await appoint(admin, 'lc', { username: 'lc.p1',
        role: 'window', appointed_by: 'lc.ciso' });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.appointed_by, 'lc.ciso');
      assert.equal(r.json.dedicated_vacant, true);
      const a = (await admin.get('/api/v1/agencies/lc')).json;
      assert.equal(a.dedicated_vacant, true);
      assert.equal(a.flags.dedicated_vacant, true);
      assert.equal(a.dedicated_staff_required, 1);
      assert.equal(a.dedicated_staff_count, 0);
    });

    it('who may appoint: DoIT, or the agency\'s own CISO; another ' +
      'agency\'s assignment is 404; the person must work there',
    async () => {
      const r = await appoint(lbCiso, 'lb-sub', { username: 'lb.w1',
        role: 'deputy' });
      assertError(r, 422, 'invalid_field', 'username',
        'a person of another agency');
      await mkUser(admin, { username: 'lbsub.p', agency: 'lb-sub' });
      const ok = await appoint(lbCiso, 'lb-sub', { username: 'lbsub.p',
        role: 'window' });
      assert.equal(ok.status, 201, show(ok));
      assert.equal(ok.json.created_by, 'lb.ciso');
      await refusedUnchanged(admin, () => contactsOf('other'),
        () => appoint(lbCiso, 'other', { username: 'other.p1',
          role: 'window' }),
        (x) => assertError(x, 404, 'not_found', null));
      const staff = await signIn(s, 'lb.d1', PW);
      await refusedUnchanged(admin, () => contactsOf('lb'),
        () => appoint(staff, 'lb', { username: 'lb.d1', role: 'deputy' }),
        (x) => assertError(x, 403, 'forbidden', null));
      // An assignment of lb reached through other's path: 404.
      const lbItems = await listAll(admin, '/api/v1/agencies/lb/contacts');
      const id = lbItems[0].id;
      assertError(await admin.get(`/api/v1/agencies/other/contacts/${id}`),
        404, 'not_found', null);
      await refusedUnchanged(admin, () => contactsOf('lb'),
        () => admin.delete(`/api/v1/agencies/other/contacts/${id}`),
        (x) => assertError(x, 404, 'not_found', null));
      assertError(await lbCiso.get('/api/v1/agencies/other/contacts'), 404,
        'not_found', null);
      assertError(await admin.get('/api/v1/agencies/nope/contacts'), 404,
        'not_found', null);
      // The agency's own people read its roster.
      const mine = await staff.get('/api/v1/agencies/lb/contacts');
      assert.equal(mine.status, 200, show(mine));
      assert.ok('flags' in mine.json, show(mine));
      const bad = [
        [{ username: 'lb.d1', role: 'boss' }, 'role'],
        [{ username: 'lb.d1', role: 'deputy', effective_from: '2026-03-01' },
          'effective_from'],
        [{ username: 'lb.d1', role: 'deputy', extra: 1 }, 'extra'],
      ];
      for (const [body, field] of bad) {
        const x = await admin.post('/api/v1/agencies/lb/contacts', {
          effective_from: taipei(), ...body });
        assert.equal(x.status, 422, show(x));
        assert.equal(x.json.error.field, field, show(x));
      }
    });

    it('P6: a window or deputy cannot become a vendor\'s employee',
      async () => {
        await refusedUnchanged(admin,
          async () => (await admin.get('/api/v1/users/lb.d1')).json,
          () => admin.patch('/api/v1/users/lb.d1', { employment: 'vendor' }),
          (r) => ruleRefused(r, 'employment', 'P6', 'deputy to vendor'));
      });

    it('a new window supersedes the one before, and a deputy promoted to ' +
      'window stops being a deputy', async () => {
      const r = await appoint(admin, 'lb', { username: 'lb.d2',
        role: 'window', effective_from: taipei(-1000) });
      // lb.d2 is not dedicated staff and lb has some: P6 refuses.
      ruleRefused(r, 'username', 'P6', 'deputy promoted, not dedicated');
      const w2 = await appoint(admin, 'lb', { username: 'lb.w2',
        role: 'window', effective_from: taipei(-1000) });
      assert.equal(w2.status, 201, show(w2));
      assert.equal(w2.json.late, true);
      const items = await listAll(admin, '/api/v1/agencies/lb/contacts');
      const windows = items.filter((k) => k.role === 'window');
      assert.deepEqual(windows.map((k) => [k.username, k.status]),
        [['lb.w1', 'ended'], ['lb.w2', 'in_force']]);
      // Promote the deputy lb.d1 after making it dedicated staff.
      const p = await admin.patch('/api/v1/users/lb.d1',
        { dedicated_staff: true });
      assert.equal(p.status, 200, show(p));
      const w3 = await appoint(admin, 'lb', { username: 'lb.d1',
        role: 'window', effective_from: taipei(-1000) });
      assert.equal(w3.status, 201, show(w3));
      assert.equal(w3.json.superseded.length, 2, show(w3));
      const deps = (await listAll(admin, '/api/v1/agencies/lb/contacts'))
        .filter((k) => k.role === 'deputy' && k.status === 'in_force')
        .map((k) => k.username);
      assert.deepEqual(deps, ['lb.d2']);
    });

    it('GET /api/v1/contacts/roster: every active agency, its window and ' +
      'deputies with phone, e-mail and TaipeiON (P7), and its flags',
    async () => {
      const items = await listAll(reviewer, '/api/v1/contacts/roster', 2);
      const by = Object.fromEntries(items.map((x) => [x.agency.code, x]));
      const codes = items.map((x) => x.agency.code);
      assert.deepEqual(codes, [...codes].sort());
      for (const c of ['doit', 'lb', 'lb-sub', 'lc', 'ld', 'other']) {
        assert.ok(by[c], `${c} missing from the roster: ${codes}`);
      }
      const lb = by.lb;
      assert.equal(lb.agency.name, '乙級機關');
      assert.equal(lb.window.username, 'lb.d1');
      assert.equal(lb.window.phone, '02-2720-8889');
      assert.equal(lb.window.email, 'lb.d1@example.org');
      assert.equal(lb.window.taipeion_id, 'tpe.lb.d1');
      assert.equal(lb.window.late, true);
      assert.deepEqual(lb.deputies.map((d) => [d.username, d.ready]),
        [['lb.d2', true]]);
      assert.deepEqual(lb.flags, { no_window: false, no_deputy: false,
        deputy_not_ready: false, dedicated_vacant: false,
        window_change_late: true });
      assert.deepEqual(by.other.flags, { no_window: true, no_deputy: true,
        deputy_not_ready: true, dedicated_vacant: false,
        window_change_late: false });
      assert.equal(by.other.window, null);
      assert.equal(by.lc.flags.dedicated_vacant, true);
      assert.equal(by.lc.window.appointed_by, 'lc.ciso');
      // Only agencies with a flag, when asked.
      const noWin = await listAll(admin,
        '/api/v1/contacts/roster?flag=no_window', 500);
      assert.ok(noWin.every((x) => x.flags.no_window));
      assert.ok(noWin.some((x) => x.agency.code === 'other'));
      assert.ok(!noWin.some((x) => x.agency.code === 'lb'));
      assertError(await admin.get('/api/v1/contacts/roster?flag=nope'), 400,
        'invalid_query', 'flag');
      // Deactivated agencies leave the roster.
      await mkAgency(admin, { code: 'gone' });
      await admin.patch('/api/v1/agencies/gone', { active: false });
      const after2 = await listAll(admin, '/api/v1/contacts/roster', 500);
      assert.ok(!after2.some((x) => x.agency.code === 'gone'));
      // DoIT's only.
      assertError(await lbCiso.get('/api/v1/contacts/roster'), 403,
        'forbidden', null);
      assertError(await lbCiso.get('/api/v1/contacts/roster.csv'), 403,
        'forbidden', null);
    });

    it('GET /api/v1/contacts/roster.csv: UTF-8 with BOM, RFC 4180, no ' +
      'formula injection', async () => {
      // A person whose fields would be formulas or break a naive CSV.
      await mkAgency(admin, { code: 'csv', name: '逗號,與"引號"機關' });
      await mkUser(admin, { username: 'csv.evil', agency: 'csv',
        name: '=HYPERLINK("http://evil","x")', phone: '+886-2-1234',
        email: 'evil@example.org', taipeion_id: '@evil' });
      await mkUser(admin, { username: 'csv.dep', agency: 'csv',
        name: '-2+3,代理人', phone: '02-1' });
      const win = await appoint(admin, 'csv', { username: 'csv.evil',
        role: 'window' });
      assert.equal(win.status, 201, show(win));
      assert.equal((await appoint(admin, 'csv', { username: 'csv.dep',
        role: 'deputy', access_ready_at: taipei(-HOUR) })).status, 201);
      const r = await reviewer.get('/api/v1/contacts/roster.csv');
      assert.equal(r.status, 200, show(r));
      assert.match(r.headers['content-type'], /^text\/csv; charset=utf-8/);
      assert.match(r.headers['content-disposition'],
        /^attachment; filename="tongbao-roster-\d{4}-\d\d-\d\d\.csv"$/);
      const raw = Buffer.from(r.text, 'utf8');
      assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf],
        'a UTF-8 byte order mark first');
      const text = r.text.slice(1);
      assert.ok(text.endsWith('\r\n'), 'rows end with CRLF');
      const lines = text.split('\r\n').slice(0, -1);
      assert.ok(lines[0].startsWith('機關代碼,機關名稱,'), lines[0]);
      const row = lines.find((l) => l.startsWith('csv,'));
      assert.ok(row, text);
      assert.equal(row, 'csv,"逗號,與""引號""機關",D,' +
        '"\'=HYPERLINK(""http://evil"",""x"")",csv.evil,\'+886-2-1234,' +
        `evil@example.org,'@evil,${win.json.effective_from},` +
        '"\'-2+3,代理人",02-1,,,0,0,0,0,0');
      // Every agency of the JSON roster has a row, in the same order.
      const json = await listAll(admin, '/api/v1/contacts/roster', 500);
      assert.deepEqual(lines.slice(1).map((l) => l.split(',')[0]),
        json.map((x) => x.agency.code));
      const en = await reviewer.get('/api/v1/contacts/roster.csv',
        { headers: { 'Accept-Language': 'en' } });
      assert.ok(en.text.slice(1).startsWith('agency_code,agency_name,' +
        'responsibility_level,window_name,'), en.text.slice(0, 200));
      const flagged = await admin.get(
        '/api/v1/contacts/roster.csv?flag=dedicated_vacant');
      const fl = flagged.text.slice(1).split('\r\n').slice(1, -1)
        .map((l) => l.split(',')[0]);
      assert.ok(fl.includes('lc') && !fl.includes('lb'), fl.join(','));
    });

    it('every change of this suite is in the audit trail', async () => {
      const all = await auditSince(admin, 0);
      const count = (action) => all.filter((e) => e.action === action)
        .length;
      const counts = Object.fromEntries(['agency.create', 'agency.update',
        'user.create', 'user.update', 'contact.create', 'contact.update',
        'contact.end']
        .map((a) => [a, count(a)]));
      // The changes this suite made, counted from its own requests.
      // agencies: lb, lb-sub, lc, ld, other, gone, csv; people: 14 in
      // before(), lbsub.p, ld.ciso, csv.evil, csv.dep; assignments: 4 of
      // lb in P5/P9, 3 + 4 of ld in P8, lc, lb-sub, lb.w2, lb.d1, 2 of csv.
      assert.deepEqual(counts, { 'agency.create': 7, 'agency.update': 1,
        'user.create': 18, 'user.update': 1, 'contact.create': 17,
        'contact.update': 1, 'contact.end': 1 });
      const end = all.find((e) => e.action === 'contact.end');
      assert.equal(end.before.status, 'in_force');
      assert.equal(end.after.status, 'ended');
      assert.equal(end.agency, 'lb');
      // The API cannot write or delete the trail.
      assert.equal((await admin.delete('/api/v1/audit')).status, 405);
    });
  });

// ------------------------------------------------------------------------

describe('tongbao demo fills the roster', { timeout: 180000 }, () => {
  let s;
  before(async () => { s = await demoServer(); });
  after(async () => { if (s) await s.stop(); });

  it('every demo agency has CODE.window as window and CODE.deputy as a ' +
    'ready deputy', async () => {
    const admin = await signInAdmin(s);
    const items = await listAll(admin, '/api/v1/contacts/roster', 500);
    assert.ok(items.length >= 146, `${items.length} agencies`);
    for (const x of items) {
      const c = x.agency.code;
      assert.equal(x.window?.username, `${c}.window`, JSON.stringify(x));
      assert.deepEqual(x.deputies.map((d) => [d.username, d.ready]),
        [[`${c}.deputy`, true]], JSON.stringify(x));
      assert.deepEqual(x.flags, { no_window: false, no_deputy: false,
        deputy_not_ready: false, dedicated_vacant: false,
        window_change_late: false }, JSON.stringify(x));
    }
    // A demo CISO appoints in its own agency.
    const ciso = await signIn(s, 'ca.ciso', DEMO_PASSWORD);
    const r = await ciso.post('/api/v1/agencies/ca/contacts', {
      username: 'ca.staff', role: 'deputy', effective_from: taipei(),
      access_ready_at: taipei() });
    assert.equal(r.status, 201, show(r));
  });
});
