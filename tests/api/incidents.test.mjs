// Incident API tests (issue 4): reporting, level decisions, events and the
// obligations they meet (P10-P23), the bad input of the issue, idempotency,
// scope, the obligations query, the platform report, the level helper and
// the operators' command line.  Black-box against the real binary on a
// database loaded with `tongbao demo`; callers use API tokens made with
// `tongbao token create`.
//
// Times are chosen relative to now (records are entered after the fact, and
// `at` is never in the future), to whole seconds, in Taipei time.

import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import {
  initDb, runCli, startServer, tempDir,
} from './lib/server.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;

// An instant as RFC 3339 in Taipei time, to the second.
function tp(ms) {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 19) + '+08:00';
}

// Now, to the second, minus a margin so that "now" events are not in the
// server's future.
function nowMs() {
  return Math.floor(Date.now() / 1000) * 1000 - 2000;
}

let s;
let db;
const tokens = {};

// A token for a demo user, made once.
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
  return s.request(method, url, { headers: h, body });
}

const get = (user, url) => call(user, 'GET', url);
const post = (user, url, body, headers) =>
  call(user, 'POST', url, body, headers);

// Creates an incident as user; asserts 201; resolves to the incident.
async function create(user, fields) {
  const r = await post(user, '/api/v1/incidents', {
    title: '測試事件', category: 'intrusion', ...fields,
  });
  assert.equal(r.status, 201, show(r));
  return r.json;
}

// Posts an event; asserts 201; resolves to the incident.
async function event(user, id, body) {
  const r = await post(user, `/api/v1/incidents/${id}/events`, body);
  assert.equal(r.status, 201, `${body.type} by ${user}:\n${show(r)}`);
  return r.json;
}

// The obligation name (with subject) of an incident.
function obl(inc, name, subject = null) {
  const o = inc.obligations.find((x) => x.name === name &&
    x.subject === subject);
  assert.ok(o, `no obligation ${name}/${subject} in ` +
    JSON.stringify(inc.obligations));
  return o;
}

// Asserts that GET shows the incident as it was (same version, events).
async function unchanged(user, inc, what) {
  const r = await get(user, `/api/v1/incidents/${inc.id}`);
  assert.equal(r.status, 200, show(r));
  assert.equal(r.json.version, inc.version, `${what}: version changed`);
  assert.deepEqual(r.json.events, inc.events, `${what}: events changed`);
  assert.equal(r.json.level, inc.level, `${what}: level changed`);
  assert.equal(r.json.state, inc.state, `${what}: state changed`);
}

// Every incident id user can list (walks the pages).
async function listIds(user, query = '') {
  const ids = [];
  let cursor = null;
  for (;;) {
    const q = new URLSearchParams(query);
    q.set('limit', '500');
    if (cursor) q.set('cursor', cursor);
    const r = await get(user, `/api/v1/incidents?${q}`);
    assert.equal(r.status, 200, show(r));
    ids.push(...r.json.items.map((i) => i.id));
    cursor = r.json.next_cursor;
    if (!cursor) return ids;
  }
}

before(async () => {
  const dir = tempDir();
  db = path.join(dir, 'inc.db');
  await initDb(db);
  const d = await runCli(['demo', '--db', db]);
  assert.equal(d.code, 0, d.stderr);
  s = await startServer({ db });
});

after(async () => { if (s) await s.stop(); });

