// Signing in for the API tests (issue 3): a Client holds one session
// cookie (or an API token) and sends requests the way the browser
// interface does, with the server's own Origin on every state-changing
// request (CONVENTIONS.md, CSRF).  It can also send from another loopback
// address (localAddress '127.0.0.2'): the server listens on 127.0.0.1 and
// Linux routes all of 127/8 there, which is how the tests play "another
// machine" for the sign-in throttle.
//
// demoServer() starts a server on a database loaded with `tongbao demo`,
// whose people all have the password DEMO_PASSWORD.

import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';

import { show } from './expect.mjs';
import {
  ADMIN_PASSWORD, initDb, runCli, startServer, tempDir,
} from './server.mjs';

// The password of every account `tongbao demo` makes (README).
export const DEMO_PASSWORD = 'tongbao-demo-2026';

// Methods a browser may send cross-site without CSRF checks.
const SAFE = new Set(['GET', 'HEAD']);

/**
 * One HTTP request to port, on a new connection.  opts: headers, body
 * (an object is sent as JSON), localAddress, agent, timeoutMs.  Resolves
 * to {status, headers, text, json}.
 */
export function httpRequest(port, method, urlPath, {
  headers = {}, body, localAddress, agent = false, timeoutMs = 15000,
} = {}) {
  const h = { ...headers };
  let payload = null;
  if (body !== undefined) {
    payload = Buffer.isBuffer(body) || typeof body === 'string'
      ? Buffer.from(body) : Buffer.from(JSON.stringify(body));
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['Content-Type'] = 'application/json';
    }
    h['Content-Length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, headers: h, agent,
      localAddress,
    }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(parts).toString('utf8');
        let json;
        if (/json/i.test(res.headers['content-type'] ?? '') && text) {
          try { json = JSON.parse(text); } catch { json = undefined; }
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', (e) => { clearTimeout(timer); reject(e); });
    });
    const timer = setTimeout(() => req.destroy(new Error(
      `${method} ${urlPath}: no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(payload ?? undefined);
  });
}

/** The name=value part of a Set-Cookie header for the session, or null. */
export function sessionCookie(res) {
  const set = [].concat(res.headers['set-cookie'] ?? []);
  for (const c of set) {
    const m = /^(tb_session=[^;]*)/.exec(c);
    if (m) return m[1];
  }
  return null;
}

/** A caller: anonymous, a session cookie or a bearer token. */
export class Client {
  /**
   * server: a Server of lib/server.mjs.  opts: cookie ('tb_session=...'),
   * token, origin (default the server's own; null sends none),
   * localAddress.
   */
  constructor(server, { cookie = null, token = null, origin, localAddress,
    username = null } = {}) {
    this.server = server;
    this.cookie = cookie;
    this.token = token;
    this.origin = origin === undefined ? server.base : origin;
    this.localAddress = localAddress;
    this.username = username;
  }

  /** Sends a request as this caller; headers given win over ours. */
  request(method, urlPath, { headers = {}, body, origin } = {}) {
    const h = {};
    if (this.cookie) h.Cookie = this.cookie;
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    const o = origin === undefined ? this.origin : origin;
    if (o !== null && !SAFE.has(method)) h.Origin = o;
    return httpRequest(this.server.port, method, urlPath, {
      headers: { ...h, ...headers }, body, localAddress: this.localAddress,
    });
  }

  get(urlPath, opts) { return this.request('GET', urlPath, opts); }
  post(urlPath, body, opts = {}) {
    return this.request('POST', urlPath, { ...opts, body });
  }
  patch(urlPath, body, opts = {}) {
    return this.request('PATCH', urlPath, { ...opts, body });
  }
  delete(urlPath, opts) { return this.request('DELETE', urlPath, opts); }
}

/**
 * Signs username in with password; asserts 201 and a cookie.  Resolves to
 * a Client holding the session.  opts: localAddress.
 */
export async function signIn(server, username, password, opts = {}) {
  const r = await httpRequest(server.port, 'POST', '/api/v1/session', {
    body: { username, password }, localAddress: opts.localAddress,
    headers: { Origin: server.base },
  });
  assert.equal(r.status, 201, `sign-in of ${username}:\n${show(r)}`);
  const cookie = sessionCookie(r);
  assert.ok(cookie, `sign-in of ${username} set no session cookie:\n` +
    show(r));
  return new Client(server, {
    cookie, localAddress: opts.localAddress, username,
  });
}

/** Signs admin in (the password of every test database). */
export function signInAdmin(server, opts) {
  return signIn(server, 'admin', ADMIN_PASSWORD, opts);
}

/**
 * A new database made by `tongbao init` and loaded with `tongbao demo`;
 * resolves to its path.  prepare(db), when given, runs before any server
 * opens it (to add rows with the sqlite3 shell).
 */
export async function demoDb(prepare) {
  const db = path.join(tempDir(), 'demo.db');
  await initDb(db);
  const r = await runCli(['demo', '--db', db]);
  assert.equal(r.code, 0, `tongbao demo exited ${r.code}:\n${r.stderr}`);
  if (prepare) await prepare(db);
  return db;
}

/** startServer() on a demo database (see demoDb). */
export async function demoServer({ args = [], env = {}, prepare } = {}) {
  const db = await demoDb(prepare);
  return startServer({ db, args, env });
}
