// The authorization test generated from the route table (issue 3 §3): it
// reads GET /api/v1/openapi.json, whose operations carry the route
// table's permission as x-roles, and for EVERY operation (except the
// x-test-only ones) sends a request as
//   - an anonymous caller: 401 unless the operation is public;
//   - a person holding exactly one role, for each of the nine roles of
//     src/domain/access.h, all of agency `ca`:
//       role not in x-roles          -> 403 forbidden
//       role in x-roles              -> neither 401 nor 403
//   - and, for an operation with path parameters, once with parameters
//     naming records of the caller's own agency (`ca`, or below it) and
//     once naming records of another agency (`doit`, or below it):
//       other agency, role in x-roles -> 404 (unless the role sees every
//                                        agency: doit_reviewer, doit_admin)
//       own agency, role in x-roles   -> not 404 either (unless the maker
//                                        says the role may not see it)
// Every answer must also be below 500.  Requests go the browser's way:
// session cookie and our own Origin.
//
// So that no route can be added untested, every path parameter must have
// a FIXTURE MAKER below, keyed by the path up to the parameter and the
// parameter's name ('/api/v1/agencies {code}').  An operation with a
// parameter that has none fails this test, naming what to add.
//
// To add a maker: add an entry to FIXTURES whose key is the path text
// before "/{name}" and the name, e.g. '/api/v1/incidents/{id}/evidence
// {evidence_id}'.  Its make(ctx, req) returns the parameter's value for
// req.variant 'own' (a record of agency ctx.own, `ca`, or below it) or
// 'other' (a record of agency ctx.other, `doit`, or below it); req.values
// holds the parameters already made for the same path (left to right),
// req.role the caller's role, req.method the operation's method.  A
// maker may make a new record each time (needed when the operation
// changes or consumes it: DELETE, PATCH); it may use ctx.admin (a Client
// of doit_admin), ctx.as(username) (a Client of a demo person), ctx.sql()
// (the sqlite3 shell on the test database) and ctx.newId().  Optional
// fields: seesOther (roles that may reach another agency's record;
// default doit_reviewer and doit_admin), ownMay404 (roles that may or may
// not see an own record; default vendor, who sees only what it reported),
// ownMust404 (roles that must not see it).
//
// Request bodies are made from the operation's requestBody schema: the
// required properties only, with plausible values (BODIES overrides one
// operation's body).  A 422 still proves that authorization passed.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/api/authz.test.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, describe, it } from 'node:test';

import { show } from './lib/expect.mjs';
import { ADMIN_PASSWORD, sqlite, startServer } from './lib/server.mjs';
import {
  Client, DEMO_PASSWORD, demoDb, httpRequest, signIn, signInAdmin,
} from './lib/session.mjs';

// The nine roles of src/domain/access.h.
const ROLES = ['reporter', 'contact_window', 'ciso', 'commander', 'responder',
  'doit_reviewer', 'doit_admin', 'superior_viewer', 'vendor'];
// Roles that see every agency (REQUIREMENTS "Who may do what").
const SEE_ALL = ['doit_reviewer', 'doit_admin'];
const OWN = 'ca';
const OTHER = 'doit';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

// Operations whose handler checks the role against the body as well, so
// that a role in x-roles may still get 403 forbidden for a body that is
// not its to send.  Each entry says why; keep this list short.
const ROLE_CHECKED_BY_HANDLER = {
  'POST /api/v1/incidents/{id}/events':
    'which role posts which event type is checked per type ' +
    '(access_event_roles); the body sent is a type of the role when the ' +
    'schema says "Posted by: ROLE", else the first',
  'POST /api/v1/incidents/{id}/signatures':
    'who signs is checked per record (P32): the window signs the report ' +
    'and the closure, the commander the root cause and the plan, the CISO ' +
    'each; doit_admin signs nothing',
};

// Bodies that the schema alone cannot make right for this test.
const BODIES = {
  // Signing in with a wrong password is 401 by design, not a matter of
  // authorization: sign in for real (the answer is a new session).
  'POST /api/v1/session': () => ({
    username: 'admin', password: ADMIN_PASSWORD }),
  // A weak new password is refused before the current one is checked:
  // authorization is proven without changing anyone's password.
  'POST /api/v1/me/password': () => ({
    current_password: 'not-the-password', new_password: 'short' }),
};