describe('the main story (P10-P22)', { timeout: 120000 }, () => {
  let inc;
  const aware = nowMs() - 5 * HOUR;

  it('the window reports level 3: 201 with Location, ETag, the clocks ' +
    'started at aware_at', async () => {
    const r = await post('ca.window', '/api/v1/incidents', {
      agency: 'ca', title: '民政局網站遭置換', category: 'web_attack',
      symptoms: ['defacement'], aware_at: tp(aware),
      occurred_at: tp(aware - 30 * MIN), level: 3,
      description: '首頁遭置換', affected_agencies: ['dof'],
      affected_systems: [{ name: '民政局網站', core: true,
        tolerable_downtime: 4 * 3600 }],
      source: 'self_found', personal_data_involved: false,
    });
    assert.equal(r.status, 201, show(r));
    inc = r.json;
    assert.equal(r.headers.location, `/api/v1/incidents/${inc.id}`);
    assert.equal(r.headers.etag, '"1"');
    assert.equal(inc.level, 3);
    assert.equal(inc.proposed_level, 3);
    assert.equal(inc.state, 'new');
    assert.equal(inc.aware_at, tp(aware));
    assert.equal(inc.reported_by, 'ca.window');
    assert.deepEqual(inc.affected_agencies, ['dof']);
    assert.deepEqual(inc.events, []);
    // P10: report within 1 hour of awareness, already overdue.
    assert.equal(obl(inc, 'report').due_at, tp(aware + HOUR));
    assert.equal(obl(inc, 'report').state, 'overdue');
    assert.equal(obl(inc, 'notify_affected', 'dof').due_at,
      tp(aware + HOUR));
    // P18, P21 at levels 3-4: 1 h and 36 h.
    assert.equal(obl(inc, 'team_formed').due_at, tp(aware + HOUR));
    assert.equal(obl(inc, 'damage_control').due_at, tp(aware + 36 * HOUR));
    assert.equal(obl(inc, 'damage_control').state, 'pending');
    // P14 is for central-reporting agencies only.
    assert.equal(obl(inc, 'cc_doit').state, 'not_applicable');
    const g = await get('ca.window', `/api/v1/incidents/${inc.id}`);
    assert.equal(g.status, 200, show(g));
    assert.equal(g.headers.etag, '"1"');
    assert.equal(g.json.title, '民政局網站遭置換');
  });

  it('the window may not approve the level; reporting before the CISO ' +
    'approved is a failed precondition', async () => {
    let r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`,
      { type: 'level_approved', at: tp(aware + 10 * MIN), level: 3 });
    assertError(r, 403, 'forbidden');
    r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`, {
      type: 'reported', at: tp(aware + 30 * MIN), channel: 'platform',
      platform_ref: `ACS-MAIN-${inc.id}`,
    });
    assertError(r, 409, 'precondition_failed');
    assert.equal(r.json.error.reason, 'level_not_approved', show(r));
    assert.match(r.json.error.message, /level_not_approved/);
    await unchanged('ca.window', inc, 'refused report');
  });

  it('the CISO approves, the window reports with the platform number, ' +
    'DoIT reviews within 2 h', async () => {
    inc = await event('ca.ciso', inc.id, {
      type: 'level_approved', at: tp(aware + 10 * MIN), level: 3,
      note: '核心系統遭竄改',
    });
    assert.equal(inc.state, 'approved');
    assert.equal(inc.version, 2);
    inc = await event('ca.window', inc.id, {
      type: 'reported', at: tp(aware + 30 * MIN), channel: 'platform',
      platform_ref: `ACS-MAIN-${inc.id}`,
    });
    assert.equal(inc.state, 'reported');
    assert.equal(obl(inc, 'report').state, 'met');
    assert.equal(obl(inc, 'report').met_at, tp(aware + 30 * MIN));
    // P15: 2 h from the report for level 3.
    assert.equal(obl(inc, 'level_review').due_at, tp(aware + 150 * MIN));
    const ev = inc.events.find((e) => e.type === 'reported');
    assert.equal(ev.actor, 'ca.window');
    assert.equal(ev.platform_ref, `ACS-MAIN-${inc.id}`);
    inc = await event('doit.reviewer', inc.id, {
      type: 'level_reviewed', at: tp(aware + 90 * MIN), level: 3,
      basis: '核心系統，嚴重',
    });
    assert.equal(obl(inc, 'level_review').state, 'met');
    assert.equal(inc.level, 3);
  });

  it('team formed, meeting held, damage controlled: those obligations ' +
    'are met', async () => {
    inc = await event('ca.ciso', inc.id, {
      type: 'team_formed', at: tp(aware + 50 * MIN),
      members: [{ username: 'ca.ciso', role: 'commander' },
        { username: 'ca.window', role: 'contact_window' }],
    });
    inc = await event('ca.window', inc.id, {
      type: 'meeting_held', at: tp(aware + 2 * HOUR),
      attendees: ['ca.ciso', 'ca.window'], minutes: '確認範圍',
    });
    inc = await event('ca.window', inc.id, {
      type: 'damage_controlled', at: tp(aware + 150 * MIN),
      scope: '網站', restoration: '先恢復對外服務',
      spread_prevention: '封鎖來源',
      systems: [{ name: '民政局網站', within_tolerable_downtime: true }],
      stakeholder_impact: '無', public_announcement: false,
    });
    for (const n of ['report', 'level_review', 'team_formed',
      'response_meeting', 'damage_control']) {
      assert.equal(obl(inc, n).state, 'met', `${n}: ${JSON.stringify(inc)}`);
    }
    assert.equal(inc.events.find((e) => e.type === 'meeting_held').kind,
      'response', 'kind defaults to response');
    // P23: effectiveness owed for levels 3-4 once damage is controlled.
    assert.equal(obl(inc, 'effectiveness_report').state, 'pending');
    // The timeline is in order of `at`, whatever the recording order.
    const ats = inc.events.map((e) => e.at);
    assert.deepEqual([...ats].sort(), ats);
    assert.deepEqual(inc.events.map((e) => e.id).sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6]);
  });

  it('P12: before notification the affected agency sees nothing; a late ' +
    'notification is met_late and its window then reads (only)', async () => {
    assertError(await get('dof.window', `/api/v1/incidents/${inc.id}`), 404,
      'not_found');
    assert.ok(!(await listIds('dof.window')).includes(inc.id));
    inc = await event('ca.window', inc.id, {
      type: 'agency_notified', at: tp(aware + 2 * HOUR), agency: 'dof',
    });
    const n = obl(inc, 'notify_affected', 'dof');
    assert.equal(n.state, 'met_late');
    assert.equal(n.met_at, tp(aware + 2 * HOUR));
    assert.equal(inc.events.find((e) => e.type === 'agency_notified')
      .channel, 'phone', 'channel defaults');
    const r = await get('dof.window', `/api/v1/incidents/${inc.id}`);
    assert.equal(r.status, 200, show(r));
    assert.ok((await listIds('dof.window')).includes(inc.id));
    // Read only: its window cannot record anything on it.
    const w = await post('dof.window', `/api/v1/incidents/${inc.id}/events`,
      { type: 'doit_copied', at: tp(aware + 3 * HOUR) });
    assertError(w, 403, 'forbidden');
    // Other people of that agency are not its window.
    assertError(await get('dof.staff', `/api/v1/incidents/${inc.id}`), 404,
      'not_found');
  });

  it('an agency notified that was not listed joins the affected ones',
    async () => {
      inc = await event('ca.window', inc.id, {
        type: 'agency_notified', at: tp(aware + 40 * MIN), agency: 'doe',
        channel: 'taipeion',
      });
      assert.deepEqual(inc.affected_agencies, ['doe', 'dof']);
      assert.equal(obl(inc, 'notify_affected', 'doe').state, 'met');
    });

  it('the obligations are stored: the query shows them met', async () => {
    const r = await get('ca.window',
      '/api/v1/obligations?state=met&limit=500');
    assert.equal(r.status, 200, show(r));
    const mine = r.json.items.filter((o) => o.incident === inc.id);
    assert.deepEqual(mine.map((o) => o.name).sort(), ['damage_control',
      'level_review', 'notify_affected', 'report', 'response_meeting',
      'team_formed']);
    const late = await get('ca.window', '/api/v1/obligations?state=met_late');
    assert.ok(late.json.items.some((o) => o.incident === inc.id &&
      o.name === 'notify_affected' && o.subject === 'dof'), show(late));
  });
});

