// The API gaps the web interface found (issues 3, 4, 7): the caller's own
// API tokens (GET /api/v1/tokens), the agency directory every signed-in
// person reads to name affected agencies (P12), and the city's figures
// (GET /api/v1/stats/city), checked against the same figures computed
// here from the raw rows of the database.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/gaps.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { assertError, show } from './lib/expect.mjs';
import { runCli, sqlite } from './lib/server.mjs';
import {
  Client, DEMO_PASSWORD, demoServer, signIn, signInAdmin,
} from './lib/session.mjs';

let s;
let admin;
const who = {};

before(async () => {
  // A few hundred generated incidents over two years, exercises and
  // obligations met late among them, then the server.
  s = await demoServer({
    prepare: async (db) => {
      const r = await runCli(['generate', '--incidents', '600', '--agencies',
        '160', '--years', '2', '--seed', '7', '--db', db]);
      assert.equal(r.code, 0, r.stderr);
    },
  });
  admin = await signInAdmin(s);
  for (const u of ['ca.window', 'ca.ciso', 'doe.viewer', 'vendor.ca',
    'doit.reviewer', 'dist-songshan.window']) {
    who[u] = await signIn(s, u, DEMO_PASSWORD);
  }
});

after(async () => { if (s) await s.stop(); });

