// The API tests' harness: starts the real tongbao binary on a free loopback
// port with a fresh temporary database, talks HTTP to it (node:http for
// well-formed requests, node:net for the malformed ones no HTTP client will
// send), runs its subcommands, and stops it, checking that it exited 0 and
// that no sanitizer reported anything.
//
// The binary is $TONGBAO_BIN (relative to the working directory), else
// build/tongbao in the repository.  Only node's built-in modules are used,
// so the suite needs no npm install.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const BIN = process.env.TONGBAO_BIN
  ? path.resolve(process.env.TONGBAO_BIN)
  : path.join(REPO, 'build', 'tongbao');

// The administrator password every test database is created with.
export const ADMIN_PASSWORD = 'api-test-Passw0rd-2026';

// What a sanitizer prints when it finds something.  None of these may ever
// appear on a tongbao process's standard error.
export const SANITIZER_MARKS = [
  'ERROR: AddressSanitizer',
  'ERROR: LeakSanitizer',
  'runtime error:',
  'SUMMARY: UndefinedBehaviorSanitizer',
];

// The line `tongbao serve` prints once it accepts connections.
const LISTENING = /^listening on http:\/\/127\.0\.0\.1:(\d+)\s*$/m;

// Kept so that a test that fails halfway cannot leave a server running or
// a directory behind when its process exits.
const live = new Set();
const dirs = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A new empty directory under the system's temporary directory, removed
 * when the test process exits. */
export function tempDir() {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tongbao-api-'));
  dirs.add(d);
  return d;
}

/** The environment for a tongbao process: ours without any TONGBAO_*
 * variable (so a developer's settings cannot change a test), plus extra. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('TONGBAO_')) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Throws when text holds a sanitizer report; who names the process. */
export function assertNoSanitizerReport(text, who) {
  for (const mark of SANITIZER_MARKS) {
    if (text.includes(mark)) {
      const at = text.indexOf(mark);
      assert.fail(`${who}: sanitizer report on stderr:\n` +
        text.slice(Math.max(0, at - 200), at + 3000));
    }
  }
}

// Collects a stream's text, at most cap characters (the start and the end
// are kept), while looking at every chunk for a sanitizer mark so that a
// report in a dropped middle part is still found.
class Collector {
  constructor(cap = 8 * 1024 * 1024) {
    this.cap = cap;
    this.head = '';
    this.tail = '';
    this.dropped = 0;
    this.report = null;
    this.carry = '';
  }

  add(chunk) {
    const s = chunk.toString('utf8');
    const scan = this.carry + s;
    if (this.report === null) {
      for (const mark of SANITIZER_MARKS) {
        const at = scan.indexOf(mark);
        if (at >= 0) {
          this.report = scan.slice(Math.max(0, at - 200));
          break;
        }
      }
    } else if (this.report.length < 16384) {
      this.report += s;
    }
    this.carry = scan.slice(-64);
    if (this.head.length < this.cap / 2) {
      this.head += s;
      return;
    }
    this.tail += s;
    if (this.tail.length > this.cap / 2) {
      const cut = this.tail.length - this.cap / 2;
      this.dropped += cut;
      this.tail = this.tail.slice(cut);
    }
  }

  get text() {
    if (this.dropped === 0) return this.head + this.tail;
    return `${this.head}\n[... ${this.dropped} characters dropped ...]\n` +
      this.tail;
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `tongbao ARGS...` to completion.  Resolves to {code, signal, stdout,
 * stderr}; rejects when it outlives timeoutMs (it is killed then) or when
 * it printed a sanitizer report.  env is added to a clean environment.
 */
export function runCli(args, { env = {}, timeoutMs = 30000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(BIN, args, {
      env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(p);
    const out = new Collector();
    const err = new Collector();
    p.stdout.on('data', (c) => out.add(c));
    p.stderr.on('data', (c) => err.add(c));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`tongbao ${args.join(' ')}: still running after ` +
        `${timeoutMs} ms; stdout:\n${out.text}\nstderr:\n${err.text}`));
    }, timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      live.delete(p);
      reject(new Error(`cannot run ${BIN}: ${e.message}`));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(p);
      try {
        assertNoSanitizerReport(err.report ?? '', `tongbao ${args.join(' ')}`);
      } catch (e) {
        reject(e);
        return;
      }
      resolve({ code, signal, stdout: out.text, stderr: err.text });
    });
  });
}

/** Runs the sqlite3 command-line shell on db with sql; resolves to its
 * trimmed standard output, rejects when it fails. */