// A Taipei time a minute ago, RFC 3339 with its offset.
function taipeiNow(offsetMs = -60000) {
  const t = new Date(Date.now() + offsetMs + 8 * 3600000);
  return `${t.toISOString().slice(0, 19)}+08:00`;
}

// --- the server and the people ---------------------------------------

let seq = 0;
const uniq = () => { seq += 1; return `${process.pid % 10000}${seq}`; };

const db = await demoDb(async (file) => {
  // One person per role, each holding exactly that role, at agency `ca`,
  // with the administrator's password (its hash copied).
  const hash = await sqlite(file, "SELECT password_hash FROM users WHERE " +
    "username = 'admin'");
  const rows = ROLES.map((r, i) => {
    const id = 8800000000 + i;
    const emp = r === 'vendor' ? 'vendor' : 'civil_servant';
    return `INSERT INTO users (id, username, name, agency, employment, ` +
      `password_hash, created_at, updated_at) VALUES (${id}, ` +
      `'authz.${r}', 'authz ${r}', '${OWN}', '${emp}', '${hash}', 1, 1);` +
      `INSERT INTO user_roles (user_id, role, granted_at) VALUES (${id}, ` +
      `'${r}', 1);`;
  });
  await sqlite(file, rows.join(''));
});
const server = await startServer({ db });
const docRes = await httpRequest(server.port, 'GET', '/api/v1/openapi.json');
assert.equal(docRes.status, 200, show(docRes));
const doc = docRes.json;

const clients = new Map();
async function roleClient(role, fresh = false) {
  if (fresh || !clients.has(role)) {
    clients.set(role, await signIn(server, `authz.${role}`,
      ADMIN_PASSWORD));
  }
  return clients.get(role);
}

const demo = new Map();
const ctx = {
  server, db, own: OWN, other: OTHER, doc,
  admin: null,
  /** A Client of a person of the demo (password DEMO_PASSWORD). */
  async as(username) {
    if (!demo.has(username)) {
      demo.set(username, await signIn(server, username, DEMO_PASSWORD));
    }
    return demo.get(username);
  },
  // The server may hold the write lock a moment: wait, do not fail.
  sql: (text) => sqlite(db, `PRAGMA busy_timeout = 5000; ${text}`),
  newId: () => 8900000000 + Number(uniq()),
  uniq,
  cache: new Map(),
  /** Memoises make() under key for the whole run. */
  async once(key, make) {
    if (!ctx.cache.has(key)) ctx.cache.set(key, await make());
    return ctx.cache.get(key);
  },
};
ctx.admin = await signInAdmin(server);

// --- fixture makers ---------------------------------------------------

// A new agency below code (so in the same scope), through the database.
async function freshAgency(code) {
  const c = `${code}-az${uniq()}`;
  await ctx.sql('INSERT INTO agencies (code, name, type, superior, ' +
    'responsibility_level, created_at, updated_at) VALUES ' +
    `('${c}', 'authz ${c}', 'subordinate', '${code}', 'D', 1, 1)`);
  return c;
}

// A new person of agency code (role reporter), through the database.
async function freshUser(code) {
  const id = ctx.newId();
  const u = `az${uniq()}.${code}`;
  await ctx.sql('INSERT INTO users (id, username, name, agency, employment,' +
    ` created_at, updated_at) VALUES (${id}, '${u}', 'authz', '${code}', ` +
    `'civil_servant', 1, 1); INSERT INTO user_roles (user_id, role, ` +
    `granted_at) VALUES (${id}, 'reporter', 1)`);
  return u;
}

const agencyOf = (req) => (req.variant === 'own' ? OWN : OTHER);
const changes = (req) => req.method !== 'GET';