// Every item of a list, following next_cursor.
async function readAll(client, url, limit) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 1000; i++) {
    const sep = url.includes('?') ? '&' : '?';
    const q = `${sep}limit=${limit}` +
      (cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`);
    const r = await client.get(`${url}${q}`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.json.items.length <= limit, show(r));
    items.push(...r.json.items);
    cursor = r.json.next_cursor;
    if (cursor === null) return items;
  }
  assert.fail('next_cursor never became null');
}

const rows = async (sql) => {
  const out = await sqlite(s.db, sql);
  return out === '' ? [] : out.split('\n').map((l) => l.split('|'));
};

describe('GET /api/v1/tokens: the caller\'s own tokens', () => {
  it('lists every token newest first, never the token or its hash',
    async () => {
      const w = who['ca.window'];
      const made = [];
      for (const name of ['t-one', 't-two', 't-three']) {
        const r = await w.post('/api/v1/tokens', { name });
        assert.equal(r.status, 201, show(r));
        made.push(r.json);
      }
      const rv = await w.delete(`/api/v1/tokens/${made[1].id}`);
      assert.equal(rv.status, 204, show(rv));
      const cli = await runCli(['token', 'create', '--user', 'ca.window',
        '--name', 't-cli', '--db', s.db]);
      assert.equal(cli.code, 0, cli.stderr);

      const r = await w.get('/api/v1/tokens');
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.next_cursor, null);
      const byName = Object.fromEntries(r.json.items.map((t) => [t.name, t]));
      assert.deepEqual(Object.keys(byName).sort(),
        ['t-cli', 't-one', 't-three', 't-two']);
      for (const t of r.json.items) {
        assert.deepEqual(Object.keys(t).sort(), ['created_at', 'expires_at',
          'id', 'made_by', 'name', 'revoked_at', 'state'], show(r));
        assert.match(t.created_at, /\+08:00$/);
      }
      assert.equal(byName['t-two'].state, 'revoked');
      assert.match(byName['t-two'].revoked_at, /\+08:00$/);
      assert.equal(byName['t-one'].state, 'active');
      assert.equal(byName['t-one'].revoked_at, null);
      assert.equal(byName['t-one'].made_by, 'user');
      assert.equal(byName['t-cli'].made_by, 'cli');
      assert.equal(byName['t-one'].id, made[0].id);
      assert.equal(byName['t-one'].expires_at, made[0].expires_at);
      // Newest first.
      const times = r.json.items.map((t) => Date.parse(t.created_at));
      assert.deepEqual(times, [...times].sort((a, b) => b - a));
      // Neither a token nor a stored hash appears anywhere in the answer.
      for (const m of made) assert.ok(!r.text.includes(m.token));
      for (const [h] of await rows('SELECT token_hash FROM api_tokens')) {
        assert.ok(!r.text.includes(h), 'a token hash in the answer');
      }
      assert.ok(!/tbt_/.test(r.text));
    });

  it('pages by cursor without gaps or repeats', async () => {
    const w = who['ca.window'];
    const whole = (await w.get('/api/v1/tokens?limit=500')).json.items;
    for (const limit of [1, 2, 3]) {
      const paged = await readAll(w, '/api/v1/tokens', limit);
      assert.deepEqual(paged.map((t) => t.id), whole.map((t) => t.id));
    }
  });

  it('a token shows as expired after its time', async () => {
    const r = await who['ca.ciso'].post('/api/v1/tokens', { name: 'old' });
    assert.equal(r.status, 201, show(r));
    await sqlite(s.db, `UPDATE api_tokens SET expires_at = 1 WHERE id = ` +
      `${r.json.id}`);
    const l = await who['ca.ciso'].get('/api/v1/tokens');
    const t = l.json.items.find((x) => x.id === r.json.id);
    assert.equal(t.state, 'expired', show(l));
  });

  it('shows only the caller\'s own; doit_admin may name anyone', async () => {
    const mine = await who['ca.ciso'].get('/api/v1/tokens');
    assert.ok(mine.json.items.every((t) => t.name === 'old'), show(mine));
    const self = await who['ca.ciso'].get('/api/v1/tokens?username=ca.ciso');
    assert.deepEqual(self.json, mine.json);
    const a = await admin.get('/api/v1/tokens?username=ca.window&limit=500');
    assert.equal(a.status, 200, show(a));
    assert.deepEqual(a.json.items.map((t) => t.name).sort(),
      ['t-cli', 't-one', 't-three', 't-two']);
    assertError(await who['ca.ciso'].get(
      '/api/v1/tokens?username=ca.window'), 403, 'forbidden', 'username');
    assertError(await who['doit.reviewer'].get(
      '/api/v1/tokens?username=ca.window'), 403, 'forbidden', 'username');
    assertError(await admin.get('/api/v1/tokens?username=no.such.person'),
      404, 'not_found');
  });

  it('refuses bad parameters and anonymous callers', async () => {
    for (const q of ['limit=0', 'limit=501', 'limit=x', 'cursor=abc',
      'cursor=1', 'cursor=1.x', 'cursor=-1.5']) {
      const field = q.split('=')[0];
      assertError(await who['ca.window'].get(`/api/v1/tokens?${q}`), 400,
        'invalid_query', field, q);
    }
    assertError(await new Client(s).get('/api/v1/tokens'), 401,
      'unauthenticated');
  });
});

describe('GET /api/v1/agencies/directory (P12)', () => {
  it('gives every active agency to anyone signed in, and nothing more',
    async () => {
      await sqlite(s.db, "UPDATE agencies SET active = 0 WHERE code = " +
        "(SELECT max(code) FROM agencies WHERE code LIKE 'gen-%')");
      const expected = await rows('SELECT code, name, ' +
        "coalesce(name_en, '~'), type, coalesce(superior, '~') " +
        'FROM agencies WHERE active = 1 ORDER BY code');
      for (const u of ['ca.window', 'dist-songshan.window', 'vendor.ca']) {
        const items = await readAll(who[u], '/api/v1/agencies/directory',
          500);
        assert.deepEqual(items.map((a) => [a.code, a.name, a.name_en ?? '~',
          a.type, a.superior ?? '~']), expected, u);
        for (const a of items) {
          assert.deepEqual(Object.keys(a).sort(),
            ['code', 'name', 'name_en', 'superior', 'type']);
        }
      }
      // Outside the caller's scope all the same, but still 404 one by one.
      const codes = (await readAll(who['dist-songshan.window'],
        '/api/v1/agencies/directory', 500)).map((a) => a.code);
      assert.ok(codes.includes('doit') && codes.includes('doe'));
      assert.equal((await who['dist-songshan.window'].get(
        '/api/v1/agencies/doe')).status, 404);
    });

  it('pages in code order and filters by q', async () => {
    const whole = await readAll(who['ca.window'],
      '/api/v1/agencies/directory', 500);
    const paged = await readAll(who['ca.window'],
      '/api/v1/agencies/directory', 7);
    assert.deepEqual(paged.map((a) => a.code), whole.map((a) => a.code));
    const def = await who['ca.window'].get('/api/v1/agencies/directory');
    assert.equal(def.json.items.length, 50);
    const q = await who['ca.window'].get(
      `/api/v1/agencies/directory?q=${encodeURIComponent('民政局')}`);
    assert.equal(q.status, 200, show(q));
    assert.ok(q.json.items.some((a) => a.code === 'ca'), show(q));
    assert.ok(q.json.items.every((a) => /民政局/.test(a.name)), show(q));
  });

  it('is not taken for an agency code, which may not be "directory"',
    async () => {
      const r = await admin.post('/api/v1/agencies', {
        code: 'directory', name: '目錄', type: 'city_agency',
        responsibility_level: 'C' });
      assertError(r, 422, 'invalid_field', 'code');
      assertError(await who['ca.window'].get(
        '/api/v1/agencies/directory?limit=0'), 400, 'invalid_query', 'limit');
      assertError(await new Client(s).get('/api/v1/agencies/directory'), 401,
        'unauthenticated');
    });
});

// --- the figures, computed here from the rows ----------------------------

// The Taipei month (YYYY-MM) of an instant in microseconds.
const taipeiMonth = (us) => new Date(Number(us) / 1000 + 8 * 3600000)
  .toISOString().slice(0, 7);
// The instant a Taipei month starts, in microseconds.
const monthStartUs = (ym) => (Date.parse(`${ym}-01T00:00:00+08:00`)) * 1000;
function monthsBetween(from, to) {
  const out = [];
  let [y, m] = from.split('-').map(Number);
  for (;;) {
    const ym = `${y}-${String(m).padStart(2, '0')}`;
    out.push(ym);
    if (ym === to) return out;
    m += 1;
    if (m === 13) { m = 1; y += 1; }
  }
}

// The figures for incidents/obligations rows of a scope, as the API
// should give them.
function expectedStats({ incidents, obligations, names }, exercise, from,
  to, nowUs) {
  const inc = incidents.filter((i) => i.exercise === exercise);
  const open = inc.filter((i) => i.state !== 'closed');
  const byLevel = [0, 0, 0, 0, 0];
  const byAgency = new Map();
  for (const i of open) {
    byLevel[i.level] += 1;
    if (!byAgency.has(i.agency)) byAgency.set(i.agency, [0, 0, 0, 0, 0]);
    byAgency.get(i.agency)[i.level] += 1;
  }
  const obl = obligations.filter((o) => o.exercise === exercise);
  const review = obl.filter((o) => o.state === 'open' &&
    o.name === 'level_review');
  const overdue = obl.filter((o) => o.state === 'open' &&
    o.overdue_from !== null && o.overdue_from <= nowUs).length;
  const lo = monthStartUs(from);
  const months = monthsBetween(from, to);
  const next = (ym) => {
    let [y, m] = ym.split('-').map(Number);
    m += 1; if (m === 13) { m = 1; y += 1; }
    return `${y}-${String(m).padStart(2, '0')}`;
  };
  const end = monthStartUs(next(to));
  const awareById = new Map(inc.map((i) => [i.id, i]));
  const rate = (key) => {
    const m = new Map();
    for (const o of obl) {
      const i = awareById.get(o.incident);
      if (!i || i.aware_at < lo || i.aware_at >= end) continue;
      if (o.state !== 'met' && o.state !== 'met_late') continue;
      const k = o[key];
      if (!m.has(k)) m.set(k, [0, 0]);
      m.get(k)[0] += 1;
      if (o.state === 'met') m.get(k)[1] += 1;
    }
    return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  };
  const trend = months.map((ym) => {
    const lv = [0, 0, 0, 0, 0];
    for (const i of inc) if (taipeiMonth(i.aware_at) === ym) lv[i.level] += 1;
    return { month: ym, total: lv.reduce((a, b) => a + b, 0), by_level: lv };
  });
  return {
    open_incidents: {
      total: open.length, by_level: byLevel,
      by_agency: [...byAgency.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map(([agency, lv]) => ({ agency, name: names.get(agency),
          total: lv.reduce((a, b) => a + b, 0), by_level: lv })),
    },
    review_total: review.length,
    overdue_obligations: overdue,
    on_time: {
      by_obligation: rate('name').map(([name, [met, onTime]]) => ({
        name, met, on_time: onTime })),
      by_agency: rate('agency').map(([agency, [met, onTime]]) => ({
        agency, name: names.get(agency), met, on_time: onTime })),
    },
    trend,
  };
}

// The rows of the database within a scope: incidents whose agency (and
// obligations whose owing agency) is in codes, or all when codes is null.
async function scopeRows(codes) {
  const incidents = (await rows('SELECT id, agency, level, state, exercise,' +
    ' aware_at FROM incidents')).map(([id, agency, level, state, ex, aw]) => ({
    id, agency, level: Number(level), state, exercise: Number(ex),
    aware_at: Number(aw) }));
  const obligations = (await rows("SELECT incident, name, agency, state, " +
    "exercise, coalesce(overdue_from, '') FROM obligations")).map(
    ([incident, name, agency, state, ex, of]) => ({ incident, name, agency,
      state, exercise: Number(ex),
      overdue_from: of === '' ? null : Number(of) }));
  const names = new Map(await rows('SELECT code, name FROM agencies'));
  const inScope = (a) => codes === null || codes.has(a);
  return {
    incidents: incidents.filter((i) => inScope(i.agency)),
    obligations: obligations.filter((o) => inScope(o.agency)),
    allIncidents: incidents,
    names,
  };
}

// The agencies at or below code.
async function subtree(code) {
  const all = await rows("SELECT code, coalesce(superior, '') FROM agencies");
  const out = new Set([code]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [c, sup] of all) {
      if (!out.has(c) && out.has(sup)) { out.add(c); grew = true; }
    }
  }
  return out;
}

function assertStats(got, want, what) {
  assert.deepEqual(got.open_incidents, want.open_incidents, what);
  assert.equal(got.review_queue.total, want.review_total, what);
  assert.equal(got.overdue_obligations, want.overdue_obligations, what);
  const strip = (l) => l.map(({ rate, ...rest }) => {
    assert.ok(Math.abs(rate - rest.on_time / rest.met) < 1e-9, what);
    return rest;
  });
  assert.deepEqual(strip(got.on_time.by_obligation),
    want.on_time.by_obligation, what);
  assert.deepEqual(strip(got.on_time.by_agency), want.on_time.by_agency,
    what);
  assert.deepEqual(got.trend, want.trend, what);
}

describe('GET /api/v1/stats/city (issue 7)', () => {
  it('DoIT: the city\'s figures, real incidents only by default',
    async () => {
      const r = await admin.get('/api/v1/stats/city');
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.scope, 'city');
      assert.equal(r.json.agency, null);
      assert.equal(r.json.exercise, false);
      const nowMonth = taipeiMonth(Date.now() * 1000);
      assert.equal(r.json.to, nowMonth);
      assert.equal(r.json.trend.length, 12);
      assert.equal(r.json.trend.at(-1).month, nowMonth);
      const data = await scopeRows(null);
      assert.ok(data.incidents.some((i) => i.exercise === 1),
        'the generated data has exercises');
      const want = expectedStats(data, 0, r.json.from, r.json.to,
        Date.parse(r.json.generated_at) * 1000);
      assert.ok(want.open_incidents.total > 0 && want.trend.some(
        (t) => t.total > 0) && want.on_time.by_obligation.length > 0,
      'the data must make the figures non-trivial');
      assertStats(r.json, want, 'city');
      // The review queue: by due time, open level_review obligations.
      const q = r.json.review_queue;
      assert.ok(q.items.length === Math.min(q.total, 100), show(r));
      const dues = q.items.filter((x) => x.due_at !== null)
        .map((x) => Date.parse(x.due_at));
      assert.deepEqual(dues, [...dues].sort((a, b) => a - b));
    });

  it('exercises are counted alone with exercise=1, never with real ones',
    async () => {
      const r = await who['doit.reviewer'].get(
        '/api/v1/stats/city?exercise=1&from=2024-01&to=2027-12');
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.exercise, true);
      assert.equal(r.json.trend.length, 48);
      const want = expectedStats(await scopeRows(null), 1, '2024-01',
        '2027-12', Date.parse(r.json.generated_at) * 1000);
      assert.ok(want.trend.some((t) => t.total > 0));
      assertStats(r.json, want, 'exercises');
      const real = await admin.get(
        '/api/v1/stats/city?from=2024-01&to=2027-12');
      const sum = (j) => j.trend.reduce((a, t) => a + t.total, 0);
      const n = Number(await sqlite(s.db, 'SELECT count(*) FROM incidents ' +
        `WHERE aware_at >= ${monthStartUs('2024-01')} AND aware_at < ` +
        `${monthStartUs('2028-01')}`));
      assert.equal(sum(r.json) + sum(real.json), n);
    });

  it('an agency person gets their subtree; a vendor its own reports',
    async () => {
      const r = await who['ca.window'].get(
        '/api/v1/stats/city?from=2025-01&to=2026-12');
      assert.equal(r.status, 200, show(r));
      assert.equal(r.json.scope, 'agency');
      assert.equal(r.json.agency, 'ca');
      const codes = await subtree('ca');
      const want = expectedStats(await scopeRows(codes), 0, '2025-01',
        '2026-12', Date.parse(r.json.generated_at) * 1000);
      assertStats(r.json, want, 'ca');
      for (const a of r.json.open_incidents.by_agency) {
        assert.ok(codes.has(a.agency), a.agency);
      }
      const v = await who['vendor.ca'].get('/api/v1/stats/city');
      assert.equal(v.status, 200, show(v));
      assert.equal(v.json.scope, 'reporter');
      assert.equal(v.json.open_incidents.total, 0, 'the vendor reported none');
    });

  it('refuses bad parameters', async () => {
    for (const [q, field] of [['exercise=2', 'exercise'],
      ['exercise=yes', 'exercise'], ['from=2026-13', 'from'],
      ['from=2026-1', 'from'], ['from=+026-01', 'from'], ['to=2026/01', 'to'],
      ['from=2026-05&to=2026-04', 'from'], ['from=2020-01&to=2025-01', 'to'],
      ['to=1969-12', 'to']]) {
      assertError(await admin.get(`/api/v1/stats/city?${q}`), 400,
        'invalid_query', field, q);
    }
    const ok = await admin.get('/api/v1/stats/city?from=2020-01&to=2024-12');
    assert.equal(ok.status, 200, show(ok));
    assert.equal(ok.json.trend.length, 60);
    assertError(await new Client(s).get('/api/v1/stats/city'), 401,
      'unauthenticated');
  });
});
