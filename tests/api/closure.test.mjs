// After the fire (issue 5 §3-§7; P28-P33): the root cause, improvement
// actions and their P29 windows, the progress reports they end, the closure
// and its preconditions, DoIT's investigation report, lessons learned,
// signed records that a later change voids, the oversight list with its CSV
// and XLSX exports, and the printed record as HTML and PDF.  Black-box
// against the real binary on a database loaded with `tongbao demo`; the
// demo people sign in with their password.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/closure.test.mjs

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';

import { assertError, show } from './lib/expect.mjs';
import { initDb, runCli, startServer, tempDir } from './lib/server.mjs';
import { DEMO_PASSWORD, signIn } from './lib/session.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

// An instant as RFC 3339 in Taipei time, to the second.
function tp(ms) {
  return `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
}

// The Taipei date of an instant, YYYY-MM-DD.
function tdate(ms) {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
}

// The Taipei date n months after that of ms, the day kept at most 28 so
// that every month has it.
function plusMonths(ms, n) {
  const d = new Date(ms + 8 * HOUR);
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n,
    Math.min(d.getUTCDate(), 28)));
  return t.toISOString().slice(0, 10);
}

// Now, to the second, minus a margin so that "now" is never the server's
// future.
function nowMs() {
  return Math.floor(Date.now() / 1000) * 1000 - 2000;
}

let s;
const who = {};

before(async () => {
  const db = path.join(tempDir(), 'closure.db');
  await initDb(db);
  const d = await runCli(['demo', '--db', db]);
  assert.equal(d.code, 0, d.stderr);
  s = await startServer({ db });
  for (const u of ['ca.window', 'ca.ciso', 'ca.staff', 'doit.reviewer',
    'dist-songshan.window']) {
    who[u] = await signIn(s, u, DEMO_PASSWORD);
  }
});

after(async () => { if (s) await s.stop(); });

const get = (u, url) => who[u].get(url);
const post = (u, url, body) => who[u].post(url, body);
const patch = (u, url, body) => who[u].patch(url, body);
const put = (u, url, body) => who[u].request('PUT', url, { body });

// A GET whose body is kept as bytes (files).
function getRaw(u, url) {
  return s.request('GET', url, { headers: { Cookie: who[u].cookie } });
}

async function create(fields) {
  const r = await post('ca.window', '/api/v1/incidents', {
    agency: 'ca', title: '民政局網站遭植入惡意程式', category: 'intrusion',
    ...fields });
  assert.equal(r.status, 201, show(r));
  return r.json;
}

async function event(u, id, body) {
  const r = await post(u, `/api/v1/incidents/${id}/events`, body);
  assert.equal(r.status, 201, `${body.type} by ${u}:\n${show(r)}`);
  return r.json;
}

async function improvement(id, body) {
  const r = await post('ca.ciso', `/api/v1/incidents/${id}/improvements`,
    body);
  assert.equal(r.status, 201, show(r));
  return r.json;
}

async function improvements(id, u = 'ca.window') {
  const r = await get(u, `/api/v1/incidents/${id}/improvements`);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

async function signatures(id, u = 'ca.window') {
  const r = await get(u, `/api/v1/incidents/${id}/signatures`);
  assert.equal(r.status, 200, show(r));
  return Object.fromEntries(r.json.items.map((x) => [x.record, x]));
}

async function sign(u, id, record, role) {
  const body = role ? { record, role } : { record };
  return post(u, `/api/v1/incidents/${id}/signatures`, body);
}

// Reads the entries of a zip archive (central directory, stored or
// deflated): name -> Buffer.
function unzip(buf) {
  const out = new Map();
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'no end of central directory: not a zip');
  const n = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < n; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory');
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28);
    const xlen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const lstart = local + 30 + buf.readUInt16LE(local + 26) +
      buf.readUInt16LE(local + 28);
    const data = buf.subarray(lstart, lstart + csize);
    out.set(name, method === 8 ? zlib.inflateRawSync(data) : data);
    p += 46 + nlen + xlen + clen;
  }
  return out;
}

// Parses RFC 4180 CSV into rows of cells.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') q = false;
      else cell += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(cell); cell = ''; }
    else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell); rows.push(row); row = []; cell = ''; i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row); }
  return rows;
}

function pdftotext(file) {
  return new Promise((resolve, reject) => {
    execFile('pdftotext', ['-enc', 'UTF-8', file, '-'],
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n` +
        stderr)) : resolve(stdout)));
  });
}