describe('late, fallback, change requests, schools (P11, P14, P17, P41)',
  { timeout: 120000 }, () => {
    it('a team formed after 1 h at level 3 is met_late', async () => {
      const aware = nowMs() - 4 * HOUR;
      let inc = await create('ca.window', { agency: 'ca', level: 3,
        aware_at: tp(aware) });
      inc = await event('ca.ciso', inc.id, { type: 'team_formed',
        at: tp(aware + 2 * HOUR),
        members: [{ username: 'ca.ciso', role: 'commander' }] });
      assert.equal(obl(inc, 'team_formed').state, 'met_late');
      assert.equal(obl(inc, 'team_formed').due_at, tp(aware + HOUR));
    });

    it('a fallback report meets report, owes a backfill, and the review ' +
      'clock runs from the backfill', async () => {
      const aware = nowMs() - 6 * HOUR;
      let inc = await create('ca.window', { agency: 'ca', level: 2,
        aware_at: tp(aware) });
      inc = await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 2 });
      let r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`, {
        type: 'reported', at: tp(aware + 20 * MIN), channel: 'fallback',
      });
      assertError(r, 422, 'missing_field', 'reason');
      r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`, {
        type: 'reported', at: tp(aware + 20 * MIN), channel: 'fallback',
        reason: '停電無法連線', platform_ref: 'X-1',
      });
      assertError(r, 422, 'invalid_field', 'platform_ref');
      inc = await event('ca.window', inc.id, { type: 'reported',
        at: tp(aware + 20 * MIN), channel: 'fallback',
        reason: '停電無法連線' });
      assert.equal(obl(inc, 'report').state, 'met');
      assert.equal(obl(inc, 'backfill_report').state, 'pending');
      assert.equal(obl(inc, 'backfill_report').due_at, null);
      inc = await event('ca.window', inc.id, { type: 'backfilled',
        at: tp(aware + 3 * HOUR), platform_ref: `ACS-FB-${inc.id}` });
      assert.equal(obl(inc, 'backfill_report').state, 'met');
      // P15: level 2, 8 h from the backfill.
      assert.equal(obl(inc, 'level_review').due_at,
        tp(aware + 11 * HOUR));
      const t = await get('ca.window',
        `/api/v1/incidents/${inc.id}/platform-report`);
      assert.equal(t.status, 200, show(t));
      assert.match(t.json.text, new RegExp(`通報編號：ACS-FB-${inc.id}`));
    });

    it('a level change request changes nothing until reviewed, and opens ' +
      'its own review (P17)', async () => {
      const aware = nowMs() - 5 * HOUR;
      let inc = await create('ca.window', { agency: 'ca', level: 2,
        aware_at: tp(aware) });
      inc = await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 2 });
      inc = await event('ca.window', inc.id, { type: 'reported',
        at: tp(aware + 10 * MIN), channel: 'platform',
        platform_ref: `ACS-LC-${inc.id}` });
      // P18 at level 2: 3 hours, met at 2 h.
      inc = await event('ca.window', inc.id, { type: 'team_formed',
        at: tp(aware + 2 * HOUR),
        members: [{ username: 'ca.ciso', role: 'commander' }] });
      assert.equal(obl(inc, 'team_formed').state, 'met');
      inc = await event('ca.window', inc.id, { type:
        'level_change_requested', at: tp(aware + 3 * HOUR), level: 4,
        reason: '影響擴大' });
      const req = inc.events.find((e) => e.type ===
        'level_change_requested');
      assert.equal(inc.level, 2, 'a request changes nothing');
      const review = obl(inc, 'level_review', String(req.id));
      assert.equal(review.due_at, tp(aware + 5 * HOUR), '2 h at level 4');
      inc = await event('doit.reviewer', inc.id, { type: 'level_reviewed',
        at: tp(aware + 4 * HOUR), level: 4, basis: '涉及關鍵基礎設施' });
      assert.equal(inc.level, 4);
      assert.equal(obl(inc, 'level_review', String(req.id)).state, 'met');
      // The level changed: team_formed is judged by 1 h now.
      assert.equal(obl(inc, 'team_formed').state, 'met_late');
      const list = await get('ca.window',
        `/api/v1/incidents?level=4&agency=ca`);
      assert.ok(list.json.items.some((i) => i.id === inc.id), show(list));
    });

    it('a school may use level 0; it owes cc_doit within 3 days counting ' +
      'the report day (P14, P41)', async () => {
      const aware = nowMs() - 3 * HOUR;
      let inc = await create('sch-ck.window', { agency: 'sch-ck', level: 0,
        aware_at: tp(aware), category: 'equipment',
        symptoms: ['lost_device'] });
      assert.equal(inc.level, 0);
      assert.equal(inc.school, true);
      assert.equal(inc.reports_to_central, true);
      assert.equal(inc.equipment_failure, false, 'a lost device is not a ' +
        'failure (P28)');
      assert.equal(obl(inc, 'report').state, 'not_applicable');
      inc = await event('sch-ck.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 10 * MIN), level: 0 });
      inc = await event('sch-ck.window', inc.id, { type: 'reported',
        at: tp(aware + 20 * MIN), channel: 'platform',
        platform_ref: `EDU-${inc.id}` });
      const cc = obl(inc, 'cc_doit');
      assert.equal(cc.state, 'pending');
      const day = tp(aware + 20 * MIN).slice(0, 10);
      const end = new Date(`${day}T00:00:00+08:00`).getTime() + 2 * 24 *
        HOUR + (24 * HOUR - 1000);
      assert.equal(cc.due_at, tp(end), 'end of day 3, the report day ' +
        'counted');
      assert.equal(obl(inc, 'level_review').state, 'not_applicable');
      inc = await event('sch-ck.window', inc.id, { type: 'doit_copied',
        at: tp(aware + HOUR) });
      assert.equal(obl(inc, 'cc_doit').state, 'met');
      // The superior agency's viewer reads it; the city agency's window
      // does not.
      assert.equal((await get('doe.viewer',
        `/api/v1/incidents/${inc.id}`)).status, 200);
      // A superior agency designates tracking (P31); it records nothing
      // else.
      assertError(await post('doe.viewer',
        `/api/v1/incidents/${inc.id}/events`, { type: 'doit_copied',
          at: tp(aware + HOUR) }), 403, 'forbidden');
      inc = await event('doe.viewer', inc.id, { type: 'tracking_designated',
        at: tp(aware + 2 * HOUR) });
      assert.equal(inc.events.find((e) => e.type === 'tracking_designated')
        .by, 'doe', 'by defaults to the caller\'s agency');
      assertError(await get('ca.window', `/api/v1/incidents/${inc.id}`),
        404, 'not_found');
    });

    it('equipment failure owes no root cause, and a closed incident takes ' +
      'only what REQUIREMENTS leaves it', async () => {
      const aware = nowMs() - 3 * HOUR;
      let inc = await create('ca.window', { agency: 'ca', level: 1,
        aware_at: tp(aware), category: 'equipment',
        symptoms: ['power_fault'] });
      assert.equal(inc.equipment_failure, true);
      assert.equal(obl(inc, 'root_cause').state, 'not_applicable');
      inc = await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 1 });
      let r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`,
        { type: 'closure_reported', at: tp(aware + HOUR) });
      assertError(r, 409, 'precondition_failed');
      assert.equal(r.json.error.reason, 'closure_blocked:report');
      inc = await event('ca.window', inc.id, { type: 'reported',
        at: tp(aware + 10 * MIN), channel: 'platform',
        platform_ref: `ACS-EQ-${inc.id}` });
      r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`,
        { type: 'closure_reported', at: tp(aware + HOUR) });
      assert.equal(r.json?.error?.reason,
        'closure_blocked:response_meeting', show(r));
      inc = await event('ca.window', inc.id, { type: 'meeting_held',
        at: tp(aware + 30 * MIN) });
      inc = await event('ca.window', inc.id, { type: 'closure_reported',
        at: tp(aware + HOUR), cause: ['human_error'], fixes: '更換電源' });
      assert.equal(inc.state, 'closed');
      assert.equal(obl(inc, 'closure_report').state, 'met');
      r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`,
        { type: 'damage_controlled', at: tp(aware + 2 * HOUR) });
      assertError(r, 409, 'precondition_failed');
      assert.equal(r.json.error.reason, 'incident_closed');
      await unchanged('ca.window', inc, 'event after closure');
      // A tracking meeting is still taken (P31), and the incident stays
      // closed.
      inc = await event('ca.window', inc.id, { type: 'meeting_held',
        at: tp(aware + 2 * HOUR), kind: 'tracking' });
      assert.equal(inc.state, 'closed');
      const t = await get('ca.window',
        `/api/v1/incidents/${inc.id}/platform-report`);
      assert.equal(t.json.stage, 'closure');
      assert.match(t.json.text, /【結報資料】/);
      assert.match(t.json.text, /事件原因：人為疏失/);
    });
  });

describe('bad input: 4xx with the reason, nothing changed',
  { timeout: 120000 }, () => {
    let inc;
    let countBefore;
    // Set when the suite is declared: the tables below use it.
    const aware = nowMs() - 3 * HOUR;

    before(async () => {
      inc = await create('ca.window', { agency: 'ca', level: 2,
        aware_at: tp(aware) });
      inc = await event('ca.ciso', inc.id, { type: 'level_approved',
        at: tp(aware + 5 * MIN), level: 2 });
      inc = await event('ca.window', inc.id, { type: 'reported',
        at: tp(aware + 10 * MIN), channel: 'platform',
        platform_ref: `ACS-BAD-${inc.id}` });
      countBefore = (await listIds('ca.window')).length;
    });

    const base = () => ({ agency: 'ca', title: '壞輸入', category: 'intrusion',
      aware_at: tp(aware), level: 2 });
    const createRows = [
      ['awareness in the future', { aware_at: tp(Date.now() + HOUR) },
        422, 'invalid_field', 'aware_at'],
      ['occurrence after awareness', { occurred_at: tp(aware + MIN) },
        422, 'invalid_field', 'occurred_at'],
      ['a level above 4', { level: 5 }, 422, 'invalid_field', 'level'],
      ['level 0 for a city agency (schools only)', { level: 0 }, 422,
        'invalid_field', 'level'],
      ['a level that is not a number', { level: '3' }, 422,
        'invalid_field', 'level'],
      ['awareness without an offset', { aware_at: '2026-01-10T14:00:00' },
        422, 'invalid_field', 'aware_at'],
      ['an unknown field', { colour: 'red' }, 422, 'unknown_field',
        'colour'],
      ['an unknown category', { category: 'ufo' }, 422, 'invalid_field',
        'category'],
      ['a symptom of another category', { symptoms: ['defacement'] }, 422,
        'invalid_field', 'symptoms'],
      ['an agency outside the caller\'s scope', { agency: 'dof' }, 422,
        'invalid_field', 'agency'],
      ['an unknown agency', { agency: 'no-such' }, 422, 'invalid_field',
        'agency'],
      ['an unknown affected agency', { affected_agencies: ['no-such'] }, 422,
        'invalid_field', 'affected_agencies'],
      ['itself as an affected agency', { affected_agencies: ['ca'] }, 422,
        'invalid_field', 'affected_agencies'],
      ['a missing title', { title: undefined }, 422, 'missing_field',
        'title'],
    ];
    for (const [what, change, status, code, field] of createRows) {
      it(`POST /incidents: ${what}`, async () => {
        const body = { ...base(), ...change };
        for (const k of Object.keys(body)) {
          if (body[k] === undefined) delete body[k];
        }
        const r = await post('ca.window', '/api/v1/incidents', body);
        assertError(r, status, code, field, what);
        assert.equal((await listIds('ca.window')).length, countBefore,
          `${what}: an incident was created`);
      });
    }

    const eventRows = () => [
      ['an unknown event type', 'ca.window', { type: 'teleported',
        at: tp(aware + HOUR) }, 422, 'invalid_field', 'type'],
      ['an unknown field', 'ca.window', { type: 'doit_copied',
        at: tp(aware + HOUR), colour: 'red' }, 422, 'unknown_field',
        'colour'],
      ['a field of another type', 'ca.window', { type: 'doit_copied',
        at: tp(aware + HOUR), level: 2 }, 422, 'unknown_field', 'level'],
      ['`at` without an offset', 'ca.window', { type: 'doit_copied',
        at: '2026-01-10T14:00:00' }, 422, 'invalid_field', 'at'],
      ['`at` in the future', 'ca.window', { type: 'doit_copied',
        at: tp(Date.now() + HOUR) }, 422, 'invalid_field', 'at'],
      ['a level outside 1-4', 'ca.ciso', { type: 'level_approved',
        at: tp(aware + HOUR), level: 0 }, 422, 'invalid_field', 'level'],
      ['a missing required field', 'ca.window', { type: 'backfilled',
        at: tp(aware + HOUR) }, 422, 'missing_field', 'platform_ref'],
      ['a failed precondition', 'ca.window', { type: 'backfilled',
        at: tp(aware + HOUR), platform_ref: 'ACS-NONE' }, 409,
        'precondition_failed', 'type'],
      ['a role that may not post it', 'ca.window', { type: 'level_reviewed',
        at: tp(aware + HOUR), level: 2 }, 403, 'forbidden', 'type'],
      ['an unknown notified agency', 'ca.window', { type: 'agency_notified',
        at: tp(aware + HOUR), agency: 'no-such' }, 422, 'invalid_field',
        'agency'],
      ['a team without members', 'ca.window', { type: 'team_formed',
        at: tp(aware + HOUR), members: [] }, 422, 'invalid_field',
        'members'],
      ['a member without a role', 'ca.window', { type: 'team_formed',
        at: tp(aware + HOUR), members: [{ username: 'ca.ciso' }] }, 422,
        'missing_field', 'members'],
      ['events on another agency\'s incident', 'doe.window', {
        type: 'doit_copied', at: tp(aware + HOUR) }, 404, 'not_found',
        null],
      ['a vendor posting an event', 'vendor.ca', { type: 'doit_copied',
        at: tp(aware + HOUR) }, 404, 'not_found', null],
      ['a stranger posting an event', 'dof.ciso', { type: 'level_approved',
        at: tp(aware + HOUR), level: 2 }, 404, 'not_found', null],
    ];
    it('POST /incidents/{id}/events: every refusal leaves the incident as ' +
      'it was', async () => {
      for (const [what, user, body, status, code, field] of eventRows()) {
        const r = await post(user, `/api/v1/incidents/${inc.id}/events`,
          body);
        assertError(r, status, code, field, what);
        await unchanged('ca.window', inc, what);
      }
    });

    it('a national report number already used by another incident is 409',
      async () => {
        const a2 = nowMs() - HOUR;
        let other = await create('ca.window', { agency: 'ca', level: 1,
          aware_at: tp(a2) });
        other = await event('ca.ciso', other.id, { type: 'level_approved',
          at: tp(a2 + MIN), level: 1 });
        const r = await post('ca.window',
          `/api/v1/incidents/${other.id}/events`, { type: 'reported',
            at: tp(a2 + 2 * MIN), channel: 'platform',
            platform_ref: `ACS-BAD-${inc.id}` });
        assertError(r, 409, 'conflict', 'platform_ref');
        await unchanged('ca.window', other, 'duplicate report number');
        // The same number again on its own incident is fine.
        await event('ca.window', inc.id, { type: 'reported',
          at: tp(aware + 20 * MIN), channel: 'platform',
          platform_ref: `ACS-BAD-${inc.id}` });
      });

    it('a stale If-Match is 409 version_conflict', async () => {
      const g = await get('ca.window', `/api/v1/incidents/${inc.id}`);
      const r = await post('ca.window', `/api/v1/incidents/${inc.id}/events`,
        { type: 'doit_copied', at: tp(aware + HOUR) },
        { 'If-Match': '"1"' });
      assertError(r, 409, 'version_conflict');
      await unchanged('ca.window', g.json, 'stale If-Match');
      const ok = await post('ca.window',
        `/api/v1/incidents/${inc.id}/events`,
        { type: 'doit_copied', at: tp(aware + HOUR) },
        { 'If-Match': g.headers.etag });
      assert.equal(ok.status, 201, show(ok));
      assert.equal(ok.headers.etag, `"${g.json.version + 1}"`);
    });

    it('malformed ids and bodies', async () => {
      assertError(await get('ca.window', '/api/v1/incidents/abc'), 404,
        'not_found');
      assertError(await get('ca.window', '/api/v1/incidents/12345'), 404,
        'not_found');
      const r = await call('ca.window', 'POST', '/api/v1/incidents', '{',
        { 'Content-Type': 'application/json' });
      assertError(r, 400, 'malformed_json');
      assertError(await get('ca.window', '/api/v1/incidents?level=9'), 400,
        'invalid_query', 'level');
      assertError(await get('ca.window', '/api/v1/incidents?cursor=x'), 400,
        'invalid_query', 'cursor');
      assertError(await get('ca.window', '/api/v1/obligations?state=late'),
        400, 'invalid_query', 'state');
    });
  });

describe('idempotency (CONVENTIONS)', { timeout: 60000 }, () => {
  it('the same key and body answer the first answer and change nothing; ' +
    'another body is refused', async () => {
    const aware = nowMs() - HOUR;
    const body = { agency: 'ca', title: '冪等', category: 'other',
      aware_at: tp(aware), level: 1 };
    const before0 = (await listIds('ca.window')).length;
    const h = { 'Idempotency-Key': 'phone-retry-1' };
    const a = await post('ca.window', '/api/v1/incidents', body, h);
    assert.equal(a.status, 201, show(a));
    const b = await post('ca.window', '/api/v1/incidents', body, h);
    assert.equal(b.status, 201, show(b));
    assert.equal(b.text, a.text, 'the first answer, byte for byte');
    assert.equal(b.headers.location, a.headers.location);
    assert.equal((await listIds('ca.window')).length, before0 + 1);
    const c = await post('ca.window', '/api/v1/incidents',
      { ...body, title: '另一個' }, h);
    assertError(c, 422, 'idempotency_key_reused', 'Idempotency-Key');
    assert.equal((await listIds('ca.window')).length, before0 + 1);
    // Keys are per caller: another person's same key is a new request.
    const d = await post('ca.staff', '/api/v1/incidents', body, h);
    assert.equal(d.status, 201, show(d));
    assert.notEqual(d.json.id, a.json.id);

    const e1 = await post('ca.ciso', `/api/v1/incidents/${a.json.id}/events`,
      { type: 'level_approved', at: tp(aware + MIN), level: 1 },
      { 'Idempotency-Key': 'ev-1' });
    assert.equal(e1.status, 201, show(e1));
    const e2 = await post('ca.ciso', `/api/v1/incidents/${a.json.id}/events`,
      { type: 'level_approved', at: tp(aware + MIN), level: 1 },
      { 'Idempotency-Key': 'ev-1' });
    assert.equal(e2.text, e1.text);
    const g = await get('ca.window', `/api/v1/incidents/${a.json.id}`);
    assert.equal(g.json.events.length, 1);
    assert.equal(g.json.version, 2);
    assertError(await post('ca.window', '/api/v1/incidents', body,
      { 'Idempotency-Key': ' has spaces ' }), 400, 'bad_request');
  });
});

describe('scope', { timeout: 60000 }, () => {
  let caInc;
  let vendorInc;
  let subInc;

  before(async () => {
    const aware = nowMs() - 2 * HOUR;
    caInc = await create('ca.window', { agency: 'ca', level: 1,
      aware_at: tp(aware) });
    vendorInc = await create('vendor.ca', { agency: 'ca', level: 2,
      aware_at: tp(aware), vendor_aware_at: tp(aware - HOUR),
      vendor_reported_at: tp(aware) });
    subInc = await create('ca-confucius.window', { agency: 'ca-confucius',
      level: 1, aware_at: tp(aware) });
  });

  it('another agency gets 404 and does not list it; DoIT sees all',
    async () => {
      assertError(await get('doe.window', `/api/v1/incidents/${caInc.id}`),
        404, 'not_found');
      assertError(await get('doe.window',
        `/api/v1/incidents/${caInc.id}/platform-report`), 404, 'not_found');
      assert.ok(!(await listIds('doe.window')).includes(caInc.id));
      assert.equal((await get('doit.reviewer',
        `/api/v1/incidents/${caInc.id}`)).status, 200);
      const all = await listIds('doit.reviewer');
      assert.ok(all.includes(caInc.id) && all.includes(subInc.id));
    });

  it('a vendor reports for its own agency only and sees only what it ' +
    'reported (P13)', async () => {
    // P13: the vendor's own times are kept; the clocks start at aware_at.
    assert.equal(vendorInc.vendor_aware_at,
      tp(Date.parse(vendorInc.aware_at) - HOUR));
    assert.equal(vendorInc.vendor_reported_at, vendorInc.aware_at);
    assert.equal(obl(vendorInc, 'report').due_at,
      tp(Date.parse(vendorInc.aware_at) + HOUR));
    assert.equal(vendorInc.reported_by, 'vendor.ca');
    const r = await post('vendor.ca', '/api/v1/incidents', {
      agency: 'ca-confucius', title: 'x', category: 'other',
      aware_at: tp(nowMs() - HOUR), level: 1 });
    assertError(r, 422, 'invalid_field', 'agency');
    assert.deepEqual(await listIds('vendor.ca'), [vendorInc.id]);
    assertError(await get('vendor.ca', `/api/v1/incidents/${caInc.id}`), 404,
      'not_found');
    assert.equal((await get('vendor.ca',
      `/api/v1/incidents/${vendorInc.id}`)).status, 200);
    // It reports; it records no events, not even on its own incident.
    assertError(await post('vendor.ca',
      `/api/v1/incidents/${vendorInc.id}/events`, { type: 'doit_copied',
        at: tp(nowMs() - MIN) }), 403, 'forbidden');
    // The agency's window sees what its vendor reported.
    assert.ok((await listIds('ca.window')).includes(vendorInc.id));
    const o = await get('vendor.ca', '/api/v1/obligations?limit=500');
    assert.ok(o.json.items.every((x) => x.incident === vendorInc.id),
      show(o));
  });

  it('an agency filter includes the agencies below it', async () => {
    const ids = await listIds('ca.window', 'agency=ca');
    assert.ok(ids.includes(subInc.id) && ids.includes(caInc.id));
    const sub = await listIds('ca.window', 'agency=ca-confucius');
    assert.ok(sub.includes(subInc.id) && !sub.includes(caInc.id));
    // The subordinate does not see its superior's.
    assert.ok(!(await listIds('ca-confucius.window')).includes(caInc.id));
    assertError(await get('ca-confucius.window',
      `/api/v1/incidents/${caInc.id}`), 404, 'not_found');
    // A filter outside the scope lists nothing of it.
    assert.deepEqual(await listIds('ca.window', 'agency=dof'), []);
  });

  it('lists are stable pages: no item twice, newest awareness first',
    async () => {
      const whole = await listIds('doit.reviewer');
      const paged = [];
      let cursor = null;
      do {
        const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const r = await get('doit.reviewer', `/api/v1/incidents?limit=3${q}`);
        assert.equal(r.status, 200, show(r));
        assert.ok(r.json.items.length <= 3);
        paged.push(...r.json.items);
        cursor = r.json.next_cursor;
      } while (cursor);
      assert.deepEqual(paged.map((i) => i.id), whole);
      for (let i = 1; i < paged.length; i++) {
        assert.ok(paged[i - 1].aware_at >= paged[i].aware_at);
      }
      const q = await get('doit.reviewer',
        `/api/v1/incidents?q=${encodeURIComponent('民政局網站')}`);
      assert.ok(q.json.items.length >= 1 && q.json.items.every((i) =>
        i.title.includes('民政局網站')), show(q));
      const st = await get('doit.reviewer', '/api/v1/incidents?state=closed');
      assert.ok(st.json.items.every((i) => i.state === 'closed'));
      const day = tp(nowMs()).slice(0, 10);
      const fr = await get('doit.reviewer',
        `/api/v1/incidents?from=2000-01-01&to=2000-12-31`);
      assert.deepEqual(fr.json.items, []);
      const td = await get('doit.reviewer', `/api/v1/incidents?to=${day}`);
      assert.equal(td.status, 200, show(td));
    });
});

describe('the obligations query', { timeout: 60000 }, () => {
  it('overdue and due-soon over the scope, by due time, paged',
    async () => {
      const aware = nowMs() - 3 * HOUR;
      const inc = await create('dof.window', { agency: 'dof', level: 3,
        aware_at: tp(aware) });
      const r = await get('dof.window', '/api/v1/obligations?state=overdue');
      assert.equal(r.status, 200, show(r));
      const mine = r.json.items.filter((o) => o.incident === inc.id);
      assert.deepEqual(mine.map((o) => o.name).sort(),
        ['report', 'team_formed']);
      assert.ok(r.json.items.every((o) => o.state === 'overdue' &&
        o.agency === 'dof'), show(r));
      // damage_control is due at aware + 36 h: within 48 h, not 1 h.
      const soon = await get('dof.window', '/api/v1/obligations?due_before=' +
        encodeURIComponent(tp(nowMs() + 48 * HOUR)));
      assert.ok(soon.json.items.some((o) => o.incident === inc.id &&
        o.name === 'damage_control' && o.state === 'pending'), show(soon));
      const dues = soon.json.items.map((o) => o.due_at);
      assert.deepEqual([...dues].sort(), dues, 'ordered by due time');
      const not = await get('dof.window', '/api/v1/obligations?due_before=' +
        encodeURIComponent(tp(nowMs() + HOUR)));
      assert.ok(!not.json.items.some((o) => o.incident === inc.id &&
        o.name === 'damage_control'));
      // Another agency's are not in the caller's scope; DoIT's are.
      const ca = await get('ca.window', '/api/v1/obligations?limit=500');
      assert.ok(!ca.json.items.some((o) => o.incident === inc.id));
      const all = [];
      let cursor = null;
      do {
        const q = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const p = await get('doit.reviewer', `/api/v1/obligations?limit=4${q}`);
        assert.equal(p.status, 200, show(p));
        all.push(...p.json.items);
        cursor = p.json.next_cursor;
      } while (cursor);
      const keys = all.map((o) => `${o.incident}/${o.name}/${o.subject}/` +
        `${o.period}`);
      assert.equal(new Set(keys).size, keys.length, 'no item twice');
      assert.ok(all.some((o) => o.incident === inc.id));
      assert.ok(all.some((o) => o.agency === 'ca'));
      const filt = await get('doit.reviewer',
        '/api/v1/obligations?agency=dof&limit=500');
      assert.ok(filt.json.items.length > 0 && filt.json.items.every((o) =>
        o.agency === 'dof'), show(filt));
    });
});

describe('the level helper and the report text', { timeout: 60000 }, () => {
  it('proposes the highest level with its row and column (P10)',
    async () => {
      const r = await post('ca.window', '/api/v1/level-helper', { answers: [
        { asset: 'non_core', effect: 'ci_serious' },
        { asset: 'core', effect: 'a_not_restored_in_time' },
        { asset: 'core', effect: 'ci_minor' },
      ] });
      assert.equal(r.status, 200, show(r));
      assert.deepEqual(r.json, { level: 3, row: 'core',
        column: 'a_not_restored_in_time', index: 1, policy: '2019-01-01' });
      assertError(await post('ca.window', '/api/v1/level-helper', { answers: [
        { asset: 'national_secret', effect: 'a_restored_in_time' }] }), 422,
      'invalid_field', 'answers');
      assertError(await post('ca.window', '/api/v1/level-helper',
        { answers: [] }), 422, 'invalid_field', 'answers');
    });

  it('the platform report names the agency, times, level and category ' +
    'in zh-TW', async () => {
    const aware = nowMs() - HOUR;
    const inc = await create('ca.window', { agency: 'ca', level: 2,
      aware_at: tp(aware), category: 'intrusion',
      symptoms: ['malware_planted'], description: '主機中毒',
      critical_sectors: ['water'], exercise: true });
    const r = await get('ca.window',
      `/api/v1/incidents/${inc.id}/platform-report`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.stage, 'initial');
    const t = r.json.text;
    for (const want of ['【資通安全事件通報－初報】',
      '通報機關：臺北市政府民政局（ca）',
      `知悉時間：${tp(aware).slice(0, 19).replace('T', ' ')}`,
      '事件等級：2 級', '事件分類：非法入侵', '事件現象：植入惡意程式',
      '主機中毒', '是否為演練：是', '影響之重要民生設施領域：水資源',
      '審核機關：臺北市政府資訊局']) {
      assert.ok(t.includes(want), `missing ${want}:\n${t}`);
    }
    assertError(await get('ca.window',
      `/api/v1/incidents/${inc.id}/platform-report?stage=final`), 400,
    'invalid_query', 'stage');
  });

  it('the OpenAPI document describes the incident routes', async () => {
    const r = await s.get('/api/v1/openapi.json');
    for (const p of ['/api/v1/incidents', '/api/v1/incidents/{id}',
      '/api/v1/incidents/{id}/events', '/api/v1/obligations',
      '/api/v1/incidents/{id}/platform-report', '/api/v1/level-helper']) {
      assert.ok(r.json.paths[p], `${p} missing`);
    }
  });
});

describe('the command line on the same store', { timeout: 60000 }, () => {
  it('incident list, incident show and overdue, with --json', async () => {
    const aware = nowMs() - 2 * HOUR;
    const inc = await create('dof.window', { agency: 'dof', level: 3,
      aware_at: tp(aware), title: 'CLI 事件' });
    let r = await runCli(['incident', 'list', '--agency', 'dof', '--json',
      '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const list = JSON.parse(r.stdout);
    assert.ok(list.items.some((i) => i.id === inc.id && i.agency === 'dof'));
    r = await runCli(['incident', 'list', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /CLI 事件/);
    r = await runCli(['incident', 'show', String(inc.id), '--json', '--db',
      db]);
    assert.equal(r.code, 0, r.stderr);
    const shown = JSON.parse(r.stdout);
    const api = await get('dof.window', `/api/v1/incidents/${inc.id}`);
    assert.equal(shown.id, inc.id);
    assert.deepEqual(shown.events, api.json.events);
    assert.deepEqual(shown.obligations.map((o) => o.name),
      api.json.obligations.map((o) => o.name));
    r = await runCli(['incident', 'show', String(inc.id), '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /obligations:/);
    r = await runCli(['overdue', '--json', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    const od = JSON.parse(r.stdout);
    assert.ok(od.items.some((o) => o.incident === inc.id &&
      o.name === 'report' && o.state === 'overdue'));
    assert.ok(od.items.every((o) => o.state === 'overdue'));
    r = await runCli(['overdue', '--within', '48', '--json', '--db', db]);
    assert.ok(JSON.parse(r.stdout).items.some((o) => o.incident === inc.id &&
      o.name === 'damage_control'));
    r = await runCli(['overdue', '--db', db]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\d+ obligations?\n$/);
  });

  it('exit 1 for no such incident, 2 for bad usage', async () => {
    let r = await runCli(['incident', 'show', '999', '--db', db]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    r = await runCli(['incident', 'frobnicate', '--db', db]);
    assert.equal(r.code, 2);
    r = await runCli(['incident', 'show', '--db', db]);
    assert.equal(r.code, 2);
    r = await runCli(['overdue', '--within', 'soon', '--db', db]);
    assert.equal(r.code, 2);
    r = await runCli(['incident', '--help']);
    assert.equal(r.code, 0);
    r = await runCli(['incident', 'list', '--db',
      path.join(tempDir(), 'none.db')]);
    assert.equal(r.code, 1);
  });
});
