// Evidence API tests (issue 5 §1-§2): the registry of core systems and
// their logs with its compliance view (P24), outsourcing contracts and
// their clauses (P26), preservation paths and their steps (P25), evidence
// items, streamed uploads, downloads checked against their hash, and the
// chain of custody (P27).  Black-box against the real binary on a database
// loaded with `tongbao demo`; callers use API tokens made with `tongbao
// token create`; incidents are made through POST /api/v1/incidents.
//
// The bad input of issue 5 for this part: an upload over the limit, a file
// name with a path or control characters, an upload cut off half-way
// (nothing half-stored, nothing left on disk), a stored file whose hash no
// longer matches (reported, not served as good).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import {
  initDb, runCli, sleep, startServer, tempDir,
} from './lib/server.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// The upload limit of this server: small, so "over the limit" is cheap.
const MAX = 4 * 1024 * 1024;
// The P27 warning's key words, in both languages.
const WARN_EN = /VirusCheck[\s\S]*any other platform/;
const WARN_ZH = /VirusCheck[\s\S]*其他平台/;

// An instant as RFC 3339 in Taipei time, to the second.
function tp(ms) {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 19) + '+08:00';
}
// A Taipei date, YYYY-MM-DD.
function tdate(ms) {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
}
function nowMs() {
  return Math.floor(Date.now() / 1000) * 1000 - 2000;
}
const sha = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

let s;
let db;
let evidenceDir;
const tokens = {};
let seq = 0;
const uniq = (p) => { seq += 1; return `${p}-${process.pid % 1000}-${seq}`; };

async function token(user) {
  if (tokens[user]) return tokens[user];
  const r = await runCli(['token', 'create', '--user', user, '--db', db]);
  assert.equal(r.code, 0, `token for ${user}: ${r.stderr}`);
  tokens[user] = r.stdout.trim().split('\n').at(-1);
  return tokens[user];
}

async function call(user, method, url, body, headers = {}) {
  const h = { ...headers };
  if (user !== null) h.Authorization = `Bearer ${await token(user)}`;
  return s.request(method, url, { headers: h, body, timeoutMs: 30000 });
}
const get = (user, url, headers) => call(user, 'GET', url, undefined,
  headers);
const post = (user, url, body, headers) =>
  call(user, 'POST', url, body, headers);
const patch = (user, url, body, headers) =>
  call(user, 'PATCH', url, body, headers);

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}
const tmpFiles = () => filesUnder(path.join(evidenceDir, 'tmp'));
const objectFiles = () => filesUnder(path.join(evidenceDir, 'objects'));
const objectPath = (h) => path.join(evidenceDir, 'objects', h.slice(0, 2),
  h);

// Waits until the server has removed every temporary upload file.
async function tmpEmpty() {
  let left = [];
  for (let i = 0; i < 50; i++) {
    left = tmpFiles();
    if (left.length === 0) return;
    await sleep(100);
  }
  assert.deepEqual(left, [], 'temporary upload files left behind');
}

// Reports an incident of agency as user; resolves to its id.
async function incident(user, agency) {
  const r = await post(user, '/api/v1/incidents', {
    agency, title: uniq('證據測試'), category: 'intrusion',
    aware_at: tp(nowMs() - 2 * HOUR), level: 2,
  });
  assert.equal(r.status, 201, show(r));
  return r.json.id;
}

async function upload(user, id, name, body, extra = '') {
  return call(user, 'POST', `/api/v1/incidents/${id}/evidence?name=` +
    `${encodeURIComponent(name)}${extra}`, body,
  { 'Content-Type': 'application/octet-stream' });
}

// Every audit entry (admin sees all), oldest first.
async function auditAll() {
  const out = [];
  let after = 0;
  for (;;) {
    const r = await get('admin', `/api/v1/audit?limit=500&after=${after}`);
    assert.equal(r.status, 200, show(r));
    out.push(...r.json.items);
    if (r.json.next_cursor === null) return out;
    after = r.json.next_cursor;
  }
}

before(async () => {
  const dir = tempDir();
  db = path.join(dir, 't.db');
  evidenceDir = path.join(dir, 'evidence');
  await initDb(db);
  const d = await runCli(['demo', '--db', db]);
  assert.equal(d.code, 0, d.stderr);
  s = await startServer({
    db,
    args: ['--evidence-dir', evidenceDir, '--evidence-max-bytes',
      String(MAX), '--request-timeout', '3'],
  });
});

after(async () => { await s?.stop(); });

// --- P24: core systems and their logs ------------------------------------

const FULL_LOGS = {
  os_event: { months_kept: 6, copy_elsewhere: true },
  web: { months_kept: 12, copy_elsewhere: true },
  application: { months_kept: 6 },
  logon: { months_kept: 24, copy_elsewhere: false },
};

async function system(user, agency, fields = {}) {
  const r = await post(user, `/api/v1/agencies/${agency}/systems`, {
    name: uniq('系統'), tolerable_downtime_minutes: 240, ...fields,
  });
  assert.equal(r.status, 201, show(r));
  return r.json;
}