describe('root cause, plan, closure and the signed record',
  { timeout: 180000 }, () => {
    let inc;
    let aware;
    let planAt;
    const act = {};

    before(async () => {
      aware = nowMs() - 60 * DAY;
      planAt = aware + 10 * DAY;
      // A description longer than a page: the PDF splits its row
      // between lines and loses none (the last line is read back).
      const long = Array.from({ length: 90 }, (_, i) =>
        `第 ${i + 1} 行：首頁遭置換，網站服務中斷。`).join('\n');
      inc = await create({ level: 3, aware_at: tp(aware),
        symptoms: ['malware_planted'], description: `${long}\n說明完畢` });
      await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 3 });
      await event('ca.window', inc.id, { type: 'reported',
        at: tp(aware + 20 * MIN), channel: 'platform',
        platform_ref: `ACS-CL-${inc.id}` });
      await event('ca.window', inc.id, { type: 'team_formed',
        at: tp(aware + 40 * MIN), members: [
          { username: 'ca.ciso', role: 'commander' },
          { username: 'ca.window', role: 'contact_window' }] });
      await event('ca.window', inc.id, { type: 'damage_controlled',
        at: tp(aware + 20 * HOUR), scope: '官網主機一台',
        systems: [{ name: '官網', within_tolerable_downtime: true }] });
    });

    it('P28: the root cause names its investigator and log analysis, and ' +
      'a malware analysis when malware was found', async () => {
      const url = `/api/v1/incidents/${inc.id}/events`;
      const good = { type: 'root_cause_recorded', at: tp(aware + 3 * DAY),
        investigator: 'vendor', investigator_name: '甲資安公司',
        log_analysis: '防火牆與網站日誌六個月', findings: '外掛套件漏洞' };
      assertError(await post('ca.ciso', url, good), 422, 'missing_field',
        'malware_analysis', 'malware_planted needs a malware analysis');
      assertError(await post('ca.ciso', url, { ...good,
        investigator: 'agency', malware_analysis: 'webshell' }), 422,
      'invalid_field', 'investigator');
      const { log_analysis: _l, ...noLog } = good;
      assertError(await post('ca.ciso', url, { ...noLog,
        malware_analysis: 'webshell' }), 422, 'missing_field',
      'log_analysis');
      // Nothing was recorded by the refusals.
      const r = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      assert.equal(r.json.events.filter((e) =>
        e.type === 'root_cause_recorded').length, 0);
      assert.equal(r.json.obligations.find((o) =>
        o.name === 'root_cause').state, 'pending');
    });

    it('closing while a required obligation is still owed is 409, ' +
      'nothing recorded', async () => {
      const url = `/api/v1/incidents/${inc.id}/events`;
      const body = { type: 'closure_reported', at: tp(aware + 5 * DAY),
        cause: ['application_vulnerability'], fixes: '更新套件' };
      let r = await post('ca.window', url, body);
      assertError(r, 409, 'precondition_failed', 'type');
      assert.equal(r.json.error.reason, 'closure_blocked:response_meeting');
      await event('ca.window', inc.id, { type: 'meeting_held',
        at: tp(aware + 21 * HOUR), minutes: '確認影響範圍' });
      r = await post('ca.window', url, body);
      assert.equal(r.json?.error?.reason, 'closure_blocked:root_cause',
        show(r));
      await event('ca.ciso', inc.id, { type: 'root_cause_recorded',
        at: tp(aware + 3 * DAY), investigator: 'vendor',
        investigator_name: '甲資安公司', log_analysis: '防火牆與網站日誌',
        malware_analysis: '樣本為 PHP webshell，已送 VirusCheck',
        findings: '外掛套件漏洞' });
      r = await post('ca.window', url, body);
      // Level 3: the effectiveness report (P23) is owed too.
      assert.equal(r.json?.error?.reason,
        'closure_blocked:effectiveness_report', show(r));
      const now = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      assert.equal(now.json.state, 'reported');
      assert.equal(now.json.events.filter((e) =>
        e.type === 'closure_reported').length, 0);
    });

    it('P29: actions drafted before the plan are held to their windows ' +
      'when it is approved; a medium one due in 7 months is 422',
    async () => {
      const id = inc.id;
      act.short = await improvement(id, { term: 'short',
        title: '移除惡意檔案並更新套件', owner: '資訊室',
        due_at: tdate(planAt + 5 * DAY) });
      act.medium = await improvement(id, { term: 'medium',
        title: '導入網站應用程式防火牆', owner: '資訊室王科長',
        due_at: plusMonths(planAt, 4) });
      act.late = await improvement(id, { term: 'medium',
        title: '建立弱點掃描流程', owner: '資訊室',
        due_at: plusMonths(planAt, 7) });
      assert.equal(act.medium.window, null, 'no plan yet: no window');
      assert.equal(act.medium.status, 'open');
      assert.equal(act.medium.due_on, plusMonths(planAt, 4));
      assert.match(act.medium.due_at, /T23:59:59\+08:00$/);

      // The plan is refused while the 7-month action is in it.
      const plan = { type: 'plan_approved', at: tp(planAt),
        decision: '同意改善計畫', submitted_to: ['superior', 'doit'] };
      let r = await post('ca.ciso', `/api/v1/incidents/${id}/events`, plan);
      assertError(r, 422, 'rule_violation', 'due_at');
      assert.equal(r.json.error.reason, 'improvement_due_after_window');
      assert.match(r.json.error.message, /第二十九點/);
      assert.match(r.json.error.message, /建立弱點掃描流程/);
      assertError(await post('ca.ciso', `/api/v1/incidents/${id}/events`,
        { ...plan, submitted_to: ['acs'] }), 422, 'invalid_field',
      'submitted_to');

      // Moved into the window, the plan is approved.
      r = await patch('ca.ciso',
        `/api/v1/incidents/${id}/improvements/${act.late.id}`,
        { version: act.late.version, due_at: plusMonths(planAt, 5) });
      assert.equal(r.status, 200, show(r));
      act.late = r.json;
      await event('ca.ciso', id, plan);

      // Now a medium action due in 7 months is refused at once, and
      // nothing is stored.
      const before7 = (await improvements(id)).items.length;
      r = await post('ca.ciso', `/api/v1/incidents/${id}/improvements`, {
        term: 'medium', title: '七個月後才完成', owner: '資訊室',
        due_at: plusMonths(planAt, 7) });
      assertError(r, 422, 'rule_violation', 'due_at');
      assert.match(r.json.error.message, /P29|第二十九點/);
      assert.ok(r.json.error.window.from < r.json.error.window.to);
      assert.ok(r.json.error.window.to < plusMonths(planAt, 7));
      // Counted from the plan, never from today: 2 months after the plan
      // is before the window even though that date has passed.
      assertError(await post('ca.ciso',
        `/api/v1/incidents/${id}/improvements`, { term: 'medium',
          title: '太早', owner: '資訊室', due_at: plusMonths(planAt, 2) }),
      422, 'rule_violation', 'due_at');
      assertError(await post('ca.ciso',
        `/api/v1/incidents/${id}/improvements`, { term: 'long',
          title: '太晚', owner: '資訊室', due_at: plusMonths(planAt, 25) }),
      422, 'rule_violation', 'due_at');
      assertError(await patch('ca.ciso',
        `/api/v1/incidents/${id}/improvements/${act.medium.id}`,
        { version: act.medium.version, due_at: plusMonths(planAt, 7) }),
      422, 'rule_violation', 'due_at');
      assertError(await post('ca.ciso',
        `/api/v1/incidents/${id}/improvements`, { term: 'soon',
          title: 'x', owner: 'y', due_at: tdate(planAt) }), 422,
      'invalid_field', 'term');
      assertError(await post('ca.ciso',
        `/api/v1/incidents/${id}/improvements`, { term: 'short',
          title: 'x', owner: 'y', due_at: '2026-02-30' }), 422,
      'invalid_field', 'due_at');
      // Only the commander adds actions (P29, P30).
      assertError(await post('ca.window',
        `/api/v1/incidents/${id}/improvements`, { term: 'short',
          title: 'x', owner: 'y', due_at: tdate(planAt) }), 403,
      'forbidden');
      const list = await improvements(id);
      assert.equal(list.items.length, before7);
      assert.equal(list.plan_approved_at, tp(planAt));
      act.long = await improvement(id, { term: 'long',
        title: '汰換老舊主機', owner: '資訊室',
        due_at: plusMonths(planAt, 20) });
      assert.ok(act.long.window.from <= tdate(planAt + DAY));
      const medium = (await improvements(id)).items.find((x) =>
        x.id === act.medium.id);
      assert.ok(medium.window.from <= medium.due_on &&
        medium.due_on <= medium.window.to, JSON.stringify(medium));
      // P30: the decision and where it went are on the timeline.
      const r2 = await get('ca.window', `/api/v1/incidents/${id}`);
      const pe = r2.json.events.find((e) => e.type === 'plan_approved');
      assert.deepEqual(pe.submitted_to, ['superior', 'doit']);
      assert.equal(pe.decision, '同意改善計畫');
    });

    it('a stale version is 409; status done records when', async () => {
      const url = `/api/v1/incidents/${inc.id}/improvements/${act.short.id}`;
      assertError(await patch('ca.ciso', url, { version: 99,
        status: 'done' }), 409, 'version_conflict');
      assertError(await patch('ca.ciso', url, { version: act.short.version,
        status: 'open', done_at: tp(planAt) }), 422, 'invalid_field',
      'done_at');
      assertError(await patch('ca.ciso', url, { version: act.short.version,
        status: 'finished' }), 422, 'invalid_field', 'status');
      const r = await patch('ca.ciso', url, { version: act.short.version,
        status: 'in_progress', owner: '資訊室李工程師' });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.version, act.short.version + 1);
      assert.equal(r.json.owner, '資訊室李工程師');
      assert.equal(r.headers.etag, `"${r.json.version}"`);
      act.short = r.json;
      // A repeat with the same Idempotency-Key adds nothing.
      const list = `/api/v1/incidents/${inc.id}/improvements`;
      const n = (await improvements(inc.id)).items.length;
      const body = { term: 'short', title: '重送也只記一次', owner: '資訊室',
        due_at: tdate(planAt + DAY) };
      const key = { headers: { 'Idempotency-Key': `imp-${inc.id}` } };
      const a = await who['ca.ciso'].post(list, body, key);
      const b = await who['ca.ciso'].post(list, body, key);
      assert.equal(a.status, 201, show(a));
      assert.equal(b.status, 201, show(b));
      assert.equal(b.headers['idempotent-replayed'], 'true');
      assert.equal(b.json.id, a.json.id);
      assertError(await who['ca.ciso'].post(list, { ...body, owner: 'x' },
        key), 422, 'idempotency_key_reused');
      assert.equal((await improvements(inc.id)).items.length, n + 1);
    });

    it('the closure with the platform\'s fields, once nothing is owed; ' +
      'actions stay open and changeable after it', async () => {
      await event('ca.ciso', inc.id, { type: 'effectiveness_reported',
        at: tp(aware + 2 * DAY), recipients: ['資訊局'] });
      const closed = await event('ca.window', inc.id, {
        type: 'closure_reported', at: tp(aware + 25 * DAY),
        devices: '網站主機 1 台', ips: '203.0.113.7', urls: 'https://x.example',
        os: 'Ubuntu 22.04', vendors: '甲資安公司',
        cause: ['application_vulnerability', 'other'],
        cause_other: '套件未更新', fixes: '更新套件並加裝 WAF' });
      assert.equal(closed.state, 'closed');
      assert.equal(closed.obligations.find((o) =>
        o.name === 'closure_report').state, 'met');
      const r = await patch('ca.ciso',
        `/api/v1/incidents/${inc.id}/improvements/${act.short.id}`,
        { version: act.short.version, status: 'done',
          done_at: tp(planAt + 3 * DAY) });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.status, 'done');
      assert.equal(r.json.done_at, tp(planAt + 3 * DAY));
      assert.equal(r.json.state, 'met');
      act.short = r.json;
    });

    it('P32: who may sign what; a record that does not exist is 409',
      async () => {
      const id = inc.id;
      assertError(await sign('doit.reviewer', id, 'closure'), 403,
        'forbidden');
      assertError(await sign('ca.window', id, 'root_cause'), 403,
        'forbidden', undefined, 'the window is not responsible for it');
      assertError(await sign('ca.window', id, 'incident_report', 'ciso'),
        403, 'forbidden');
      assertError(await sign('ca.staff', id, 'incident_report'), 403,
        'forbidden');
      assertError(await sign('dist-songshan.window', id, 'incident_report'),
        404, 'not_found');
      assertError(await sign('ca.window', id, 'everything'), 422,
        'invalid_field', 'record');
      // The client cannot bring its own hash through the timeline.
      assertError(await post('ca.ciso', `/api/v1/incidents/${id}/events`,
        { type: 'signed', at: tp(nowMs()), record: 'closure',
          hash: 'ab12' }), 422, 'invalid_field', 'type');
      const other = await create({ level: 1, aware_at: tp(nowMs() - HOUR) });
      let r = await sign('ca.window', other.id, 'incident_report');
      assertError(r, 409, 'precondition_failed', 'record');
      assert.equal(r.json.error.reason, 'record_missing');
      const st = await signatures(id);
      assert.equal(st.incident_report.state, 'unsigned');
      assert.equal(st.closure.state, 'unsigned');
      r = await get('ca.window', `/api/v1/incidents/${other.id}/signatures`);
      assert.equal(r.json.items[0].state, 'not_ready');
    });

    it('signing hashes the record and puts the hash in the audit chain; ' +
      'a change voids it and shows the difference', async () => {
      const id = inc.id;
      let r = await sign('ca.window', id, 'incident_report');
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.role, 'responsible');
      assert.match(r.json.hash, /^[0-9a-f]{64}$/);
      const h = r.json.hash;
      r = await sign('ca.ciso', id, 'incident_report');
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.role, 'ciso');
      assert.equal(r.json.hash, h, 'the same record, the same hash');
      assertError(await sign('ca.ciso', id, 'incident_report'), 409,
        'conflict');
      let st = await signatures(id);
      assert.equal(st.incident_report.state, 'signed');
      assert.equal(st.incident_report.hash, h);
      assert.equal(st.incident_report.responsible.by, 'ca.window');
      assert.equal(st.incident_report.ciso.by, 'ca.ciso');
      assert.equal(st.incident_report.needs_signing, false);

      // The CISO who is also the commander signs the plan twice, once in
      // each role, each time on purpose.
      r = await sign('ca.ciso', id, 'improvement_plan', 'responsible');
      assert.equal(r.status, 201, show(r));
      r = await sign('ca.ciso', id, 'improvement_plan');
      assert.equal(r.json.role, 'ciso', show(r));
      const planHash = r.json.hash;
      st = await signatures(id);
      assert.equal(st.improvement_plan.state, 'signed');

      // The hash is in the audit chain, and the signed event on the
      // timeline.
      const seen = [];
      for (let after = 0; ;) {
        const a = await get('doit.reviewer',
          `/api/v1/audit?after=${after}&limit=500`);
        assert.equal(a.status, 200, show(a));
        seen.push(...a.json.items);
        if (!a.json.next_cursor) break;
        after = a.json.next_cursor;
      }
      const signs = seen.filter((e) => e.action === 'incident.sign' &&
        e.object_id === String(id));
      assert.equal(signs.length, 4);
      assert.ok(signs.some((e) => e.after.hash === planHash &&
        e.after.record === 'improvement_plan'));
      const t = await get('ca.window', `/api/v1/incidents/${id}`);
      const ev = t.json.events.filter((e) => e.type === 'signed');
      assert.equal(ev.length, 4);
      assert.deepEqual(Object.keys(ev[3]).filter((k) =>
        ['record', 'role', 'hash'].includes(k)).sort(),
      ['hash', 'record', 'role']);

      // A change of the plan voids both signatures and shows what
      // changed; the status of an action is no part of the plan.
      r = await patch('ca.ciso',
        `/api/v1/incidents/${id}/improvements/${act.medium.id}`,
        { version: act.medium.version, status: 'in_progress' });
      assert.equal(r.status, 200, show(r));
      act.medium = r.json;
      assert.equal((await signatures(id)).improvement_plan.state, 'signed');
      r = await patch('ca.ciso',
        `/api/v1/incidents/${id}/improvements/${act.medium.id}`,
        { version: act.medium.version, owner: '資訊室陳科長' });
      assert.equal(r.status, 200, show(r));
      act.medium = r.json;
      st = await signatures(id);
      const p = st.improvement_plan;
      assert.equal(p.state, 'void');
      assert.equal(p.needs_signing, true);
      assert.equal(p.responsible.valid, false);
      assert.equal(p.ciso.valid, false);
      assert.notEqual(p.hash, planHash);
      assert.deepEqual(p.diff, [{ path: '/actions/1/owner',
        change: 'changed', before: '資訊室王科長', after: '資訊室陳科長' }]);
      assert.equal(st.incident_report.state, 'signed', 'others unchanged');

      // Signing again makes it whole.
      assert.equal((await sign('ca.ciso', id, 'improvement_plan')).status,
        201);
      st = await signatures(id);
      // Still void: the responsible person's signature is of the old
      // plan, and the difference is shown against it.
      assert.equal(st.improvement_plan.state, 'void');
      assert.equal(st.improvement_plan.ciso.valid, true);
      assert.equal(st.improvement_plan.responsible.valid, false);
      assert.equal(st.improvement_plan.diff[0].path, '/actions/1/owner');
      assert.equal((await sign('ca.ciso', id, 'improvement_plan')).status,
        201);
      st = await signatures(id);
      assert.equal(st.improvement_plan.state, 'signed');
      assert.equal(st.improvement_plan.diff, undefined);
      assert.equal(st.improvement_plan.history.length, 4);
    });

    it('P33: lessons learned are part of the closure record', async () => {
      const id = inc.id;
      assert.equal((await sign('ca.window', id, 'closure')).status, 201);
      assert.equal((await sign('ca.ciso', id, 'closure')).status, 201);
      assert.equal((await signatures(id)).closure.state, 'signed');
      let r = await get('ca.staff', `/api/v1/incidents/${id}/lessons`);
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.version, 0);
      assert.equal(r.json.lessons, null);
      assertError(await put('ca.staff', `/api/v1/incidents/${id}/lessons`,
        { lessons: 'x' }), 403, 'forbidden');
      r = await put('ca.ciso', `/api/v1/incidents/${id}/lessons`, {
        lessons: '套件須納入弱點管理', staffing_changes: '增設資安專責人員一名',
        procedure_changes: '每月檢查網站套件版本' });
      assert.equal(r.status, 201, show(r));
      assert.equal(r.json.version, 1);
      assertError(await put('ca.window', `/api/v1/incidents/${id}/lessons`,
        { lessons: '再改' }), 422, 'missing_field', 'version');
      assertError(await put('ca.window', `/api/v1/incidents/${id}/lessons`,
        { lessons: '再改', version: 7 }), 409, 'version_conflict');
      const st = await signatures(id);
      assert.equal(st.closure.state, 'void');
      assert.ok(st.closure.diff.some((d) => d.path.startsWith('/lessons')),
        JSON.stringify(st.closure.diff));
      r = await get('ca.window', `/api/v1/incidents/${id}/lessons`);
      assert.equal(r.json.staffing_changes, '增設資安專責人員一名');
      assert.equal(r.json.updated_by, 'ca.ciso');
    });

    it('P31: DoIT\'s investigation report, IP lists validated', async () => {
      const url = `/api/v1/incidents/${inc.id}/investigation`;
      const body = { incident_time: tp(aware - HOUR),
        source_ips: ['203.0.113.5', '2001:db8::/32'],
        target_ips: ['192.0.2.10'], attacker_location: '境外',
        attack_method: '利用外掛套件漏洞上傳 webshell',
        path_analysis: '網站 → 主機', impact_analysis: '首頁遭置換',
        recovery: '由備份還原', eradication: '移除 webshell',
        patching: '更新套件', defence: '加裝 WAF' };
      assertError(await put('doit.reviewer', url, { ...body,
        source_ips: ['203.0.113.5', '300.1.1.1'] }), 422, 'invalid_field',
      'source_ips');
      assertError(await put('doit.reviewer', url, { ...body,
        target_ips: ['192.0.2.10', '192.0.2.10'] }), 422, 'invalid_field',
      'target_ips');
      assertError(await put('doit.reviewer', url, { ...body,
        incident_time: tp(nowMs() + DAY) }), 422, 'invalid_field',
      'incident_time');
      assertError(await put('ca.window', url, body), 403, 'forbidden');
      let r = await get('ca.window', url);
      assert.equal(r.json.version, 0, 'nothing stored by the refusals');
      r = await put('doit.reviewer', url, body);
      assert.equal(r.status, 201, show(r));
      r = await get('ca.window', url);
      assert.equal(r.status, 200, show(r));
      assert.deepEqual(r.json.source_ips, body.source_ips);
      assert.equal(r.json.defence, '加裝 WAF');
      assert.equal(r.json.updated_by, 'doit.reviewer');
      r = await put('doit.reviewer', url, { ...body, version: 1,
        defence: '加裝 WAF 並啟用 EDR' });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.version, 2);
      assertError(await get('dist-songshan.window', url), 404, 'not_found');
    });

    it('the oversight list keeps open actions of closed incidents, by ' +
      'scope; CSV and XLSX exports', async () => {
      let r = await get('doit.reviewer',
        '/api/v1/improvements?state=open&agency=ca&closed=true');
      assert.equal(r.status, 200, show(r));
      const ids = r.json.items.map((x) => x.id);
      assert.ok(ids.includes(act.medium.id) && ids.includes(act.long.id));
      assert.ok(!ids.includes(act.short.id), 'done: not open');
      const m = r.json.items.find((x) => x.id === act.medium.id);
      assert.equal(m.incident_state, 'closed');
      assert.equal(m.agency_name, '臺北市政府民政局');
      assert.ok(r.json.items.every((x, i, a) => i === 0 ||
        a[i - 1].due_on <= x.due_on), 'by due date');
      r = await get('doit.reviewer', '/api/v1/improvements?state=done');
      assert.ok(r.json.items.some((x) => x.id === act.short.id));
      r = await get('ca.window', '/api/v1/improvements');
      assert.ok(r.json.items.some((x) => x.id === act.medium.id));
      r = await get('dist-songshan.window', '/api/v1/improvements');
      assert.equal(r.status, 200);
      assert.ok(!r.json.items.some((x) => x.incident === inc.id),
        'another agency does not see them');
      r = await get('doit.reviewer', '/api/v1/improvements?limit=1&agency=ca');
      assert.equal(r.json.items.length, 1);
      assert.ok(r.json.next_cursor);
      const r2 = await get('doit.reviewer', '/api/v1/improvements?limit=1' +
        `&agency=ca&cursor=${encodeURIComponent(r.json.next_cursor)}`);
      assert.notEqual(r2.json.items[0].id, r.json.items[0].id);
      assertError(await get('doit.reviewer', '/api/v1/improvements?state=x'),
        400, 'invalid_query', 'state');
      assertError(await get('doit.reviewer',
        '/api/v1/improvements?cursor=bad'), 400, 'invalid_query', 'cursor');

      const csv = await getRaw('doit.reviewer',
        '/api/v1/improvements.csv?agency=ca');
      assert.equal(csv.status, 200, show(csv));
      assert.match(csv.headers['content-type'], /^text\/csv/);
      assert.match(csv.headers['content-disposition'],
        /^attachment; filename="tongbao-improvements-\d{4}-\d\d-\d\d\.csv"$/);
      assert.deepEqual([...csv.body.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
      const rows = parseCsv(csv.body.subarray(3).toString('utf8'));
      assert.equal(rows[0][0], '機關代碼');
      assert.equal(rows[0].length, 13);
      assert.ok(rows.slice(1).every((x) => x.length === 13));
      const row = rows.find((x) => x[6] === '導入網站應用程式防火牆');
      assert.ok(row, 'the medium action is in the CSV');
      assert.equal(row[0], 'ca');
      assert.equal(row[2], String(inc.id));
      assert.equal(row[4], 'closed');
      assert.equal(row[7], '資訊室陳科長');

      const x = await getRaw('doit.reviewer',
        '/api/v1/improvements.xlsx?agency=ca&closed=true');
      assert.equal(x.status, 200, show(x));
      assert.equal(x.headers['content-type'], 'application/vnd.' +
        'openxmlformats-officedocument.spreadsheetml.sheet');
      assert.match(x.headers['content-disposition'], /\.xlsx"$/);
      assert.equal(x.body.subarray(0, 4).toString('binary'), 'PK\x03\x04');
      const files = unzip(x.body);
      assert.ok(files.has('xl/worksheets/sheet1.xml'), [...files.keys()]);
      assert.ok(files.has('xl/workbook.xml'));
      const strings = files.get('xl/sharedStrings.xml').toString('utf8');
      assert.match(strings, /導入網站應用程式防火牆/);
      assert.match(strings, /機關代碼/);
      assert.match(files.get('xl/workbook.xml').toString('utf8'),
        /name="改善措施"/);
      const sheet = files.get('xl/worksheets/sheet1.xml').toString('utf8');
      assert.match(sheet, /<autoFilter ref="A1:M\d+"/);
      assert.match(sheet, /<pane ySplit="1"/);
      // A vendor's scope, and one that sees none of these.
      const mine = await getRaw('dist-songshan.window',
        '/api/v1/improvements.csv');
      assert.equal(parseCsv(mine.body.subarray(3).toString('utf8')).length,
        1, 'the header row only');
    });

    it('the printed record: HTML for A4 and a PDF the server lays out',
      async () => {
      const id = inc.id;
      const h = await get('ca.window', `/api/v1/incidents/${id}/record`);
      assert.equal(h.status, 200, show(h));
      assert.match(h.headers['content-type'], /^text\/html; charset=utf-8/);
      assert.match(h.text, /<html lang="zh-Hant-TW">/);
      assert.match(h.text, /<link rel="stylesheet" href="\/css\/print.css">/);
      assert.doesNotMatch(h.text, /<style|style=|<script/);
      assert.match(h.text, /資通安全事件紀錄/);
      assert.match(h.text, /中華民國1\d\d年\d{1,2}月\d{1,2}日 \d{1,2}時\d{1,2}分/);
      for (const part of ['事件時間軸', '應辦事項及期限', '根因分析',
        '改善計畫及措施', '資訊局調查報告', '經驗學習與人員、程序調整',
        '紀錄簽核', '增設資安專責人員一名', '甲資安公司', '導入網站應用程式防火牆',
        '已失效，須重新簽核']) {
        assert.ok(h.text.includes(part), `the record shows ${part}`);
      }
      assert.match(h.text, /<tr class="void">/);
      assert.match(h.headers['content-security-policy'],
        /style-src 'self'/);
      const css = await s.get('/css/print.css');
      assert.equal(css.status, 200);
      assert.match(css.headers['content-type'], /^text\/css/);
      assert.match(css.text, /size: A4/);
      assertError(await get('dist-songshan.window',
        `/api/v1/incidents/${id}/record`), 404, 'not_found');

      const p = await getRaw('ca.window', `/api/v1/incidents/${id}/record.pdf`);
      assert.equal(p.status, 200, show(p));
      assert.equal(p.headers['content-type'], 'application/pdf');
      assert.equal(p.headers['content-disposition'],
        `attachment; filename="incident-${id}-record.pdf"`);
      assert.equal(p.body.subarray(0, 5).toString('latin1'), '%PDF-');
      assert.match(p.body.subarray(-1024).toString('latin1'), /%%EOF\s*$/);
      const file = path.join(tempDir(), 'record.pdf');
      writeFileSync(file, p.body);
      if (!existsSync('/usr/bin/pdftotext')) {
        assert.fail('pdftotext (poppler-utils) is missing: ' +
          'scripts/install-deps installs it');
      }
      const text = await pdftotext(file);
      assert.match(text, /資通安全事件紀錄/);
      assert.match(text, /中華民國1\d\d年\d{1,2}月\d{1,2}日/);
      assert.match(text, /第 1 頁，共 \d+ 頁/);
      assert.match(text, /甲資安公司/);
      assert.match(text, /增設資安專責人員一名/);
      assert.match(text, /第 90 行：首頁遭置換/);
      assert.match(text, /說明完畢/);
      const pages = Number(/共 (\d+) 頁/.exec(text)[1]);
      assert.ok(pages >= 2, `${pages} pages`);
      assert.match(text, new RegExp(`第 ${pages} 頁，共 ${pages} 頁`));
      assertError(await get('dist-songshan.window',
        `/api/v1/incidents/${id}/record.pdf`), 404, 'not_found');
    });
  });

describe('P31: progress reports are owed until every action is done',
  { timeout: 60000 }, () => {
    it('done actions end the periods; the first done action does not',
      async () => {
      const aware = nowMs() - 60 * DAY;
      const planAt = aware + 5 * DAY;
      let inc = await create({ level: 3, aware_at: tp(aware) });
      await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 3 });
      const a = await improvement(inc.id, { term: 'short', title: '更換密碼',
        owner: '資訊室', due_at: tdate(planAt + 3 * DAY) });
      const b = await improvement(inc.id, { term: 'short', title: '關閉服務',
        owner: '資訊室', due_at: tdate(planAt + 3 * DAY) });
      inc = await event('ca.ciso', inc.id, { type: 'plan_approved',
        at: tp(planAt) });
      const periods = (x) => x.obligations.filter((o) =>
        o.name === 'progress_report').map((o) => o.period);
      assert.deepEqual(periods(inc), [1, 2]);
      let r = await patch('ca.ciso',
        `/api/v1/incidents/${inc.id}/improvements/${a.id}`,
        { version: a.version, status: 'done', done_at: tp(planAt + DAY) });
      assert.equal(r.status, 200, show(r));
      r = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      assert.deepEqual(periods(r.json), [1, 2], 'one action still open');
      assert.equal((await improvements(inc.id)).actions_done_at, null);
      r = await patch('ca.ciso',
        `/api/v1/incidents/${inc.id}/improvements/${b.id}`,
        { version: b.version, status: 'done', done_at: tp(planAt + 2 * DAY) });
      assert.equal(r.status, 200, show(r));
      r = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      assert.deepEqual(periods(r.json), [1]);
      assert.equal((await improvements(inc.id)).actions_done_at,
        tp(planAt + 2 * DAY));
      // The stored obligations say the same (the list of my work).
      const o = await get('ca.window', '/api/v1/obligations?state=open');
      assert.ok(!o.json.items.some((x) => x.incident === inc.id &&
        x.name === 'progress_report' && x.period === 2));
      // Reopened, the periods are owed again.
      r = await patch('ca.ciso',
        `/api/v1/incidents/${inc.id}/improvements/${b.id}`,
        { version: b.version + 1, status: 'in_progress' });
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.done_at, null);
      r = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      assert.deepEqual(periods(r.json), [1, 2]);
    });
  });
