// The browser modules that need no browser, imported straight from web/:
// the catalogues (same keys in both languages, every key the code uses
// present), t(), the router's matching, the Taipei time format, and the
// API wrapper against a loopback peer that sends the answers the real
// server cannot be made to send on demand (a proxy's HTML error page,
// broken JSON, silence).  Tables with the rows that must fail.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { REPO } from './support.mjs';

const WEB = path.join(REPO, 'web');
const load = (name) => import(pathToFileURL(path.join(WEB, 'js', name)));
const i18n = await load('i18n.js');
const router = await load('router.js');
const format = await load('format.js');
const api = await load('api.js');

function walk(dir) {
	return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
	    d.isDirectory() ? walk(path.join(dir, d.name)) :
	    [path.join(dir, d.name)]);
}

const sources = walk(WEB).filter((f) => /\.(js|html)$/.test(f));

// Every key the code names: t('key'), title = 'key', data-i18n*="key".
function usedKeys() {
	const keys = new Map();
	const patterns = [
		/\bt\(\s*'([a-z_]+\.[a-z_]+)'/g,
		/\btitle = '([a-z_]+\.[a-z_]+)'/g,
		/data-i18n(?:-[a-z-]+)?="([a-z_]+\.[a-z_]+)"/g,
	];
	for (const file of sources) {
		const text = readFileSync(file, 'utf8');
		for (const re of patterns)
			for (const m of text.matchAll(re))
				keys.set(m[1], path.relative(REPO, file));
	}
	return keys;
}

test('every file in web/ is listed in web/meson.build, and only those',
    () => {
	// A file left out would be missing from the binary and answer 404.
	const build = readFileSync(path.join(WEB, 'meson.build'), 'utf8');
	const list = build.slice(build.indexOf('web_files = files('));
	const listed = [...list.slice(0, list.indexOf(')')).matchAll(
	    /'([^']+)'/g)].map((m) => m[1]).sort();
	const present = walk(WEB).map((f) => path.relative(WEB, f))
	    .filter((f) => f !== 'meson.build').sort();
	assert.deepEqual(listed, present);
});

test('both catalogues hold the same keys, none empty', () => {
	const zh = Object.keys(i18n.CATALOGUES['zh-TW']).sort();
	const en = Object.keys(i18n.CATALOGUES.en).sort();
	assert.deepEqual(en, zh);
	for (const code of i18n.LANGS)
		for (const [k, v] of Object.entries(i18n.CATALOGUES[code]))
			assert.ok(typeof v === 'string' && v.trim() !== '',
			    `${code} ${k} is empty`);
});

test('placeholders match between the languages', () => {
	const names = (s) => [...s.matchAll(/\{([a-z_]+)\}/g)]
	    .map((m) => m[1]).sort();
	for (const [k, v] of Object.entries(i18n.CATALOGUES['zh-TW']))
		assert.deepEqual(names(i18n.CATALOGUES.en[k]), names(v), k);
});

test('every key the code uses is in the catalogue', () => {
	const used = usedKeys();
	assert.ok(used.size > 20, `found only ${used.size} keys in web/`);
	for (const [key, file] of used)
		assert.ok(Object.hasOwn(i18n.CATALOGUES['zh-TW'], key),
		    `${file} uses ${key}, which no catalogue holds`);
});

test('t() fills placeholders and shows a missing key as itself', () => {
	const rows = [
		// [language, key, vars, expected]
		['zh-TW', 'home.status_ok', undefined, '系統狀態：正常'],
		['en', 'home.status_ok', undefined, 'System status: normal'],
		['zh-TW', 'error.http', { status: 503 },
		    '伺服器回應錯誤（HTTP 503）。'],
		['en', 'app.not_found_body', { path: '/x' },
		    'No page matches the address /x.'],
		// A placeholder with no value stays visible, not "undefined".
		['en', 'error.http', {}, 'The server answered with an error ' +
		    '(HTTP {status}).'],
		['zh-TW', 'no.such_key', undefined, 'no.such_key'],
	];
	try {
		for (const [code, key, vars, want] of rows) {
			i18n.setLang(code);
			assert.equal(i18n.lang(), code);
			assert.equal(i18n.t(key, vars), want, `${code} ${key}`);
		}
	} finally {
		i18n.setLang(i18n.DEFAULT_LANG);
	}
});

test('setLang() refuses a language it has no catalogue for', () => {
	for (const bad of ['fr', 'zh-CN', '', undefined, 'ZH-TW'])
		assert.throws(() => i18n.setLang(bad), RangeError, String(bad));
	assert.equal(i18n.lang(), i18n.DEFAULT_LANG);
	assert.equal(i18n.htmlLang('zh-TW'), 'zh-Hant-TW');
	assert.equal(i18n.htmlLang('en'), 'en');
});

test('onLangChange() tells listeners once per change', () => {
	const seen = [];
	const off = i18n.onLangChange((code) => seen.push(code));
	try {
		i18n.setLang('en');
		i18n.setLang('en');
		i18n.setLang('zh-TW');
		off();
		i18n.setLang('en');
	} finally {
		i18n.setLang(i18n.DEFAULT_LANG);
	}
	assert.deepEqual(seen, ['en', 'zh-TW']);
});

test('matchPath() binds parameters and refuses what does not fit', () => {
	const rows = [
		// [pattern, path, expected params or null]
		['/', '/', {}],
		['/incidents/:id', '/incidents/42', { id: '42' }],
		['/agencies/:code/contacts', '/agencies/doit/contacts',
		    { code: 'doit' }],
		['/a/:x', '/a/%E9%80%9A%E5%A0%B1', { x: '通報' }],
		['/a/:x', '/a/', null],
		['/a/:x', '/a', null],
		['/a/:x', '/a/1/2', null],
		['/a/:x', '/a/%E0%A4%A', null],
		['/incidents', '/agencies', null],
		['/', '', null],
	];
	for (const [pattern, p, want] of rows)
		assert.deepEqual(router.matchPath(pattern, p), want,
		    `${pattern} ~ ${p}`);
});

test('parseHash() reads routes and treats in-page anchors as home', () => {
	const rows = [
		// [hash, path, query]
		['', '/', ''],
		['#', '/', ''],
		['#/', '/', ''],
		['#main', '/', ''],
		['#/incidents/7', '/incidents/7', ''],
		['#/incidents?state=open&level=3', '/incidents',
		    'state=open&level=3'],
	];
	for (const [hash, p, q] of rows) {
		const r = router.parseHash(hash);
		assert.equal(r.path, p, hash);
		assert.equal(r.query.toString(), q, hash);
	}
});

test('times show in Taipei, 24-hour, and nonsense shows as null', () => {
	const rows = [
		// [input, formatDateTime, formatTime]
		['2026-11-25T20:00:00+08:00', '2026-11-25 20:00:00',
		    '20:00:00'],
		['2026-11-25T16:00:00Z', '2026-11-26 00:00:00', '00:00:00'],
		[Date.UTC(2026, 0, 1, 3, 4, 5), '2026-01-01 11:04:05',
		    '11:04:05'],
		['not a time', null, null],
		['', null, null],
		[null, null, null],
		[undefined, null, null],
	];
	for (const [v, dt, tm] of rows) {
		assert.equal(format.formatDateTime(v), dt, String(v));
		assert.equal(format.formatTime(v), tm, String(v));
	}
});

// Answers of the loopback peer, by path: [status, content type, body].
const ANSWERS = {
	'/ok': [200, 'application/json', '{"status":"ok","n":1}'],
	'/empty': [204, null, ''],
	'/refused': [422, 'application/json; charset=utf-8',
	    '{"error":{"code":"invalid_field","message":"太長",' +
	    '"field":"name"}}'],
	'/nofield': [404, 'application/json',
	    '{"error":{"code":"not_found","message":"找不到","field":null}}'],
	'/degraded': [503, 'application/json',
	    '{"status":"degraded","store":"error","version":"0.1.0"}'],
	'/proxy': [502, 'text/html', '<html>Bad Gateway</html>'],
	'/html200': [200, 'text/html', '<html>login</html>'],
	'/broken': [200, 'application/json', '{"status":'],
	'/odd-error': [500, 'application/json', '{"error":"boom"}'],
};

test('request() turns every kind of answer into data or an ApiError',
    async (t) => {
	const seen = [];
	const peer = http.createServer((req, res) => {
		let body = '';
		req.on('data', (d) => { body += d; });
		req.on('end', () => {
			seen.push({ method: req.method, url: req.url,
			    headers: req.headers, body });
			if (req.url === '/silent')
				return;	// never answers: the timeout row
			const [status, type, text] = ANSWERS[req.url] ??
			    [404, 'text/plain', 'no'];
			res.writeHead(status, type ?
			    { 'Content-Type': type } : {});
			res.end(text);
		});
	});
	await new Promise((r) => peer.listen(0, '127.0.0.1', r));
	const base = `http://127.0.0.1:${peer.address().port}`;
	// A port that was free a moment ago: nothing listens there.
	const closed = http.createServer();
	await new Promise((r) => closed.listen(0, '127.0.0.1', r));
	const deadPort = closed.address().port;
	await new Promise((r) => closed.close(r));
	t.after(() => {
		peer.closeAllConnections();
		peer.close();
	});

	const rows = [
		// [path, options, expected value or {error: fields}]
		['/ok', {}, { status: 'ok', n: 1 }],
		['/empty', {}, null],
		['/refused', {}, { error: { status: 422, code: 'invalid_field',
		    message: '太長', field: 'name' } }],
		['/nofield', {}, { error: { status: 404, code: 'not_found',
		    message: '找不到', field: null } }],
		['/degraded', {}, { error: { status: 503, code: 'http_503',
		    field: null, body: { status: 'degraded', store: 'error',
		    version: '0.1.0' } } }],
		['/proxy', {}, { error: { status: 502,
		    code: 'bad_response' } }],
		['/html200', {}, { error: { status: 200,
		    code: 'bad_response' } }],
		['/broken', {}, { error: { status: 200,
		    code: 'bad_response' } }],
		['/odd-error', {}, { error: { status: 500, code: 'http_500',
		    message: '伺服器回應錯誤（HTTP 500）。' } }],
		['/silent', { timeoutMs: 300 }, { error: { status: 0,
		    code: 'timeout' } }],
		[`http://127.0.0.1:${deadPort}/x`, {}, { error: { status: 0,
		    code: 'network_error' } }],
	];
	for (const [p, options, want] of rows) {
		const url = p.startsWith('http') ? p : base + p;
		let got;
		try {
			got = await api.get(url, options);
		} catch (err) {
			assert.ok(err instanceof api.ApiError,
			    `${p}: ${err.stack}`);
			// The fields the row names; a row that wants a value
			// sees the code of the error it got instead.
			const fields = Object.keys(want?.error ?? { code: 0 });
			got = { error: Object.fromEntries(fields.map((k) =>
			    [k, err[k]])) };
		}
		assert.deepEqual(got, want, p);
	}

	// What goes out: the language, JSON, and the idempotency key.
	seen.length = 0;
	await api.post(base + '/ok', { name: '北投' },
	    { idempotencyKey: 'k-1' });
	assert.equal(seen[0].method, 'POST');
	assert.equal(seen[0].headers['accept-language'], 'zh-TW');
	assert.equal(seen[0].headers['content-type'], 'application/json');
	assert.equal(seen[0].headers['idempotency-key'], 'k-1');
	assert.deepEqual(JSON.parse(seen[0].body), { name: '北投' });

	// A caller's own abort is passed through untouched, not reported as
	// a failure of the server.
	const ac = new AbortController();
	const pending = api.get(base + '/silent', { signal: ac.signal });
	ac.abort();
	await assert.rejects(pending, (err) => err.name === 'AbortError');
});