describe('P24 core systems', () => {
  it('registers a system with its logs, judged against 6 months', async () => {
    const r = await post('ca.window', '/api/v1/agencies/ca/systems', {
      name: uniq('戶政系統'), description: '戶籍資料',
      tolerable_downtime_minutes: 120, standby: 'standby',
      logs: { os_event: { months_kept: 6, copy_elsewhere: true },
        web: { months_kept: 5 } },
    });
    assert.equal(r.status, 201, show(r));
    const sy = r.json;
    assert.equal(r.headers.location, `/api/v1/agencies/ca/systems/${sy.id}`);
    assert.equal(r.headers.etag, '"1"');
    assert.equal(sy.agency, 'ca');
    assert.equal(sy.standby, 'standby');
    assert.equal(sy.version, 1);
    assert.equal(sy.retired, false);
    assert.deepEqual(sy.logs.os_event, { months_kept: 6,
      copy_elsewhere: true });
    assert.deepEqual(sy.logs.web, { months_kept: 5, copy_elsewhere: false });
    assert.equal(sy.logs.application, null);
    assert.equal(sy.logs.logon, null);
    assert.deepEqual(sy.compliance, {
      compliant: false, months_required: 6,
      missing: ['application', 'logon'], short: ['web'],
      no_copy_elsewhere: ['web'],
    });
    const one = await get('ca.staff', `/api/v1/agencies/ca/systems/${sy.id}`);
    assert.equal(one.status, 200, show(one));
    assert.deepEqual(one.json, sy);
    const ok = await system('ca.ciso', 'ca', { logs: FULL_LOGS });
    assert.equal(ok.compliance.compliant, true);
    assert.equal(ok.standby, 'none', 'standby defaults to none');
    assert.deepEqual(ok.compliance.no_copy_elsewhere,
      ['application', 'logon']);
  });

  it('refuses bad input, naming the field, and changes nothing', async () => {
    const url = '/api/v1/agencies/ca/systems';
    const base = { name: uniq('x'), tolerable_downtime_minutes: 10 };
    const rows = [
      [{ ...base, logs: { firewall: { months_kept: 6 } } }, 422,
        'unknown_field', 'logs.firewall'],
      [{ ...base, logs: { web: { months_kept: -1 } } }, 422,
        'invalid_field', 'logs.web.months_kept'],
      [{ ...base, logs: { web: { copy_elsewhere: true } } }, 422,
        'missing_field', 'logs.web.months_kept'],
      [{ ...base, logs: { web: { months_kept: 6, kept: 1 } } }, 422,
        'unknown_field', 'logs.web.kept'],
      [{ ...base, logs: { web: 6 } }, 422, 'invalid_field', 'logs.web'],
      [{ ...base, logs: [] }, 422, 'invalid_field', 'logs'],
      [{ ...base, standby: 'hot' }, 422, 'invalid_field', 'standby'],
      [{ name: 'x' }, 422, 'missing_field', 'tolerable_downtime_minutes'],
      [{ ...base, tolerable_downtime_minutes: -5 }, 422, 'invalid_field',
        'tolerable_downtime_minutes'],
      [{ ...base, owner: 'me' }, 422, 'unknown_field', 'owner'],
    ];
    const before = (await get('ca.window', `${url}?limit=500`)).json.items;
    for (const [body, status, code, field] of rows) {
      assertError(await post('ca.window', url, body), status, code, field,
        JSON.stringify(body));
    }
    const name = uniq('dup');
    await system('ca.window', 'ca', { name });
    assertError(await post('ca.window', url, {
      name, tolerable_downtime_minutes: 1 }), 409, 'conflict', 'name');
    const afterList = (await get('ca.window', `${url}?limit=500`)).json.items;
    assert.equal(afterList.length, before.length + 1);
  });

  it('who may register and read: roles and agency scope', async () => {
    const url = '/api/v1/agencies/ca/systems';
    const body = { name: uniq('s'), tolerable_downtime_minutes: 1 };
    // responder and reporter may not change the registry.
    assertError(await post('ca.staff', url, body), 403, 'forbidden', null);
    assertError(await post('doit.reviewer', url, body), 403, 'forbidden',
      null);
    // Another agency's window: 404, the agency's records do not exist.
    assertError(await post('dof.window', url, body), 404, 'not_found', null);
    assertError(await get('dof.window', url), 404, 'not_found', null);
    // A vendor sees nothing of the agency it serves (P13).
    assertError(await get('vendor.ca', url), 404, 'not_found', null);
    // An agency below ca is ca's to read and to change.
    const sub = await system('ca.window', 'dist-songshan');
    assert.equal(sub.agency, 'dist-songshan');
    assertError(await get('dist-songshan.window', url), 404, 'not_found',
      null);
    assert.equal((await get('doit.reviewer', url)).status, 200);
    assert.equal((await post('admin', url, body)).status, 201);
    assertError(await get('admin', '/api/v1/agencies/nope/systems'), 404,
      'not_found', null);
    // A system is found only under its own agency.
    assertError(await get('ca.window',
      `/api/v1/agencies/ca/systems/${sub.id}`), 404, 'not_found', null);
    assertError(await get('ca.window', '/api/v1/agencies/ca/systems/abc'),
      404, 'not_found', null);
  });

  it('lists by name in pages with a cursor', async () => {
    const agency = 'dist-beitou';
    const names = ['c-系統', 'a-系統', 'b-系統'];
    for (const name of names) await system('admin', agency, { name });
    const p1 = await get('admin', `/api/v1/agencies/${agency}/systems?limit=2`);
    assert.equal(p1.status, 200, show(p1));
    assert.deepEqual(p1.json.items.map((x) => x.name), ['a-系統', 'b-系統']);
    assert.ok(p1.json.next_cursor);
    const p2 = await get('admin', `/api/v1/agencies/${agency}/systems?` +
      `limit=2&cursor=${p1.json.next_cursor}`);
    assert.deepEqual(p2.json.items.map((x) => x.name), ['c-系統']);
    assert.equal(p2.json.next_cursor, null);
    assertError(await get('admin', `/api/v1/agencies/${agency}/systems?` +
      'limit=0'), 400, 'invalid_query', 'limit');
    assertError(await get('admin', `/api/v1/agencies/${agency}/systems?` +
      'cursor=x'), 400, 'invalid_query', 'cursor');
  });

  it('PATCH changes logs and fields, checks the version, retires', async () => {
    const sy = await system('ca.window', 'ca', { logs: { web: {
      months_kept: 6 } } });
    const url = `/api/v1/agencies/ca/systems/${sy.id}`;
    const r = await patch('ca.window', url, {
      logs: { web: null, logon: { months_kept: 9, copy_elsewhere: true } },
      description: '新說明', version: 1 });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.version, 2);
    assert.equal(r.headers.etag, '"2"');
    assert.equal(r.json.logs.web, null, 'null removes a log type');
    assert.deepEqual(r.json.logs.logon, { months_kept: 9,
      copy_elsewhere: true });
    assert.equal(r.json.description, '新說明');
    assert.equal(r.json.name, sy.name, 'fields not sent are kept');
    // Stale, by body and by If-Match.
    assertError(await patch('ca.window', url, { version: 1,
      standby: 'standby' }), 409, 'version_conflict', 'version');
    assertError(await patch('ca.window', url, { standby: 'standby' },
      { 'If-Match': '"1"' }), 409, 'version_conflict', 'version');
    assertError(await patch('ca.window', url, { version: 2 },
      { 'If-Match': '"3"' }), 400, 'bad_request', 'If-Match');
    const same = await get('ca.window', url);
    assert.equal(same.json.version, 2, 'a refused PATCH changes nothing');
    assert.equal(same.json.standby, 'none');
    const other = await system('ca.window', 'ca');
    assertError(await patch('ca.window', url, { name: other.name }), 409,
      'conflict', 'name');
    assertError(await patch('ca.staff', url, { description: 'x' }), 403,
      'forbidden', null);
    assertError(await patch('dof.window', url, { description: 'x' }), 404,
      'not_found', null);
    // Retired, never deleted: out of the list and the compliance view.
    const ret = await patch('ca.window', url, { retired: true },
      { 'If-Match': '"2"' });
    assert.equal(ret.status, 200, show(ret));
    assert.equal(ret.json.retired, true);
    assert.ok(ret.json.retired_at);
    const list = await get('ca.window', '/api/v1/agencies/ca/systems?' +
      'limit=500');
    assert.ok(!list.json.items.some((x) => x.id === sy.id));
    const all = await get('ca.window', '/api/v1/agencies/ca/systems?' +
      'limit=500&include_retired=true');
    assert.ok(all.json.items.some((x) => x.id === sy.id));
    const view = await get('ca.window', '/api/v1/compliance/logs');
    assert.ok(!view.json.items.some((x) => x.id === sy.id));
    assert.equal((await get('ca.window', url)).json.retired, true);
    assertError(await call('ca.window', 'DELETE', url), 405,
      'method_not_allowed', null);
  });

  it('devices connected to a system', async () => {
    const sy = await system('ca.window', 'ca');
    const url = `/api/v1/systems/${sy.id}/devices`;
    const a = await post('ca.window', url, { name: 'db-01', kind: 'server',
      address: '10.0.0.5' });
    assert.equal(a.status, 201, show(a));
    assert.equal(a.json.system_id, sy.id);
    assert.equal(a.json.address, '10.0.0.5');
    assert.equal(a.headers.location, url);
    await post('ca.ciso', url, { name: 'app-01' });
    const l = await get('ca.staff', url);
    assert.equal(l.status, 200, show(l));
    assert.deepEqual(l.json.items.map((x) => x.name), ['app-01', 'db-01']);
    assertError(await post('ca.window', url, {}), 422, 'missing_field',
      'name');
    assertError(await post('ca.staff', url, { name: 'x' }), 403,
      'forbidden', null);
    assertError(await post('dof.window', url, { name: 'x' }), 404,
      'not_found', null);
    assertError(await get('dof.window', url), 404, 'not_found', null);
    assertError(await get('vendor.ca', url), 404, 'not_found', null);
    assertError(await get('ca.window', '/api/v1/systems/1/devices'), 404,
      'not_found', null);
    await patch('ca.window', `/api/v1/agencies/ca/systems/${sy.id}`,
      { retired: true });
    assertError(await post('ca.window', url, { name: 'late' }), 409,
      'conflict', null);
  });

  it('the compliance view lists systems short or missing, with counts',
    async () => {
    // Agencies of their own, so that other tests' systems do not count:
    // dist-xinyi and dist-daan are below ca; dot is not.
    await system('admin', 'dist-xinyi', { logs: FULL_LOGS });
    const shortOne = await system('admin', 'dist-xinyi', { logs: {
      ...FULL_LOGS, web: { months_kept: 3 } } });
    const missingOne = await system('admin', 'dist-xinyi', { logs: {
      os_event: FULL_LOGS.os_event } });
    const bothOne = await system('admin', 'dist-daan', { logs: {
      web: { months_kept: 1 } } });
    await system('admin', 'dist-daan', { logs: FULL_LOGS });
    const dot = await system('admin', 'dot', { logs: {} });

    const x = await get('ca.window', '/api/v1/compliance/logs?agency=' +
      'dist-xinyi');
    assert.equal(x.status, 200, show(x));
    assert.equal(x.json.agency, 'dist-xinyi');
    assert.equal(x.json.months_required, 6);
    assert.deepEqual(x.json.summary, { systems: 3, compliant: 1,
      non_compliant: 2 });
    assert.deepEqual(x.json.agencies, [{ agency: 'dist-xinyi', systems: 3,
      compliant: 1, non_compliant: 2, missing_type: 1,
      short_retention: 1 }]);
    assert.deepEqual(x.json.items.map((i) => i.id).sort(),
      [shortOne.id, missingOne.id].sort());
    const m = x.json.items.find((i) => i.id === missingOne.id);
    assert.deepEqual(m.compliance.missing, ['web', 'application', 'logon']);

    // ca's window sees its subtree, not dot; DoIT sees the city.
    const mine = await get('ca.window', '/api/v1/compliance/logs');
    assert.equal(mine.status, 200);
    assert.equal(mine.json.agency, null);
    const codes = mine.json.agencies.map((a) => a.agency);
    assert.ok(codes.includes('dist-xinyi') && codes.includes('dist-daan'));
    assert.ok(!codes.includes('dot'), 'another agency is out of scope');
    assert.ok(!mine.json.items.some((i) => i.id === dot.id));
    const daan = mine.json.agencies.find((a) => a.agency === 'dist-daan');
    assert.deepEqual(daan, { agency: 'dist-daan', systems: 2, compliant: 1,
      non_compliant: 1, missing_type: 1, short_retention: 1 });
    assert.ok(mine.json.items.some((i) => i.id === bothOne.id));
    // The summary is the sum of the per-agency counts.
    const sum = mine.json.agencies.reduce((t, a) => t + a.systems, 0);
    assert.equal(mine.json.summary.systems, sum);
    assert.equal(mine.json.items.length, mine.json.summary.non_compliant);

    const city = await get('doit.reviewer', '/api/v1/compliance/logs');
    assert.equal(city.status, 200);
    const dotRow = city.json.agencies.find((a) => a.agency === 'dot');
    assert.deepEqual(dotRow, { agency: 'dot', systems: 1, compliant: 0,
      non_compliant: 1, missing_type: 1, short_retention: 0 });
    assert.ok(city.json.summary.systems >= mine.json.summary.systems + 1);

    // Narrowing to an agency outside one's scope, or unknown: 404.
    assertError(await get('ca.window', '/api/v1/compliance/logs?agency=dot'),
      404, 'not_found', null);
    assertError(await get('admin', '/api/v1/compliance/logs?agency=zz'),
      404, 'not_found', null);
    // A vendor's view is empty.
    const v = await get('vendor.ca', '/api/v1/compliance/logs');
    assert.equal(v.status, 200);
    assert.deepEqual(v.json.items, []);
    assert.equal(v.json.summary.systems, 0);
  });
});

