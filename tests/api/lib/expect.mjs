// Assertions every API suite shares: the error body of CONVENTIONS.md and
// the headers issue 2 puts on every response.  Each failure message says
// what was expected and shows what came back.

import assert from 'node:assert/strict';

/** A short description of a response for failure messages. */
export function show(res) {
  if (res === null || res === undefined) return '(no response)';
  const body = res.text ?? '';
  return `HTTP ${res.status}\n` +
    Object.entries(res.headers).map(([k, v]) => `${k}: ${v}`).join('\n') +
    `\n\n${body.length > 2000 ? `${body.slice(0, 2000)}...` : body}`;
}

/**
 * Asserts that res is the error {"error":{"code","message","field"}} with
 * the given status and code.  field: a string the error must name, null
 * for an error that names none, undefined to accept either.  what, when
 * given, starts the failure message (the row of a table test).
 */
export function assertError(res, status, code, field, what) {
  if (what !== undefined) {
    try {
      assertError(res, status, code, field);
    } catch (e) {
      e.message = `${what}: ${e.message}`;
      throw e;
    }
    return;
  }
  assert.ok(res, `expected HTTP ${status} ${code}, got no response`);
  assert.equal(res.status, status,
    `expected HTTP ${status} (${code}), got:\n${show(res)}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/,
    `an error body must be JSON:\n${show(res)}`);
  assert.ok(res.json && typeof res.json.error === 'object',
    `expected {"error":{...}}, got:\n${show(res)}`);
  const e = res.json.error;
  assert.equal(e.code, code, `expected error code "${code}":\n${show(res)}`);
  assert.equal(typeof e.message, 'string',
    `error.message must be a string:\n${show(res)}`);
  assert.ok(e.message.length > 0, `error.message is empty:\n${show(res)}`);
  assert.ok('field' in e, `error.field must be present (null when no ` +
    `field is at fault):\n${show(res)}`);
  assert.ok(e.field === null || typeof e.field === 'string',
    `error.field must be null or a string:\n${show(res)}`);
  if (field !== undefined) {
    assert.equal(e.field, field,
      `expected the error to name field ${JSON.stringify(field)}:\n` +
      `${show(res)}`);
  }
}

/** Asserts the security headers issue 2 requires on every response. */
export function assertSecurityHeaders(res, what) {
  const h = res.headers;
  const where = `${what}:\n${show(res)}`;
  assert.ok((h['x-request-id'] ?? '').length > 0,
    `X-Request-Id missing on ${where}`);
  const csp = h['content-security-policy'] ?? '';
  assert.ok(csp.includes("default-src 'self'"),
    `Content-Security-Policy must contain default-src 'self' on ${where}`);
  assert.ok(csp.includes("frame-ancestors 'none'"),
    `Content-Security-Policy must contain frame-ancestors 'none' on ` +
    `${where}`);
  assert.ok(!csp.includes("'unsafe-inline'"),
    `Content-Security-Policy must not allow 'unsafe-inline' on ${where}`);
  assert.ok(!csp.includes("'unsafe-eval'"),
    `Content-Security-Policy must not allow 'unsafe-eval' on ${where}`);
  assert.equal((h['x-content-type-options'] ?? '').toLowerCase(), 'nosniff',
    `X-Content-Type-Options: nosniff missing on ${where}`);
  assert.equal((h['referrer-policy'] ?? '').toLowerCase(), 'no-referrer',
    `Referrer-Policy: no-referrer missing on ${where}`);
}
