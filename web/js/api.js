// api.js: the one way screens talk to the server.
//
// Every error the server sends has the shape
// {"error": {"code": "...", "message": "...", "field": "..."|null}}
// (CONVENTIONS.md, HTTP API); request() turns it, and every way a request
// can fail before it gets an answer, into an ApiError, so a screen handles
// failure in one place and can point at the field the server named.
// Messages come from the server in the language sent as Accept-Language.

import { lang, t } from './i18n.js';

// Long enough for a slow phone network, short enough that a person is not
// left looking at a spinner with no word of what is wrong.
const DEFAULT_TIMEOUT_MS = 15000;

// A failed request.  status is the HTTP status, 0 when no answer came;
// code and field are the server's (code 'network_error', 'timeout' or
// 'bad_response' when the failure is on the way); message is for people;
// body is the parsed answer when there was one, so a caller can read a
// shape of its own (GET /healthz answers 503 with its usual body);
// retryAfter is the Retry-After of a 429 or 503 in seconds, else null.
export class ApiError extends Error {
	constructor(status, code, message, field = null, body = null,
	    retryAfter = null) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field;
		this.body = body;
		this.retryAfter = retryAfter;
	}
}

// Seconds of a Retry-After header, which may also be an HTTP date;
// null when absent or unreadable.
function retryAfterOf(response) {
	const v = response.headers.get('Retry-After');
	if (v === null)
		return null;
	if (/^\d+$/.test(v.trim()))
		return Number(v.trim());
	const when = Date.parse(v);
	return Number.isNaN(when) ? null :
	    Math.max(0, Math.ceil((when - Date.now()) / 1000));
}

const unauthListeners = new Set();

// Calls FN(error) whenever an answer says the session is gone (401
// "unauthenticated"), so the frame can send the person to sign in again
// from wherever they were; returns the unsubscriber.
export function onUnauthenticated(fn) {
	unauthListeners.add(fn);
	return () => unauthListeners.delete(fn);
}

function isJson(response) {
	const type = response.headers.get('Content-Type') ?? '';
	return /^application\/([a-z.+-]+\+)?json\b/i.test(type);
}

// Returns the ApiError for an answer with a status outside 2xx.
function errorFrom(response, body) {
	const e = body?.error;
	const retry = retryAfterOf(response);
	if (e && typeof e.code === 'string' && typeof e.message === 'string')
		return new ApiError(response.status, e.code, e.message,
		    typeof e.field === 'string' ? e.field : null, body, retry);
	return new ApiError(response.status, `http_${response.status}`,
	    t('error.http', { status: response.status }), null, body, retry);
}

// Sends METHOD PATH and returns the parsed JSON answer (null for an empty
// one, such as 204).  Options: body (sent as JSON), headers (added),
// signal (an AbortSignal of the caller's; aborting it rejects with the
// DOMException 'AbortError' untouched, so a screen that goes away can
// cancel quietly), timeoutMs, idempotencyKey (sent as Idempotency-Key so
// a repeated POST from a flaky network files nothing twice), raw (resolve
// to {text, type} of a 2xx answer as it came, for CSV and plain text;
// accept then names what to ask for), etag (resolve to {body, etag}, the
// ETag to send back as If-Match with a change, so a change made by
// someone else meanwhile is refused rather than overwritten).
// Rejects with ApiError for an error answer, an answer that is not JSON
// where JSON was due, a network failure or a timeout.
export async function request(method, path, options = {}) {
	const headers = {
		Accept: options.accept ?? 'application/json',
		'Accept-Language': lang(),
		...options.headers,
	};
	const init = { method, headers, credentials: 'same-origin',
	    cache: 'no-store', redirect: 'error' };
	if (options.body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(options.body);
	}
	if (options.idempotencyKey)
		headers['Idempotency-Key'] = options.idempotencyKey;

	const timeout = AbortSignal.timeout(options.timeoutMs ??
	    DEFAULT_TIMEOUT_MS);
	init.signal = options.signal ?
	    AbortSignal.any([options.signal, timeout]) : timeout;

	// The body is read inside the same guard: a connection can drop, or
	// the timeout fire, after the headers arrived.
	let response, text;
	try {
		response = await fetch(path, init);
		text = await response.text();
	} catch (err) {
		if (options.signal?.aborted)
			throw err;
		if (timeout.aborted)
			throw new ApiError(0, 'timeout', t('error.timeout'));
		throw new ApiError(0, 'network_error', t('error.network'));
	}

	if (options.raw && response.ok)
		return { text, type: response.headers.get('Content-Type') ??
		    '' };
	let body = null;
	if (text !== '' && (options.raw ? isJson(response) : true)) {
		if (!isJson(response))
			throw new ApiError(response.status, 'bad_response',
			    t('error.bad_response',
			    { status: response.status }));
		try {
			body = JSON.parse(text);
		} catch {
			throw new ApiError(response.status, 'bad_response',
			    t('error.bad_response',
			    { status: response.status }));
		}
	}
	if (!response.ok) {
		const err = errorFrom(response, body);
		if (err.status === 401 && err.code === 'unauthenticated')
			for (const fn of unauthListeners)
				fn(err);
		throw err;
	}
	if (options.etag)
		return { body, etag: response.headers.get('ETag') };
	return body;
}

// Shorthands for request().
export const get = (path, options) => request('GET', path, options);
export const post = (path, body, options) =>
    request('POST', path, { ...options, body });
export const patch = (path, body, options) =>
    request('PATCH', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);

// Adds the query parameters of PARAMS whose value is neither undefined,
// null nor '' to PATH.
export function withQuery(path, params) {
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(params ?? {}))
		if (v !== undefined && v !== null && v !== '')
			q.set(k, String(v));
	const s = q.toString();
	return s === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${s}`;
}

// Reads a list ({"items": [...], "next_cursor": ...}) page after page,
// following next_cursor in the query parameter CURSOR ('cursor'; the
// audit trail calls it 'after'), until it ends or MAX items are in hand.
// Resolves to {items, truncated}: truncated says there was more, so a
// screen that sums the list can say its sums are partial.
export async function getAll(path, { signal, max = 5000, limit = 500,
    cursor = 'cursor' } = {}) {
	const items = [];
	let next = null;
	do {
		const page = await get(withQuery(path, { limit,
		    [cursor]: next }), { signal });
		items.push(...(page?.items ?? []));
		next = page?.next_cursor ?? null;
	} while (next !== null && items.length < max);
	return { items: items.slice(0, max),
	    truncated: next !== null || items.length > max };
}

// Returns a fresh Idempotency-Key: 128 random bits in hex.  Not
// crypto.randomUUID(), which a page served over plain HTTP on a LAN
// address does not have.
export function newKey() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