const FIXTURES = {
  '/api/v1/agencies {code}': {
    // The real agencies, except for an operation that changes the agency
    // itself: it gets a new agency below them, so that the run does not
    // alter what later rows use.
    make: async (c, req) => (changes(req) && req.path.endsWith('{code}')
      ? freshAgency(agencyOf(req)) : agencyOf(req)),
  },
  '/api/v1/users {username}': {
    make: async (c, req) => (changes(req)
      ? freshUser(agencyOf(req)) : `${agencyOf(req)}.staff`),
  },
  '/api/v1/tokens {id}': {
    // A token is its owner's: another's is 404 to all but doit_admin,
    // whatever the agency.  A new one each time, as DELETE ends it.
    seesOther: ['doit_admin'],
    make: async (c, req) => {
      const who = req.variant === 'own' && req.role !== null
        ? await roleClient(req.role) : c.admin;
      const r = await who.post('/api/v1/tokens', { name: `authz-${uniq()}` });
      assert.equal(r.status, 201, `making a token:\n${show(r)}`);
      return String(r.json.id);
    },
  },
  '/api/v1/incidents {id}': {
    // An incident reported by the agency's window; a vendor sees only
    // those it reported itself, so never this one.
    ownMust404: ['vendor'],
    make: async (c, req) => c.once(`incident-${req.variant}`, async () => {
      const agency = agencyOf(req);
      const reporter = await c.as(`${agency}.window`);
      const op = doc.paths['/api/v1/incidents']?.post;
      assert.ok(op, 'GET /api/v1/incidents/{id} exists without POST ' +
        '/api/v1/incidents to make one: change this maker');
      const body = makeBody('POST /api/v1/incidents', op, { agency,
        role: 'contact_window' });
      const r = await reporter.post('/api/v1/incidents', body);
      assert.equal(r.status, 201, 'the incident maker could not report ' +
        `one with ${JSON.stringify(body)} (add an entry to BODIES for ` +
        `POST /api/v1/incidents):\n${show(r)}`);
      return String(r.json.id);
    }),
  },
  '/api/v1/agencies/{code}/contacts {id}': {
    // An assignment of the agency named by {code}: an existing one to
    // read, a new one (its deputy appointed again) to change.
    make: async (c, req) => {
      const code = req.values.code;
      if (!changes(req)) {
        const have = await c.admin.get(
          `/api/v1/agencies/${code}/contacts?limit=1`);
        if (have.status === 200 && have.json.items?.length > 0) {
          return String(have.json.items[0].id);
        }
      }
      const r = await c.admin.post(`/api/v1/agencies/${code}/contacts`, {
        username: await freshUser(code), role: 'deputy',
        effective_from: taipeiNow(), access_ready_at: taipeiNow() });
      assert.ok(r.status === 201, 'the contact maker could not appoint ' +
        `a deputy of ${code}:\n${show(r)}`);
      return String(r.json.id);
    },
  },
  // Issue 5 (P24-P27): core systems, contracts, preservation paths and
  // evidence items of the agency or incident the request names, made by
  // DoIT's admin; a new one for an operation that changes it.  None is
  // a vendor's to see (P13: it sees only what it reported).
  '/api/v1/agencies/{code}/systems {id}': {
    ownMust404: ['vendor'],
    make: async (c, req) => {
      const code = req.values.code;
      const mk = async () => {
        const r = await c.admin.post(`/api/v1/agencies/${code}/systems`, {
          name: `authz ${uniq()}`, tolerable_downtime_minutes: 60 });
        assert.equal(r.status, 201, `making a system of ${code}:\n` +
          show(r));
        return String(r.json.id);
      };
      return changes(req) ? mk() : c.once(`system-${code}`, mk);
    },
  },
  '/api/v1/systems {id}': {
    ownMust404: ['vendor'],
    make: async (c, req) => c.once(`system-${agencyOf(req)}`, async () => {
      const code = agencyOf(req);
      const r = await c.admin.post(`/api/v1/agencies/${code}/systems`, {
        name: `authz ${uniq()}`, tolerable_downtime_minutes: 60 });
      assert.equal(r.status, 201, `making a system of ${code}:\n${show(r)}`);
      return String(r.json.id);
    }),
  },
  '/api/v1/agencies/{code}/contracts {id}': {
    ownMust404: ['vendor'],
    make: async (c, req) => {
      const code = req.values.code;
      const mk = async () => {
        const r = await c.admin.post(`/api/v1/agencies/${code}/contracts`, {
          vendor: 'authz', title: `authz ${uniq()}`,
          starts_on: taipeiNow().slice(0, 10) });
        assert.equal(r.status, 201, `making a contract of ${code}:\n` +
          show(r));
        return String(r.json.id);
      };
      return changes(req) ? mk() : c.once(`contract-${code}`, mk);
    },
  },
  '/api/v1/incidents/{id}/preservation {pid}': {
    ownMust404: ['vendor'],
    make: async (c, req) => {
      const inc = req.values.id;
      const mk = async () => {
        const r = await c.admin.post(`/api/v1/incidents/${inc}/preservation`,
          { system: `authz ${uniq()}`, path: 'no_standby' });
        assert.equal(r.status, 201, `making a preservation path:\n` +
          show(r));
        return String(r.json.id);
      };
      return changes(req) ? mk() : c.once(`preservation-${inc}`, mk);
    },
  },
  '/api/v1/evidence {id}': {
    // A file stored here, so that its content can be downloaded.
    ownMust404: ['vendor'],
    make: async (c, req) => {
      const inc = await FIXTURES['/api/v1/incidents {id}'].make(c, req);
      const mk = async () => {
        const r = await c.admin.request('POST', `/api/v1/incidents/${inc}/` +
          `evidence?name=authz-${uniq()}.txt`, {
          body: Buffer.from('authz evidence\n'),
          headers: { 'Content-Type': 'application/octet-stream' } });
        assert.equal(r.status, 201, `uploading evidence:\n${show(r)}`);
        return String(r.json.id);
      };
      return changes(req) ? mk() : c.once(`evidence-${req.variant}`, mk);
    },
  },
  '/api/v1/incidents/{id}/improvements {iid}': {
    // An improvement action of the incident {id} names (issue 5, P29),
    // added by DoIT's administrator; a new one for each change (PATCH
    // consumes its version).
    ownMust404: ['vendor'],
    make: async (c, req) => {
      const inc = req.values.id;
      const mk = async () => {
        const r = await c.admin.post(`/api/v1/incidents/${inc}/improvements`,
          { term: 'short', title: `authz ${uniq()}`, owner: 'authz',
            due_at: taipeiNow().slice(0, 10) });
        assert.equal(r.status, 201, `adding an action:\n${show(r)}`);
        return String(r.json.id);
      };
      return changes(req) ? mk() : c.once(`improvement-${req.variant}`, mk);
    },
  },
  '/api/v1/notifications {id}': {
    // Messages are DoIT's to see whatever the agency (issue 6): a dead
    // one written through the database, new each time (retry changes it).
    make: async () => {
      const id = ctx.newId();
      const now = Date.now() * 1000;
      await ctx.sql('INSERT INTO outbox (id, idempotency_key, kind, ' +
        'channel, address, subject, body_text, body_html, payload, ' +
        'created_at, state, attempts, next_attempt_at, retry_from, ' +
        `last_error) VALUES (${id}, 'authz.${id}', 'test', 'email', ` +
        `'x@authz.test', 's', 't', 'h', '{}', ${now}, 'dead', 1, ${now}, ` +
        `${now}, 'authz')`);
      return String(id);
    },
  },
  '/api/v1/contacts/reachability-checks {id}': {
    // A check is city-wide, DoIT's (P7): one made through the database.
    make: async () => ctx.once('reach-check', async () => {
      const id = ctx.newId();
      const now = Date.now() * 1000;
      await ctx.sql('INSERT INTO reachability_checks (id, created_at, ' +
        `expires_at) VALUES (${id}, ${now}, ${now + 3600e6})`);
      return String(id);
    }),
  },
  '/api/v1/reachability {token}': {
    // The public confirmation link: 'own' is a token issued for ca's
    // window (written through the database with its BLAKE2b-256 hash, as
    // the server stores it), 'other' one never issued (404 to everyone).
    seesOther: [],
    make: async (c, req) => {
      if (req.variant === 'other') return 'A'.repeat(43);
      return ctx.once('reach-token', async () => {
        const token = `authz${uniq()}`.padEnd(43, 'x');
        const hash = execFileSync('/usr/bin/python3', ['-c',
          'import hashlib,sys; print(hashlib.blake2b(sys.argv[1].encode(),' +
          ' digest_size=32).hexdigest())', token]).toString().trim();
        const id = ctx.newId();
        const now = Date.now() * 1000;
        await ctx.sql('INSERT INTO reachability_checks (id, created_at, ' +
          `expires_at) VALUES (${id}, ${now}, ${now + 3600e6}); INSERT ` +
          'INTO reachability_confirmations (check_id, user_id, agency, ' +
          `contact_kind, token_hash, sent_at) SELECT ${id}, id, 'ca', ` +
          `'window', '${hash}', ${now} FROM users WHERE username = ` +
          "'ca.window'");
        return token;
      });
    },
  },
};