// --- P26: outsourcing contracts -------------------------------------------

describe('P26 outsourcing contracts', () => {
  it('records a contract with its clauses and what is missing', async () => {
    const r = await post('ca.window', '/api/v1/agencies/ca/contracts', {
      vendor: '甲資訊公司', title: '戶政系統維運', starts_on: '2026-01-01',
      ends_on: '2027-12-31',
      clauses: { reporting: true, log_retention: true },
    });
    assert.equal(r.status, 201, show(r));
    const k = r.json;
    assert.equal(r.headers.location, `/api/v1/agencies/ca/contracts/${k.id}`);
    assert.deepEqual(k.clauses, { reporting: true, log_retention: true,
      evidence_preservation: false, backup: false });
    assert.deepEqual(k.missing_clauses, ['evidence_preservation', 'backup']);
    assert.equal(k.complete, false);
    const url = `/api/v1/agencies/ca/contracts/${k.id}`;
    assert.deepEqual((await get('ca.staff', url)).json, k);
    const p = await patch('ca.ciso', url, { clauses: {
      evidence_preservation: true, backup: true }, version: 1 });
    assert.equal(p.status, 200, show(p));
    assert.equal(p.json.complete, true);
    assert.equal(p.json.clauses.reporting, true, 'clauses not sent stay');
    assert.equal(p.json.version, 2);
    assertError(await patch('ca.ciso', url, { title: 'x', version: 1 }),
      409, 'version_conflict', 'version');
    const open = await patch('ca.ciso', url, { ends_on: '' });
    assert.equal(open.json.ends_on, null, 'an empty ends_on: open-ended');
    const list = await get('ca.window', '/api/v1/agencies/ca/contracts');
    assert.ok(list.json.items.some((x) => x.id === k.id));
  });

  it('refuses bad dates, clauses and scope', async () => {
    const url = '/api/v1/agencies/ca/contracts';
    const base = { vendor: 'v', title: 't', starts_on: '2026-03-01' };
    const rows = [
      [{ ...base, starts_on: '2026-02-30' }, 422, 'invalid_field',
        'starts_on'],
      [{ ...base, starts_on: '2026/03/01' }, 422, 'invalid_field',
        'starts_on'],
      [{ ...base, ends_on: '2026-02-28' }, 422, 'invalid_field', 'ends_on'],
      [{ ...base, clauses: { insurance: true } }, 422, 'unknown_field',
        'clauses.insurance'],
      [{ ...base, clauses: { backup: 'yes' } }, 422, 'invalid_field',
        'clauses.backup'],
      [{ vendor: 'v', title: 't' }, 422, 'missing_field', 'starts_on'],
    ];
    for (const [body, status, code, field] of rows) {
      assertError(await post('ca.window', url, body), status, code, field,
        JSON.stringify(body));
    }
    assertError(await post('ca.staff', url, base), 403, 'forbidden', null);
    assertError(await post('dof.window', url, base), 404, 'not_found', null);
    assertError(await get('vendor.ca', url), 404, 'not_found', null);
    const k = (await post('ca.window', url, base)).json;
    assertError(await get('dof.window', `${url}/${k.id}`), 404, 'not_found',
      null);
    assertError(await get('admin', `/api/v1/agencies/dof/contracts/${k.id}`),
      404, 'not_found', null);
  });

  it('the view lists contracts missing clauses, with counts', async () => {
    const url = '/api/v1/agencies/dist-wenshan/contracts';
    const today = nowMs();
    await post('admin', url, { vendor: 'a', title: 'full',
      starts_on: '2025-01-01', clauses: { reporting: true,
        log_retention: true, evidence_preservation: true, backup: true } });
    const noBackup = (await post('admin', url, { vendor: 'b',
      title: 'no backup', starts_on: '2025-01-01', clauses: {
        reporting: true, log_retention: true,
        evidence_preservation: true } })).json;
    const none = (await post('admin', url, { vendor: 'c', title: 'none',
      starts_on: '2025-01-01' })).json;
    const ended = (await post('admin', url, { vendor: 'd', title: 'ended',
      starts_on: '2024-01-01', ends_on: tdate(today - 2 * DAY) })).json;
    assert.equal(ended.ended, true);
    const v = await get('ca.window', '/api/v1/compliance/contracts?' +
      'agency=dist-wenshan');
    assert.equal(v.status, 200, show(v));
    assert.deepEqual(v.json.summary, { contracts: 3, complete: 1,
      missing_clauses: 2 });
    assert.deepEqual(v.json.agencies, [{ agency: 'dist-wenshan',
      contracts: 3, complete: 1, missing_clauses: 2, missing_reporting: 1,
      missing_log_retention: 1, missing_evidence_preservation: 1,
      missing_backup: 2 }]);
    assert.deepEqual(v.json.items.map((x) => x.id).sort(),
      [noBackup.id, none.id].sort());
    const all = await get('ca.window', '/api/v1/compliance/contracts?' +
      'agency=dist-wenshan&include_ended=true');
    assert.equal(all.json.summary.contracts, 4);
    assert.ok(all.json.items.some((x) => x.id === ended.id));
    assertError(await get('dof.window', '/api/v1/compliance/contracts?' +
      'agency=dist-wenshan'), 404, 'not_found', null);
    assertError(await get('dof.window', '/api/v1/compliance/contracts?' +
      'include_ended=perhaps'), 400, 'invalid_query', 'include_ended');
  });
});

