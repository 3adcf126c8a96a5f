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

const ui = await load('ui.js');
const session = await load('session.js');

test('times read back from the forms as Taipei time, and nonsense as null',
    () => {
	const rows = [
		// [datetime-local text, RFC 3339 sent to the server]
		['2026-11-25T14:30', '2026-11-25T14:30:00+08:00'],
		['2026-11-25T00:00:59', '2026-11-25T00:00:59+08:00'],
		['2026-02-29T10:00', null],	// no such day
		['2026-11-25 14:30', null],
		['2026-11-25T24:00', null],
		['', null],
		[null, null],
	];
	for (const [text, want] of rows)
		assert.equal(format.fromLocalInput(text), want, String(text));
	// And the other way, whatever the computer's zone.
	assert.equal(format.toLocalInput('2026-11-25T06:30:00Z'),
	    '2026-11-25T14:30');
	assert.equal(format.formatMinute('2026-11-25T16:05:59Z'),
	    '2026-11-26 00:05');
	assert.equal(format.taipeiMonth('2026-11-30T16:00:00Z'), '2026-12');
	assert.equal(format.formatRoc('2026-11-25T08:30:00Z'),
	    '中華民國115年11月25日 16時30分');
	assert.equal(format.formatRoc('2026-01-05T01:05:00Z'),
	    '中華民國115年1月5日 9時5分');
});

test('clocks: time left, amber under a fifth, overdue in words', () => {
	i18n.setLang('zh-TW');
	const H = 3600000;
	const start = Date.parse('2026-11-25T10:00:00+08:00');
	const ob = (over) => ({ start_at: '2026-11-25T10:00:00+08:00',
	    due_at: '2026-11-25T11:00:00+08:00', met_at: null,
	    state: 'pending', ...over });
	const rows = [
		// [obligation, now (ms after start), tone, text]
		[ob(), 0.5 * H, 'pending', '還有 30 分'],
		[ob(), 0.79 * H, 'pending', '還有 12 分'],
		[ob(), 0.81 * H, 'soon', '還有 11 分'],
		[ob(), H - 30000, 'soon', '還有 30 秒'],
		[ob(), H + 5 * 60000, 'overdue', '逾期 5 分'],
		// The server's overdue wins even before the local clock.
		[ob({ state: 'overdue' }), 0.1 * H, 'overdue', '逾期 0 秒'],
		[ob({ due_at: '2026-11-28T10:00:00+08:00' }), 2 * H, 'pending',
		    '還有 2 天 22 小時'],
		[ob({ state: 'met', met_at: '2026-11-25T10:20:00+08:00' }),
		    2 * H, 'met', '已準時完成'],
		[ob({ state: 'met_late',
		    met_at: '2026-11-25T12:05:00+08:00' }), 3 * H, 'late',
		    '逾時完成（晚 1 小時 5 分）'],
		[ob({ state: 'not_applicable', due_at: null }), 0, 'na',
		    '不適用'],
		[ob({ due_at: null, start_at: null }), 0, 'open',
		    '無固定期限，待辦'],
		// Without a start there is no fifth to judge by.
		[ob({ start_at: null }), H - 60000, 'pending', '還有 1 分'],
	];
	for (const [o, at, tone, text] of rows)
		assert.deepEqual(ui.clockState(o, start + at), { tone, text },
		    JSON.stringify([o, at]));
	i18n.setLang('en');
	try {
		assert.deepEqual(ui.clockState(ob(), start + 2 * H),
		    { tone: 'overdue', text: 'Overdue by 1 h 0 min' });
	} finally {
		i18n.setLang(i18n.DEFAULT_LANG);
	}
});

test('each role is offered the events it may post, and no other', () => {
	const rows = [
		// [roles, events offered]
		[['reporter'], []],
		[['ciso'], ['level_approved']],
		[['doit_reviewer'], ['info_requested', 'level_reviewed',
		    'tracking_designated']],
		[['contact_window', 'reporter'], ['reported', 'backfilled',
		    'agency_notified', 'doit_copied', 'info_provided',
		    'level_change_requested', 'team_formed', 'meeting_held',
		    'damage_controlled', 'closure_reported']],
		[['ciso', 'commander'], ['level_approved', 'team_formed',
		    'meeting_held', 'damage_controlled',
		    'effectiveness_reported', 'pdpa_assessed',
		    'root_cause_recorded', 'plan_approved',
		    'progress_reported']],
		// Records are signed through their own route, not an event.
		[['doit_admin'], session.EVENT_TYPES.filter((e) =>
		    e !== 'signed')],
		[['vendor'], []],
	];
	for (const [roles, want] of rows)
		assert.deepEqual(session.allowedEvents({ roles }), want,
		    roles.join());
	assert.deepEqual(session.allowedEvents(null), []);
	assert.ok(session.mayReport({ roles: ['vendor'] }));
	assert.ok(!session.mayReport({ roles: ['ciso'] }));
	assert.ok(session.isDoit({ roles: ['doit_reviewer'] }));
	assert.ok(!session.isDoit({ roles: ['superior_viewer'] }));
});

test('after sign-in only a route of ours is followed', () => {
	const rows = [
		// [next, where to go]
		['/incidents/7', '/incidents/7'],
		['/audit?action=x', '/audit?action=x'],
		['//evil.example/x', '/'],
		['https://evil.example/', '/'],
		['/sign-in?next=/x', '/'],
		['', '/'],
		[null, '/'],
	];
	for (const [next, want] of rows)
		assert.equal(router.safeNext(next), want, String(next));
});