/** The maker for parameter name in path; throws, saying what to add. */
function findMaker(path, name) {
  const at = path.indexOf(`/{${name}}`);
  const key = `${path.slice(0, at)} {${name}}`;
  const m = FIXTURES[key];
  if (!m) {
    throw new Error(`no fixture maker for {${name}} in ${path}: add ` +
      `FIXTURES['${key}'] to tests/api/authz.test.mjs (how: the comment ` +
      'at the top of that file)');
  }
  return m;
}

// --- bodies ------------------------------------------------------------

function deref(schema) {
  let s = schema;
  for (let i = 0; s && s.$ref && i < 20; i++) {
    const parts = s.$ref.replace(/^#\//, '').split('/');
    s = parts.reduce((o, p) => o?.[p], doc);
  }
  return s ?? {};
}

// A string matching a simple regular expression: the first of each class
// or alternative, each quantified part at its least (at least once).
// Enough for the patterns of this API (codes, user names, hex digests).
function sampleOf(pattern) {
  let i = 0;
  const src = pattern;
  function atom() {
    const c = src[i];
    if (c === '(') {
      i += 1;
      if (src.startsWith('?:', i)) i += 2;
      const v = alternatives(')');
      i += 1;
      return v;
    }
    if (c === '[') {
      const end = src.indexOf(']', i + 2);
      const body = src.slice(i + 1, end);
      i = end + 1;
      if (body.startsWith('^')) return 'a';
      if (body[0] === '\\') return { d: '1', w: 'a', s: ' ' }[body[1]] ?? body[1];
      return body[0];
    }
    if (c === '\\') {
      const e = src[i + 1];
      i += 2;
      return { d: '1', w: 'a', s: ' ' }[e] ?? e;
    }
    i += 1;
    return c === '.' ? 'a' : c;
  }
  function quantified() {
    const a = atom();
    const q = src[i];
    if (q === '{') {
      const end = src.indexOf('}', i);
      const [lo] = src.slice(i + 1, end).split(',').map(Number);
      i = end + 1;
      return a.repeat(Math.max(lo, 1));
    }
    if (q === '*' || q === '+' || q === '?') { i += 1; return a; }
    return a;
  }
  function alternatives(stop) {
    let out = '';
    while (i < src.length && src[i] !== stop && src[i] !== '|') {
      if (src[i] === '^' || src[i] === '$') { i += 1; continue; }
      out += quantified();
    }
    while (i < src.length && src[i] === '|') {
      i += 1;
      alternatives(stop);
    }
    return out;
  }
  return alternatives(undefined);
}

// A string for schema s: a pattern's example if one fits, else a word.
function stringFor(name, s, hints) {
  if (s.format === 'date-time' || /(_at|_from|_until)$/.test(name)) {
    return taipeiNow();
  }
  if (s.format === 'date') return taipeiNow().slice(0, 10);
  if (name === 'agency' || name === 'superior' || name === 'supervisor') {
    return hints.agency;
  }
  const word = `authz${uniq()}`;
  const tries = [word, `az-${word}`, `${word}@example.org`, 'a', '1'];
  let v = word;
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    let sample = '';
    try { sample = sampleOf(s.pattern); } catch { sample = ''; }
    v = tries.find((t) => re.test(t)) ??
      (re.test(sample) ? sample : word);
  }
  if (s.minLength && v.length < s.minLength) {
    v = v.padEnd(s.minLength, 'x');
  }
  if (s.maxLength && v.length > s.maxLength) v = v.slice(0, s.maxLength);
  return v;
}