// --- P25: preservation ------------------------------------------------------

describe('P25 preservation paths', () => {
  let inc;
  before(async () => { inc = await incident('ca.window', 'ca'); });

  it('guides through the path and marks steps out of order', async () => {
    const r = await post('ca.staff', `/api/v1/incidents/${inc}/preservation`,
      { system: '網站主機', path: 'no_standby' });
    assert.equal(r.status, 201, show(r));
    const p = r.json;
    assert.equal(r.headers.location,
      `/api/v1/incidents/${inc}/preservation/${p.id}`);
    assert.equal(p.path, 'no_standby');
    assert.deepEqual(p.steps.map((x) => x.step), ['disconnect',
      'stop_services', 'restrict_access', 'limited_patching',
      'image_storage', 'rebuild', 'test', 'serve']);
    assert.equal(p.next, 'disconnect');
    assert.equal(p.complete, false);
    const steps = `/api/v1/incidents/${inc}/preservation/${p.id}/steps`;
    const t0 = nowMs() - HOUR;
    // Imaging recorded before isolation: kept, but marked.
    let v = await post('ca.staff', steps, { step: 'image_storage',
      at: tp(t0), note: 'dd 映像' });
    assert.equal(v.status, 201, show(v));
    let img = v.json.steps.find((x) => x.step === 'image_storage');
    assert.equal(img.done, true);
    assert.equal(img.out_of_order, true);
    assert.equal(img.note, 'dd 映像');
    assert.equal(img.recorded_by, 'ca.staff');
    assert.equal(v.json.next, 'disconnect');
    assert.equal(v.json.out_of_order, 1);
    // Isolation recorded later, but as done before: then it is in order.
    v = await post('ca.window', steps, { step: 'disconnect',
      at: tp(t0 - MIN) });
    img = v.json.steps.find((x) => x.step === 'image_storage');
    assert.equal(img.out_of_order, false);
    assert.equal(v.json.next, 'rebuild');
    for (const [i, step] of ['rebuild', 'test', 'serve'].entries()) {
      v = await post('ca.ciso', steps, { step, at: tp(t0 + (i + 1) * MIN) });
      assert.equal(v.status, 201, show(v));
    }
    assert.equal(v.json.complete, true);
    assert.equal(v.json.next, null);
    assert.equal(v.json.out_of_order, 0);
    // Already done; not on this path; in the future; unknown: refused.
    assertError(await post('ca.staff', steps, { step: 'test' }), 409,
      'conflict', 'step');
    assertError(await post('ca.staff', steps, { step: 'fail_over' }), 422,
      'invalid_field', 'step');
    assertError(await post('ca.staff', steps, { step: 'stop_services',
      at: tp(Date.now() + HOUR) }), 422, 'invalid_field', 'at');
    assertError(await post('ca.staff', steps, { step: 'reboot' }), 422,
      'invalid_field', 'step');
    const one = await get('ca.staff', `/api/v1/incidents/${inc}/` +
      `preservation/${p.id}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.json, v.json);
  });

  it('takes the path that fits a registered system', async () => {
    const none = await system('ca.window', 'ca', { standby: 'none' });
    const hot = await system('ca.window', 'ca', { standby: 'standby' });
    const url = `/api/v1/incidents/${inc}/preservation`;
    let r = await post('ca.staff', url, { system_id: hot.id });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.json.path, 'standby');
    assert.equal(r.json.system, hot.name);
    assert.equal(r.json.system_id, hot.id);
    assert.ok(r.json.steps.some((x) => x.step === 'switch_back'));
    r = await post('ca.staff', url, { system_id: hot.id,
      standby_hit: true });
    assert.equal(r.json.path, 'standby_hit');
    assert.deepEqual(r.json.steps.slice(4).map((x) => x.step),
      ['keep_minimum', 'preserve_evidence']);
    r = await post('ca.staff', url, { system_id: none.id });
    assert.equal(r.json.path, 'no_standby');
    assertError(await post('ca.staff', url, { system_id: none.id,
      path: 'standby' }), 422, 'rule_violation', 'path');
    assertError(await post('ca.staff', url, { system_id: none.id }), 409,
      'conflict', 'system');
    assertError(await post('ca.staff', url, { path: 'standby' }), 422,
      'missing_field', 'system');
    assertError(await post('ca.staff', url, { system: 'x' }), 422,
      'missing_field', 'path');
    assertError(await post('ca.staff', url, { system: 'x',
      path: 'cold' }), 422, 'invalid_field', 'path');
    const dofSys = await system('dof.window', 'dof');
    assertError(await post('ca.staff', url, { system_id: dofSys.id }), 422,
      'invalid_field', 'system_id');
    const l = await get('ca.window', url);
    assert.equal(l.status, 200);
    assert.ok(l.json.items.length >= 4);
    assert.equal(l.json.next_cursor, null);
  });

  it('scope and roles', async () => {
    const url = `/api/v1/incidents/${inc}/preservation`;
    assertError(await post('dof.window', url, { system: 'x',
      path: 'no_standby' }), 404, 'not_found', null);
    assertError(await get('dof.window', url), 404, 'not_found', null);
    assertError(await get('vendor.ca', url), 404, 'not_found', null);
    assertError(await post('doit.reviewer', url, { system: 'x',
      path: 'no_standby' }), 403, 'forbidden', null);
    assert.equal((await get('doit.reviewer', url)).status, 200);
    assertError(await get('ca.window', '/api/v1/incidents/1/preservation'),
      404, 'not_found', null);
    const other = await incident('dof.window', 'dof');
    const p = (await post('dof.window',
      `/api/v1/incidents/${other}/preservation`, { system: 'y',
        path: 'no_standby' })).json;
    // A path of another incident is not found under this one.
    assertError(await get('ca.window', `${url}/${p.id}`), 404, 'not_found',
      null);
    assertError(await post('ca.window', `${url}/${p.id}/steps`,
      { step: 'disconnect' }), 404, 'not_found', null);
  });
});

// --- P27: evidence ------------------------------------------------------

describe('P27 evidence files', () => {
  let inc;
  let dofInc;
  before(async () => {
    inc = await incident('ca.window', 'ca');
    dofInc = await incident('dof.window', 'dof');
  });

  it('stores an upload by its hash, answering {id, name, size, sha256}',
    async () => {
    const body = crypto.randomBytes(1024 * 1024 + 3);
    const r = await upload('ca.staff', inc, 'web-access.log', body);
    assert.equal(r.status, 201, show(r));
    for (const k of ['id', 'name', 'size', 'sha256']) {
      assert.ok(k in r.json, `the answer has ${k}`);
    }
    assert.equal(r.json.name, 'web-access.log');
    assert.equal(r.json.size, body.length);
    assert.equal(r.json.sha256, sha(body));
    assert.equal(r.json.stored, true);
    assert.equal(r.json.collected_by, 'ca.staff');
    assert.equal(r.headers.location, `/api/v1/evidence/${r.json.id}`);
    assert.ok(fs.readFileSync(objectPath(sha(body))).equals(body));
    await tmpEmpty();
    // The chain of custody starts with the upload.
    const g = await get('ca.window', `/api/v1/evidence/${r.json.id}`);
    assert.equal(g.status, 200, show(g));
    assert.equal(g.json.holder, 'tongbao');
    assert.deepEqual(g.json.custody.map((x) => [x.seq, x.kind, x.from,
      x.to]), [[1, 'uploaded', 'ca.staff', 'tongbao']]);
    const l = await get('ca.window', `/api/v1/incidents/${inc}/evidence`);
    assert.ok(l.json.items.some((x) => x.id === r.json.id));
  });

  it('serves a download only as an attachment, after checking the hash',
    async () => {
    const body = Buffer.from('<html><script>alert(1)</script></html>');
    const up = await upload('ca.window', inc, '報告 "最終".html', body);
    assert.equal(up.status, 201, show(up));
    const d = await get('doit.reviewer', `/api/v1/evidence/${up.json.id}/` +
      'content');
    assert.equal(d.status, 200, show(d));
    assert.ok(d.body.equals(body));
    assert.equal(d.headers['content-type'], 'application/octet-stream');
    assert.equal(d.headers['content-disposition'],
      "attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%20%22%E6%9C%80%E7%B5" +
      '%82%22.html');
    assert.equal(d.headers['x-content-type-options'], 'nosniff');
    assert.equal(d.headers['cache-control'], 'no-store');
    assert.equal(d.headers['x-evidence-sha256'], sha(body));
    // Who took a copy: the chain of custody and the audit trail.
    const g = await get('ca.window', `/api/v1/evidence/${up.json.id}`);
    const last = g.json.custody.at(-1);
    assert.equal(last.kind, 'download');
    assert.equal(last.to, 'doit.reviewer');
    assert.equal(g.json.holder, 'tongbao', 'a download moves nothing');
    const audit = await auditAll();
    assert.ok(audit.some((a) => a.action === 'evidence.download' &&
      a.actor === 'doit.reviewer' && a.object_id === String(up.json.id)));
  });

  it('refuses names with a path or control characters, storing nothing',
    async () => {
    const body = crypto.randomBytes(2000);
    const objects = objectFiles();
    const count = (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=500`)).json.items.length;
    const bad = ['../etc/passwd', 'dir/a.txt', 'C:\\x\\a.exe', '..',
      'a..b', 'line\nbreak', 'bell\u0007', 'tab\tname', 'x'.repeat(256),
      '證'.repeat(86), 'invoice\u202Egpj.exe', ''];
    for (const name of bad) {
      assertError(await upload('ca.window', inc, name, body), 422,
        'invalid_field', 'name', JSON.stringify(name));
    }
    // Encoded bytes that are no text, a NUL, and no name at all.
    for (const q of ['%FF%FE', 'a%00b', 'x'.repeat(2000)]) {
      const r = await call('ca.window', 'POST',
        `/api/v1/incidents/${inc}/evidence?name=${q}`, body);
      assertError(r, 422, 'invalid_field', 'name', q.slice(0, 20));
    }
    assertError(await call('ca.window', 'POST',
      `/api/v1/incidents/${inc}/evidence`, body), 422, 'missing_field',
    'name');
    await tmpEmpty();
    assert.deepEqual(objectFiles(), objects, 'nothing stored');
    const now = (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=500`)).json.items.length;
    assert.equal(now, count);
    // 255 bytes exactly is a name.
    const ok = await upload('ca.window', inc, 'y'.repeat(255), body);
    assert.equal(ok.status, 201, show(ok));
  });

  it('refuses an upload over the limit before reading it', async () => {
    const objects = objectFiles();
    const t = await token('ca.window');
    const res = (await s.raw(
      `POST /api/v1/incidents/${inc}/evidence?name=big.bin HTTP/1.1\r\n` +
      `Host: x\r\nAuthorization: Bearer ${t}\r\n` +
      `Content-Length: ${MAX + 1}\r\n\r\n`, { untilResponse: true }))
      .response;
    assertError(res, 413, 'body_too_large', null, 'over the limit');
    // Chunked, growing past the limit: cut off, nothing kept.
    const got = await new Promise((resolve) => {
      const sock = net.connect(s.port, '127.0.0.1', () => {
        sock.write(`POST /api/v1/incidents/${inc}/evidence?name=big.bin ` +
          `HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\n` +
          'Transfer-Encoding: chunked\r\n\r\n');
        const chunk = crypto.randomBytes(1024 * 1024);
        let sent = 0;
        const pump = () => {
          if (sent > MAX + 2 * 1024 * 1024 || sock.destroyed) return;
          sent += chunk.length;
          sock.write(`${chunk.length.toString(16)}\r\n`);
          sock.write(chunk);
          sock.write('\r\n', pump);
        };
        pump();
      });
      let data = '';
      sock.on('data', (c) => { data += c; });
      sock.on('error', () => resolve({ closed: true, data }));
      sock.on('close', () => resolve({ closed: true, data }));
      setTimeout(() => { sock.destroy(); resolve({ closed: false, data }); },
        15000);
    });
    assert.ok(got.closed, 'the server hangs up on an over-limit upload');
    assert.ok(!/^HTTP\/1\.1 201/.test(got.data), 'must not be stored');
    await tmpEmpty();
    assert.deepEqual(objectFiles(), objects);
  });

  it('an upload cut off half-way leaves nothing behind', async () => {
    const objects = objectFiles();
    const count = (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=500`)).json.items.length;
    const t = await token('ca.window');
    await new Promise((resolve, reject) => {
      const sock = net.connect(s.port, '127.0.0.1', () => {
        sock.write(`POST /api/v1/incidents/${inc}/evidence?name=half.bin ` +
          `HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t}\r\n` +
          'Content-Length: 2000000\r\n\r\n');
        sock.write(crypto.randomBytes(700000), () => {
          setTimeout(() => { sock.destroy(); resolve(); }, 200);
        });
      });
      sock.on('error', reject);
    });
    await tmpEmpty();
    assert.deepEqual(objectFiles(), objects);
    const now = (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=500`)).json.items.length;
    assert.equal(now, count, 'no half-stored item');
    assert.equal((await s.get('/healthz')).status, 200);
  });

  it('a stored file whose hash no longer matches is reported, not served',
    async () => {
    const body = crypto.randomBytes(64 * 1024);
    const h = sha(body);
    const up = await upload('ca.window', inc, 'memory.dmp', body);
    assert.equal(up.status, 201, show(up));
    const file = objectPath(h);
    fs.chmodSync(file, 0o600);
    const bad = Buffer.from(body);
    bad[100] ^= 0xff;
    fs.writeFileSync(file, bad);
    const d = await get('ca.window', `/api/v1/evidence/${up.json.id}/content`);
    assertError(d, 409, 'evidence_corrupt', null);
    assert.ok(!d.body.equals(bad));
    // Cut short: the same.
    fs.writeFileSync(file, body.subarray(0, 1000));
    assertError(await get('ca.window', `/api/v1/evidence/${up.json.id}/` +
      'content'), 409, 'evidence_corrupt', null);
    const audit = await auditAll();
    const found = audit.filter((a) => a.action === 'evidence.corrupt' &&
      a.object_id === String(up.json.id));
    assert.equal(found.length, 2, 'each failed check is audited');
    assert.equal(found[0].after.expected_sha256, h);
    assert.equal(found[0].after.found_sha256, sha(bad));
    assert.equal(found[1].after.reason, 'size');
    // No download entered the chain.
    const g = await get('ca.window', `/api/v1/evidence/${up.json.id}`);
    assert.ok(!g.json.custody.some((x) => x.kind === 'download'));
    // The same file uploaded again replaces the bad copy; both items are
    // whole again.
    const again = await upload('ca.staff', inc, 'memory-again.dmp', body);
    assert.equal(again.status, 201, show(again));
    const ok = await get('ca.window', `/api/v1/evidence/${up.json.id}/` +
      'content');
    assert.equal(ok.status, 200, show(ok));
    assert.ok(ok.body.equals(body));
    assert.ok(fs.readdirSync(path.dirname(file)).some((n) =>
      n.startsWith(`${h}.corrupt-`)), 'the bad copy is kept aside');
  });

  it('an upload repeated with its Idempotency-Key is stored once',
    async () => {
    const body = crypto.randomBytes(10000);
    const h = { 'Content-Type': 'application/octet-stream',
      'Idempotency-Key': uniq('phone-retry') };
    const url = `/api/v1/incidents/${inc}/evidence?name=photo.jpg`;
    const count = async () => (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=500`)).json.items.length;
    const n = await count();
    const a = await call('ca.window', 'POST', url, body, h);
    assert.equal(a.status, 201, show(a));
    const b = await call('ca.window', 'POST', url, body, h);
    assert.equal(b.status, 201, show(b));
    assert.equal(b.headers['idempotent-replayed'], 'true');
    assert.deepEqual(b.json, a.json);
    assert.equal(b.headers.location, a.headers.location);
    assert.equal(await count(), n + 1, 'stored once');
    // The same key with another file is refused, nothing stored.
    assertError(await call('ca.window', 'POST', url,
      crypto.randomBytes(10000), h), 422, 'idempotency_key_reused',
    'Idempotency-Key');
    assertError(await call('ca.window', 'POST', url, body,
      { ...h, 'Idempotency-Key': 'has space' }), 400, 'bad_request',
    'Idempotency-Key');
    assert.equal(await count(), n + 1);
    await tmpEmpty();
    // JSON routes too: a hand-over sent twice is one entry.
    const it1 = (await post('ca.staff', `/api/v1/incidents/${inc}/` +
      'evidence-items', { what: 'usb', where: 'safe', collected_by: 'lin',
      collected_at: tp(nowMs() - HOUR), sha256: 'c'.repeat(64) })).json;
    const hk = { 'Idempotency-Key': uniq('handover') };
    const hb = { to: 'lab', at: tp(nowMs()), purpose: 'analysis' };
    const x = await post('ca.staff', `/api/v1/evidence/${it1.id}/custody`,
      hb, hk);
    const y = await post('ca.staff', `/api/v1/evidence/${it1.id}/custody`,
      hb, hk);
    assert.equal(x.status, 201, show(x));
    assert.equal(y.status, 201, show(y));
    assert.equal(y.headers['idempotent-replayed'], 'true');
    const g = await get('ca.staff', `/api/v1/evidence/${it1.id}`);
    assert.equal(g.json.custody.length, 2);
  });

  it('scope: another agency\'s incident is 404 and nothing is stored',
    async () => {
    const objects = objectFiles();
    const body = crypto.randomBytes(5000);
    assertError(await upload('ca.window', dofInc, 'x.bin', body), 404,
      'not_found', null);
    assertError(await upload('ca.window', 1, 'x.bin', body), 404,
      'not_found', null);
    await tmpEmpty();
    assert.deepEqual(objectFiles(), objects);
    // Refused on its headers: no role to upload.
    const t = await token('doit.reviewer');
    const res = (await s.raw(
      `POST /api/v1/incidents/${inc}/evidence?name=a HTTP/1.1\r\n` +
      `Host: x\r\nAuthorization: Bearer ${t}\r\n` +
      'Content-Length: 1000000\r\n\r\n', { untilResponse: true })).response;
    assertError(res, 403, 'forbidden', null);
    const up = await upload('dof.window', dofInc, 'dof.bin', body);
    assert.equal(up.status, 201, show(up));
    assertError(await get('ca.window', `/api/v1/evidence/${up.json.id}`),
      404, 'not_found', null);
    assertError(await get('ca.window', `/api/v1/evidence/${up.json.id}/` +
      'content'), 404, 'not_found', null);
    assertError(await get('ca.window',
      `/api/v1/incidents/${dofInc}/evidence`), 404, 'not_found', null);
    assertError(await post('ca.window', `/api/v1/evidence/${up.json.id}/` +
      'custody', { to: 'me', at: tp(nowMs()), purpose: 'x' }), 404,
    'not_found', null);
    assertError(await get('vendor.ca', `/api/v1/incidents/${inc}/evidence`),
      404, 'not_found', null);
    const mine = (await get('ca.window',
      `/api/v1/incidents/${inc}/evidence?limit=1`)).json.items[0];
    assertError(await get('vendor.ca', `/api/v1/evidence/${mine.id}`), 404,
      'not_found', null);
    assertError(await get('vendor.ca', `/api/v1/evidence/${mine.id}/` +
      'content'), 404, 'not_found', null);
    // DoIT reads across agencies; the superior viewer of doe does not see
    // ca's evidence.
    assert.equal((await get('doit.reviewer',
      `/api/v1/evidence/${up.json.id}`)).status, 200);
    assertError(await get('doe.viewer', `/api/v1/evidence/${mine.id}`), 404,
      'not_found', null);
  });
});

