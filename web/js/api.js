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
// shape of its own (GET /healthz answers 503 with its usual body).
export class ApiError extends Error {
	constructor(status, code, message, field = null, body = null) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
		this.field = field;
		this.body = body;
	}
}

function isJson(response) {
	const type = response.headers.get('Content-Type') ?? '';
	return /^application\/([a-z.+-]+\+)?json\b/i.test(type);
}

// Returns the ApiError for an answer with a status outside 2xx.
function errorFrom(response, body) {
	const e = body?.error;
	if (e && typeof e.code === 'string' && typeof e.message === 'string')
		return new ApiError(response.status, e.code, e.message,
		    typeof e.field === 'string' ? e.field : null, body);
	return new ApiError(response.status, `http_${response.status}`,
	    t('error.http', { status: response.status }), null, body);
}

// Sends METHOD PATH and returns the parsed JSON answer (null for an empty
// one, such as 204).  Options: body (sent as JSON), headers (added),
// signal (an AbortSignal of the caller's; aborting it rejects with the
// DOMException 'AbortError' untouched, so a screen that goes away can
// cancel quietly), timeoutMs, idempotencyKey (sent as Idempotency-Key so
// a repeated POST from a flaky network files nothing twice).
// Rejects with ApiError for an error answer, an answer that is not JSON
// where JSON was due, a network failure or a timeout.
export async function request(method, path, options = {}) {
	const headers = {
		Accept: 'application/json',
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

	let body = null;
	if (text !== '') {
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
	if (!response.ok)
		throw errorFrom(response, body);
	return body;
}

// Shorthands for request().
export const get = (path, options) => request('GET', path, options);
export const post = (path, body, options) =>
    request('POST', path, { ...options, body });
export const patch = (path, body, options) =>
    request('PATCH', path, { ...options, body });
export const del = (path, options) => request('DELETE', path, options);