/** A value for schema under property name; hints: {agency, role}. */
function valueFor(name, schema, hints, depth = 0) {
  const s = deref(schema);
  if (depth > 8) return null;
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  const alts = s.oneOf ?? s.anyOf;
  if (Array.isArray(alts)) {
    const mine = alts.map(deref).find((a) => new RegExp(
      `Posted by:[^.]*\\b${hints.role}\\b`).test(a.description ?? ''));
    return valueFor(name, mine ?? alts[0], hints, depth + 1);
  }
  if (Array.isArray(s.allOf)) {
    return Object.assign({}, ...s.allOf.map((a) =>
      valueFor(name, a, hints, depth + 1)));
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null')
    : s.type;
  switch (type ?? (s.properties ? 'object' : 'string')) {
    case 'object': {
      const out = {};
      for (const k of s.required ?? []) {
        out[k] = valueFor(k, s.properties?.[k] ?? {}, hints, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = s.minItems ?? 0;
      return Array.from({ length: n }, () =>
        valueFor(name, s.items ?? {}, hints, depth + 1));
    }
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? (s.exclusiveMinimum ?? 0) + 1;
      const hi = s.maximum ?? Math.max(lo, 1);
      return Math.min(Math.max(1, lo), hi);
    }
    case 'boolean': return false;
    default: return stringFor(name, s, hints);
  }
}

/** The body to send to an operation, or undefined for none. */
function makeBody(key, op, hints) {
  if (BODIES[key]) return BODIES[key](hints);
  const content = deref(op.requestBody)?.content;
  if (!content) return undefined;
  if (content['application/json']) {
    return valueFor('', content['application/json'].schema ?? {}, hints);
  }
  const type = Object.keys(content)[0];
  return { raw: Buffer.from('authz test body\n'), type };
}

// --- the matrix --------------------------------------------------------

function operations() {
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(item)) {
      if (!METHODS.includes(m) || op['x-test-only']) continue;
      const params = [...path.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
      ops.push({ path, method: m.toUpperCase(), op, params,
        key: `${m.toUpperCase()} ${path}` });
    }
  }
  return ops;
}

// Fills path and query for one request.
async function target(o, role, variant) {
  const values = {};
  let url = o.path;
  for (const name of o.params) {
    const maker = findMaker(o.path, name);
    values[name] = await maker.make(ctx, {
      variant, role, method: o.method, values, path: o.path });
    url = url.replace(`{${name}}`, encodeURIComponent(values[name]));
  }
  const q = [];
  const params = [...(doc.paths[o.path].parameters ?? []),
    ...(o.op.parameters ?? [])].map(deref);
  for (const p of params) {
    if (p.in === 'query' && p.required) {
      q.push(`${p.name}=${encodeURIComponent(String(valueFor(p.name,
        p.schema ?? {}, { agency: variant === 'own' ? OWN : OTHER, role })))}`);
    }
  }
  return q.length ? `${url}?${q.join('&')}` : url;
}

async function send(client, o, url, body) {
  if (body && body.raw) {
    return client.request(o.method, url, {
      body: body.raw, headers: { 'Content-Type': body.type } });
  }
  return client.request(o.method, url, { body });
}

// The operations that may end the caller's session; after them, a role
// signs in again when it must.
async function keepSignedIn(role) {
  const c = await roleClient(role);
  const me = await c.get('/api/v1/me');
  if (me.status === 401) await roleClient(role, true);
}

const OPS = operations();

describe('authorization of every operation x role x own/other agency',
  { timeout: 600000 }, () => {
    after(async () => { await server.stop(); });

    it('the document lists operations, each with x-roles', () => {
      assert.ok(OPS.length >= 10, `only ${OPS.length} operations`);
      for (const o of OPS) {
        assert.ok(Array.isArray(o.op['x-roles']), `${o.key} has no x-roles`);
        for (const r of o.op['x-roles']) {
          assert.ok(ROLES.includes(r), `${o.key}: unknown role ${r}`);
        }
      }
    });

    it('a path parameter without a fixture maker fails, naming what to ' +
      'add', () => {
      assert.throws(() => findMaker('/api/v1/widgets/{widget_id}',
        'widget_id'), /FIXTURES\['\/api\/v1\/widgets \{widget_id\}'\]/);
      const missing = [];
      for (const o of OPS) {
        for (const name of o.params) {
          try { findMaker(o.path, name); } catch (e) { missing.push(e.message); }
        }
      }
      assert.deepEqual(missing, [], missing.join('\n'));
    });

    for (const o of OPS) {
      it(`${o.key} [${o.op['x-roles'].join(', ') || 'public'}]`, async () => {
        const roles = o.op['x-roles'];
        const isPublic = o.op['x-permission'] === 'public' ||
          roles.length === 0;
        const problems = [];
        const check = (cond, what, res) => {
          if (!cond) problems.push(`${what}: got ${res.status}\n${show(res)}`);
        };
        for (const name of o.params) findMaker(o.path, name);

        // Anonymous.
        {
          const url = await target(o, null, 'own');
          const res = await send(new Client(server), o, url,
            makeBody(o.key, o.op, { agency: OWN, role: 'anonymous' }));
          check(res.status < 500, 'anonymous: below 500', res);
          if (isPublic) {
            check(res.status !== 401 && res.status !== 403,
              'anonymous on a public operation: neither 401 nor 403', res);
          } else {
            check(res.status === 401 &&
              res.json?.error?.code === 'unauthenticated',
            'anonymous: 401 unauthenticated', res);
          }
        }

        const variants = o.params.length > 0 ? ['own', 'other'] : ['own'];
        for (const role of ROLES) {
          for (const variant of variants) {
            const where = `${role}, ${variant} agency`;
            const url = await target(o, role, variant);
            const body = makeBody(o.key, o.op, {
              agency: variant === 'own' ? OWN : OTHER, role });
            const res = await send(await roleClient(role), o, url, body);
            const code = res.json?.error?.code;
            check(res.status < 500, `${where} ${url}: below 500`, res);
            if (!isPublic && !roles.includes(role)) {
              check(res.status === 403 && code === 'forbidden',
                `${where} ${url}: not in x-roles, 403 forbidden`, res);
            } else {
              const handlerMay403 = ROLE_CHECKED_BY_HANDLER[o.key] &&
                res.status === 403 && code === 'forbidden';
              check(res.status !== 401,
                `${where} ${url}: in x-roles, not 401`, res);
              check(res.status !== 403 || handlerMay403,
                `${where} ${url}: in x-roles, not 403`, res);
              const makers = o.params.map((n) => findMaker(o.path, n));
              if (variant === 'other') {
                const sees = makers.every((m) =>
                  (m.seesOther ?? SEE_ALL).includes(role));
                if (sees) {
                  check(res.status !== 404,
                    `${where} ${url}: sees every agency, not 404`, res);
                } else {
                  check(res.status === 404,
                    `${where} ${url}: another agency's record, 404`, res);
                }
              } else if (o.params.length > 0) {
                const must = makers.some((m) =>
                  (m.ownMust404 ?? []).includes(role));
                const may = makers.some((m) =>
                  (m.ownMay404 ?? ['vendor']).includes(role));
                if (must) {
                  check(res.status === 404,
                    `${where} ${url}: not the role's to see, 404`, res);
                } else if (!may) {
                  check(res.status !== 404,
                    `${where} ${url}: own agency's record, not 404`, res);
                }
              }
            }
            if (o.method !== 'GET') await keepSignedIn(role);
          }
        }
        assert.deepEqual(problems, [], `${o.key}:\n${problems.join('\n\n')}`);
      });
    }
  });