describe('P27 items held elsewhere, custody and malware', () => {
  let inc;
  before(async () => { inc = await incident('ca.window', 'ca'); });

  async function item(fields = {}) {
    const r = await post('ca.staff', `/api/v1/incidents/${inc}/` +
      'evidence-items', {
      what: '防火牆記錄硬碟', where: '資訊室保險櫃 A-3', collected_by: '王小明',
      collected_at: tp(nowMs() - 3 * HOUR), sha256: 'AB'.repeat(32),
      size: 500107862016, ...fields,
    });
    assert.equal(r.status, 201, show(r));
    return r.json;
  }

  it('records an item held elsewhere; its chain starts with its collector',
    async () => {
    const it1 = await item({ name: 'fw-disk.E01' });
    assert.equal(it1.stored, false);
    assert.equal(it1.sha256, 'ab'.repeat(32), 'the hash is kept lower-case');
    assert.equal(it1.size, 500107862016);
    assert.equal(it1.where, '資訊室保險櫃 A-3');
    assert.equal(it1.content_url, undefined);
    assert.equal(it1.holder, '王小明');
    assert.deepEqual(it1.custody.map((x) => [x.kind, x.from, x.to]),
      [['collected', null, '王小明']]);
    assertError(await get('ca.window', `/api/v1/evidence/${it1.id}/content`),
      404, 'not_found', null);
    const url = `/api/v1/incidents/${inc}/evidence-items`;
    const base = { what: 'w', where: 'x', collected_by: 'y',
      collected_at: tp(nowMs() - HOUR), sha256: 'a'.repeat(64) };
    const rows = [
      [{ ...base, sha256: 'a'.repeat(63) }, 'invalid_field', 'sha256'],
      [{ ...base, sha256: 'g'.repeat(64) }, 'invalid_field', 'sha256'],
      [{ ...base, collected_at: tp(Date.now() + DAY) }, 'invalid_field',
        'collected_at'],
      [{ ...base, collected_at: '2026-01-01 10:00' }, 'invalid_field',
        'collected_at'],
      [{ ...base, name: 'a/b' }, 'invalid_field', 'name'],
      [{ ...base, size: -1 }, 'invalid_field', 'size'],
      [{ what: 'w', where: 'x', collected_by: 'y', sha256: 'a'.repeat(64) },
        'missing_field', 'collected_at'],
    ];
    for (const [body, code, field] of rows) {
      assertError(await post('ca.staff', url, body), 422, code, field,
        JSON.stringify(body));
    }
    const other = await incident('dof.window', 'dof');
    assertError(await post('ca.staff', `/api/v1/incidents/${other}/` +
      'evidence-items', base), 404, 'not_found', null);
    // The commander (ca.ciso) may record evidence too.
    const byCiso = await post('ca.ciso', url, base);
    assert.equal(byCiso.status, 201, show(byCiso));
  });

  it('custody is only appended, from the holder, in time order', async () => {
    const it1 = await item();
    const url = `/api/v1/evidence/${it1.id}/custody`;
    const t = nowMs();
    const a = await post('ca.staff', url, { to: '鑑識實驗室 陳大文',
      at: tp(t - 2 * HOUR), purpose: '鑑識分析' });
    assert.equal(a.status, 201, show(a));
    assert.equal(a.json.holder, '鑑識實驗室 陳大文');
    assert.deepEqual(a.json.custody.map((x) => [x.seq, x.kind, x.from,
      x.to]), [[1, 'collected', null, '王小明'],
      [2, 'handover', '王小明', '鑑識實驗室 陳大文']]);
    assert.equal(a.json.custody[1].purpose, '鑑識分析');
    assert.equal(a.json.custody[1].recorded_by, 'ca.staff');
    assertError(await post('ca.staff', url, { from: '王小明', to: 'z',
      at: tp(t - HOUR), purpose: 'p' }), 409, 'conflict', 'from');
    assertError(await post('ca.staff', url, { to: 'z',
      at: tp(t - 3 * HOUR), purpose: 'p' }), 409, 'conflict', 'at');
    assertError(await post('ca.staff', url, { to: '鑑識實驗室 陳大文',
      at: tp(t - HOUR), purpose: 'p' }), 422, 'invalid_field', 'to');
    assertError(await post('ca.staff', url, { to: 'z',
      at: tp(Date.now() + HOUR), purpose: 'p' }), 422, 'invalid_field',
    'at');
    assertError(await post('ca.staff', url, { to: 'z', purpose: 'p' }),
      422, 'missing_field', 'at');
    assertError(await post('doit.reviewer', url, { to: 'z', at: tp(t),
      purpose: 'p' }), 403, 'forbidden', null);
    // Append-only: no route changes or removes an entry.
    for (const m of ['PATCH', 'PUT', 'DELETE']) {
      const r = await call('ca.window', m, url, m === 'DELETE' ? undefined
        : { to: 'x' });
      assert.equal(r.status, 405, `${m} custody:\n${show(r)}`);
    }
    const b = await post('ca.window', url, { from: '鑑識實驗室 陳大文',
      to: '資訊室保險櫃', at: tp(t - HOUR), purpose: '歸還' });
    assert.equal(b.status, 201, show(b));
    assert.equal(b.json.custody.length, 3);
    assert.deepEqual(b.json.custody.slice(0, 2), a.json.custody,
      'earlier entries are unchanged');
    const audit = await auditAll();
    assert.equal(audit.filter((x) => x.action === 'evidence.custody' &&
      x.object_id === String(it1.id)).length, 2);
  });

  it('suspected malware carries the P27 warning and its VirusCheck record',
    async () => {
    const it1 = await item();
    assert.equal(it1.warning, undefined);
    const url = `/api/v1/evidence/${it1.id}/suspected-malware`;
    let r = await post('ca.staff', url, {});
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.suspected_malware, true);
    assert.match(r.json.warning, WARN_ZH);
    assert.equal(r.json.virus_check, null);
    r = await post('ca.staff', url, {}, { 'Accept-Language': 'en' });
    assert.match(r.json.warning, WARN_EN);
    const at = tp(nowMs() - MIN);
    assertError(await post('ca.staff', url, { reference: 'VC-1' }), 422,
      'missing_field', 'submitted_at');
    assertError(await post('ca.staff', url, { submitted_at: at }), 422,
      'missing_field', 'reference');
    assertError(await post('ca.staff', url, { submitted_at:
      tp(Date.now() + DAY), reference: 'VC-1' }), 422, 'invalid_field',
    'submitted_at');
    r = await post('ca.staff', url, { submitted_at: at,
      reference: 'VC-20261125-0001' });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json.virus_check, { submitted_at: at,
      reference: 'VC-20261125-0001' });
    assert.equal((await post('ca.staff', url, { submitted_at: at,
      reference: 'VC-20261125-0001' })).status, 200, 'the same again is fine');
    assertError(await post('ca.staff', url, { submitted_at: at,
      reference: 'VC-OTHER' }), 409, 'conflict', 'reference');
    const g = await get('doit.reviewer', `/api/v1/evidence/${it1.id}`,
      { 'Accept-Language': 'en' });
    assert.match(g.json.warning, WARN_EN);
    assert.equal(g.json.virus_check.reference, 'VC-20261125-0001');
    // Marked at upload, the answer warns at once.
    const up = await upload('ca.window', inc, 'dropper.exe',
      Buffer.from('MZ not really'), '&suspected_malware=true');
    assert.equal(up.status, 201, show(up));
    assert.equal(up.json.suspected_malware, true);
    assert.match(up.json.warning, WARN_ZH);
    assertError(await post('dof.window', url, {}), 404, 'not_found', null);
    assertError(await post('doit.reviewer', url, {}), 403, 'forbidden', null);
  });
});

describe('the audit trail records every change', () => {
  it('systems, devices, contracts, preservation and evidence', async () => {
    const audit = await auditAll();
    const actions = new Set(audit.map((a) => a.action));
    for (const a of ['system.create', 'system.update', 'device.create',
      'contract.create', 'contract.update', 'preservation.create',
      'preservation.step', 'evidence.create', 'evidence.download',
      'evidence.corrupt', 'evidence.custody', 'evidence.malware']) {
      assert.ok(actions.has(a), `no ${a} in the audit trail`);
    }
  });
});