export function sqlite(db, sql, { timeoutMs = 20000 } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn('sqlite3', ['-batch', db, sql], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    // Decoded as a stream: a chunk may end inside a UTF-8 character.
    p.stdout.setEncoding('utf8');
    p.stdout.on('data', (c) => { out += c; });
    p.stderr.on('data', (c) => { err += c; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run sqlite3: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`sqlite3 ${db} "${sql}" exited ${code}: ${err}`));
      } else {
        resolve(out.trim());
      }
    });
  });
}

/** Creates a database at db with `tongbao init`, failing loudly. */
export async function initDb(db, env = {}) {
  const r = await runCli(['init', '--db', db], {
    env: { TONGBAO_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env },
  });
  assert.equal(r.code, 0,
    `tongbao init --db ${db} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/**
 * Parses the first HTTP/1.x response in buf (a Buffer).  Returns null when
 * buf does not start with a complete status line and header block; else
 * {status, reason, headers (lower-case names; repeated ones joined with
 * ", "), body (Buffer, de-chunked), text, json (undefined unless the body
 * is JSON)}.
 */
export function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!m) return null;
  const headers = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = buf.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    body = dechunk(body);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return finish({ status: Number(m[1]), reason: m[2], headers, body });
}

function dechunk(buf) {
  const parts = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// Adds text and json to a response with a Buffer body.
function finish(res) {
  res.text = res.body.toString('utf8');
  res.json = undefined;
  if (/json/i.test(res.headers['content-type'] ?? '') && res.text !== '') {
    try {
      res.json = JSON.parse(res.text);
    } catch {
      res.json = undefined;
    }
  }
  return res;
}

/**
 * Sends data (a string, a Buffer, or an array of them sent delayMs apart)
 * on a new connection to port and collects everything until the server
 * closes it or timeoutMs passes.  Resolves to {response (parseResponse of
 * what came back, or null), raw (Buffer), closed (the server closed or
 * reset it), error (the socket error code, if any), elapsed (ms)}.  With
 * untilResponse, it stops as soon as one whole response has arrived.
 */
export function rawRequest(port, data, {
  timeoutMs = 10000, delayMs = 0, untilResponse = false,
} = {}) {
  const chunks = Array.isArray(data) ? data : [data];
  return new Promise((resolve) => {
    const t0 = Date.now();
    const got = [];
    let done = false;
    let error = null;
    const sock = net.connect({ host: '127.0.0.1', port });
    const end = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      const raw = Buffer.concat(got);
      resolve({
        response: parseResponse(raw), raw, closed, error,
        elapsed: Date.now() - t0,
      });
    };
    const timer = setTimeout(() => end(false), timeoutMs);
    sock.on('connect', async () => {
      for (let i = 0; i < chunks.length && !done; i++) {
        if (i > 0 && delayMs > 0) await sleep(delayMs);
        if (done || sock.destroyed) break;
        sock.write(chunks[i]);
      }
    });
    sock.on('data', (c) => {
      got.push(c);
      if (untilResponse) {
        const r = parseResponse(Buffer.concat(got));
        if (r && responseComplete(Buffer.concat(got), r)) end(false);
      }
    });
    sock.on('error', (e) => { error = e.code ?? e.message; });
    sock.on('close', () => end(true));
  });
}

// Whether raw holds all of the response r announced.
function responseComplete(raw, r) {
  const head = raw.indexOf('\r\n\r\n') + 4;
  if (/chunked/i.test(r.headers['transfer-encoding'] ?? '')) {
    return raw.subarray(head).includes('0\r\n\r\n');
  }
  if (r.headers['content-length'] !== undefined) {
    return raw.length - head >= Number(r.headers['content-length']);
  }
  return r.status === 304 || r.status === 204 || r.status < 200;
}

/** A running `tongbao serve`; made by startServer(). */
export class Server {
  constructor(proc, dir, db, port, out, err) {
    this.proc = proc;
    this.dir = dir;
    this.db = db;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this._out = out;
    this._err = err;
    this.exited = new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        resolve({ code: proc.exitCode, signal: proc.signalCode });
      } else {
        proc.on('exit', (code, signal) => resolve({ code, signal }));
      }
    });
  }

  get stdout() { return this._out.text; }
  get stderr() { return this._err.text; }

  /**
   * One request on a fresh connection.  body may be a Buffer, a string, or
   * anything else, which is sent as JSON (Content-Type application/json
   * unless headers name one).  Resolves to {status, headers, body (Buffer),
   * text, json}; rejects on a socket error or after timeoutMs.
   */
  request(method, urlPath, { headers = {}, body, timeoutMs = 10000 } = {}) {
    const h = { ...headers };
    let payload = null;
    if (body !== undefined) {
      if (Buffer.isBuffer(body) || typeof body === 'string') {
        payload = Buffer.from(body);
      } else {
        payload = Buffer.from(JSON.stringify(body));
        const named = Object.keys(h).some(
          (k) => k.toLowerCase() === 'content-type');
        if (!named) h['Content-Type'] = 'application/json';
      }
      h['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1', port: this.port, method, path: urlPath,
        headers: h, agent: false,
      }, (res) => {
        const parts = [];
        res.on('data', (c) => parts.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve(finish({
            status: res.statusCode, reason: res.statusMessage,
            headers: res.headers, body: Buffer.concat(parts),
          }));
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => {
        req.destroy(new Error(`${method} ${urlPath}: no answer within ` +
          `${timeoutMs} ms`));
      }, timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.end(payload ?? undefined);
    });
  }

  get(urlPath, opts) { return this.request('GET', urlPath, opts); }

  /** rawRequest() against this server. */
  raw(data, opts) { return rawRequest(this.port, data, opts); }

  /** Whether the process is still running. */
  get running() {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /**
   * Sends SIGTERM (or signal; null sends none, for a test that already
   * did) and waits for the exit; asserts exit code 0 (or expectCode) and a
   * standard error free of sanitizer reports.  Resolves to {code, signal}.
   */
  async stop({ expectCode = 0, timeoutMs = 20000, signal = 'SIGTERM' } = {}) {
    if (signal !== null && this.running) this.proc.kill(signal);
    const r = await this.waitExit(timeoutMs);
    assertNoSanitizerReport(this._err.report ?? '', 'tongbao serve');
    assert.equal(r.signal, null,
      `tongbao serve was killed by ${r.signal}; stderr:\n${this.stderr}`);
    assert.equal(r.code, expectCode,
      `tongbao serve exited ${r.code}, expected ${expectCode}; ` +
      `stderr:\n${this.stderr}`);
    return r;
  }

  /** Waits for the process to exit on its own; SIGKILLs it and fails
   * after timeoutMs. */
  async waitExit(timeoutMs = 20000) {
    let timer;
    const late = new Promise((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const r = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (r === 'late') {
      this.proc.kill('SIGKILL');
      await this.exited;
      assert.fail(`tongbao serve did not exit within ${timeoutMs} ms of ` +
        `SIGTERM; stderr:\n${this.stderr}`);
    }
    live.delete(this.proc);
    return r;
  }

  /** For after() hooks: ends the process however it is, without checks. */
  async kill() {
    if (this.running) this.proc.kill('SIGKILL');
    await this.exited;
    live.delete(this.proc);
  }
}

/**
 * Starts `tongbao serve` on 127.0.0.1 with a port of its choosing and a
 * new database made by `tongbao init` (unless db names an existing one).
 * args are added to the command line and env to a clean environment.
 * Resolves once the server printed its "listening on" line; rejects when it
 * exits first or takes longer than timeoutMs.
 */
export async function startServer({
  args = [], env = {}, db, timeoutMs = 20000,
} = {}) {
  const dir = tempDir();
  if (db === undefined) {
    db = path.join(dir, 't.db');
    await initDb(db);
  }
  const proc = spawn(BIN,
    ['serve', '--db', db, '--listen', '127.0.0.1:0', ...args],
    { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  const out = new Collector();
  const err = new Collector();
  proc.stderr.on('data', (c) => err.add(c));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`tongbao serve printed no "listening on" line ` +
        `within ${timeoutMs} ms; stdout:\n${out.text}\nstderr:\n${err.text}`));
    }, timeoutMs);
    let found = false;
    proc.stdout.on('data', (c) => {
      out.add(c);
      if (found) return;
      const m = LISTENING.exec(out.text);
      if (m) {
        found = true;
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${BIN}: ${e.message}`));
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tongbao serve exited (code ${code}, signal ` +
        `${signal}) before listening; stdout:\n${out.text}\n` +
        `stderr:\n${err.text}`));
    });
  }).catch((e) => {
    proc.kill('SIGKILL');
    live.delete(proc);
    throw e;
  });
  return new Server(proc, dir, db, port, out, err);
}

export { sleep };
