// What was kept and what was sent, in the browser (issue 5 §2, issue 6):
// the preservation path of an affected system and its steps (P25), the
// evidence with its upload, download, chain of custody and the P27
// malware warning and VirusCheck submission (P26, P27), the messages sent
// about an incident with their delivery state, a person's notification
// preferences and DoIT's undelivered messages with their retry.
//
// Against the real server with the demo data.  The server's webhook is a
// receiver started here that takes every message; its mail server is a
// loopback port where nothing listens, so every e-mail fails and, with a
// one-second retry window, becomes a dead letter: both delivery states
// are real.  Each screen is checked with axe-core and photographed into
// tests/browser/out/.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/browser/evidence.test.mjs

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, assertAxeClean, assertProblemFree, DEMO_PASSWORD,
    expectProblems, launchBrowser, openPage, shotPath, signIn,
    startServer } from './support.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const TITLE = '民政局官網遭置換首頁';
// The smallest limit the server allows, so a "too large" upload is small.
const MAX_BYTES = 1024;

let server;
let browser;
let hook;
let hooked = 0;
let inc = null;

function tp(ms) {
	return `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
}

// A loopback port nothing listens on: taken and given back.
async function closedPort() {
	const s = createServer();
	await new Promise((r) => s.listen(0, '127.0.0.1', r));
	const { port } = s.address();
	await new Promise((r) => s.close(r));
	return port;
}

async function apiAs(username, password = DEMO_PASSWORD) {
	const r = await fetch(`${server.url}/api/v1/session`, {
	    method: 'POST', headers: { 'Content-Type': 'application/json',
	    Origin: server.url }, body: JSON.stringify({ username,
	    password }) });
	assert.equal(r.status, 201, `sign-in of ${username}`);
	const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0])
	    .join('; ');
	return async (method, path, body) => {
		const res = await fetch(`${server.url}${path}`, { method,
		    headers: { Cookie: cookie, Origin: server.url,
		    ...(body === undefined ? {} :
		    { 'Content-Type': 'application/json' }) },
		    body: body === undefined ? undefined :
		    JSON.stringify(body) });
		const text = await res.text();
		let json = null;
		try {
			json = JSON.parse(text);
		} catch {
			// Not JSON: the caller looks at the status.
		}
		return { status: res.status, json, text };
	};
}

async function must(call, method, path, body, status = 201) {
	const r = await call(method, path, body);
	assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
	return r.json;
}

// Waits until TEST(answer of GET PATH) holds, for at most 15 seconds.
async function until(call, path, check, what) {
	const end = Date.now() + 15000;
	for (;;) {
		const r = await must(call, 'GET', path, undefined, 200);
		if (check(r))
			return r;
		assert.ok(Date.now() < end, `waited in vain for ${what}`);
		await new Promise((res) => setTimeout(res, 200));
	}
}

before(async () => {
	hook = createServer((req, res) => {
		req.resume();
		req.on('end', () => {
			hooked += 1;
			res.writeHead(200).end();
		});
	});
	await new Promise((r) => hook.listen(0, '127.0.0.1', r));
	server = await startServer({ demo: true, env: {
	    TONGBAO_WEBHOOK_URL: `http://127.0.0.1:${hook.address().port}/h`,
	    TONGBAO_WEBHOOK_SECRET: 'browser-test-webhook-secret',
	    TONGBAO_SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
	    TONGBAO_NOTIFY_RETRY_SECONDS: '1',
	    TONGBAO_NOTIFY_BACKOFF_MS: '100',
	    TONGBAO_EVIDENCE_MAX_BYTES: String(MAX_BYTES) } });
	browser = await launchBrowser();
	const win = await apiAs('ca.window');
	const ciso = await apiAs('ca.ciso');
	const aware = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
	inc = await must(win, 'POST', '/api/v1/incidents', { agency: 'ca',
	    title: TITLE, category: 'web_attack', level: 2,
	    symptoms: ['defacement'], aware_at: tp(aware) });
	await must(ciso, 'POST', `/api/v1/incidents/${inc.id}/events`,
	    { type: 'level_approved', at: tp(aware + 5 * MIN), level: 2 });
});

after(async () => {
	await browser?.close();
	await server?.stop();
	await new Promise((r) => (hook ? hook.close(r) : r()));
});

async function as(username, options, password) {
	const session = await openPage(browser, options);
	await signIn(session.page, server, username, password);
	return session;
}

async function shot(page, name) {
	await page.mouse.move(0, 0);
	await page.screenshot({ path: shotPath(name), fullPage: true });
}

async function openIncident(page) {
	await page.goto(`${server.url}/#/incidents/${inc.id}`);
	await page.locator('h1', { hasText: TITLE }).waitFor();
}

test('P25: the window chooses a preservation path and records a step',
    async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		await openIncident(page);
		const panel = page.locator('#preservation-panel');
		await panel.locator('.empty, .pres-path').first().waitFor();
		await panel.locator('summary', { hasText: '選擇系統的保全路徑' })
		    .click();
		const add = panel.locator('form').last();
		// Nothing typed: the field says so, and has the focus.
		await add.getByRole('button', { name: '選擇路徑' }).click();
		assert.equal(await add.getByLabel('受影響系統')
		    .getAttribute('aria-invalid'), 'true');
		await add.getByLabel('受影響系統').fill('民政局官網');
		await add.getByLabel('路徑').selectOption('no_standby');
		await add.getByRole('button', { name: '選擇路徑' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已選擇民政局官網的保全路徑' }).waitFor();

		const path = page.locator('#preservation-panel .pres-path');
		assert.match(await path.locator('h3').innerText(),
		    /民政局官網：無備援系統/);
		assert.match(await path.innerText(), /下一步：中斷網路連線/);
		// Record the first step, with a note, at now.
		await path.locator('summary', { hasText: '記錄民政局官網' })
		    .click();
		const form = path.locator('form');
		await form.getByLabel('步驟').selectOption('disconnect');
		await form.getByLabel('備註').fill('已拔除對外網路線');
		await form.getByRole('button', { name: '記錄步驟' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已記錄民政局官網的「中斷網路連線」' }).waitFor();
		const row = page.locator('#preservation-panel tbody tr',
		    { hasText: '中斷網路連線' });
		assert.match(await row.innerText(),
		    /已完成[\s\S]*\d{4}-\d\d-\d\d \d\d:\d\d[\s\S]*ca\.window[\s\S]*已拔除對外網路線/);
		assert.match(await page.locator('#preservation-panel tbody tr',
		    { hasText: '以乾淨媒體重建系統' }).innerText(), /尚未完成/);
		assert.match(await page.locator('#preservation-panel')
		    .innerText(), /下一步：製作受害主機儲存媒體映像檔/);
		await assertAxeClean(page, 'preservation');
		await page.locator('#preservation-panel')
		    .screenshot({ path: shotPath('evidence-01-preservation.png') });
		assertProblemFree(problems, 'preservation');
	} finally {
		await context.close();
	}
});

test('P26-P27: upload with progress, bad name and too large at the field, ' +
    'download, hand-over, malware mark and its warning', async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		await openIncident(page);
		const panel = page.locator('#evidence-panel');
		// The P27 warning is there before anything is uploaded, in
		// both languages.
		const warning = panel.locator('.p27-warning');
		assert.match(await warning.innerText(), new RegExp(
		    'VirusCheck[\\s\\S]*請勿上傳至其他任何平台（第二十七點）' +
		    '[\\s\\S]*do not upload it to any other platform \\(P27\\)'));
		assert.equal(await warning.locator('p[lang="en"]').count(), 1);
		await panel.locator('.empty', { hasText: '尚無跡證紀錄' })
		    .waitFor();

		await panel.locator('summary', { hasText: '上傳跡證檔案' })
		    .click();
		const form = panel.locator('form.evidence-upload');
		const content = Buffer.from('203.0.113.9 - - "GET /wp-admin" ' +
		    '200\n'.repeat(20));
		const sha = createHash('sha256').update(content).digest('hex');

		// A name with a folder in it: 422 at the name field.
		await form.getByLabel('檔案').setInputFiles({ name: 'access.log',
		    mimeType: 'text/plain', buffer: content });
		assert.equal(await form.getByLabel('檔名').inputValue(),
		    'access.log', 'the name follows the file chosen');
		await form.getByLabel('檔名').fill('logs/access.log');
		await form.getByRole('button', { name: '上傳' }).click();
		await form.locator('.form-alert:not([hidden])').waitFor();
		expectProblems(problems, /\b422\b/);
		assert.equal(await form.getByLabel('檔名')
		    .getAttribute('aria-invalid'), 'true');
		assert.equal(await page.evaluate(() =>
		    document.activeElement.name), 'name');
		assert.match(await form.locator('.form-alert').innerText(),
		    /路徑/);

		// Over the server's limit: 413, said at the file field.
		await form.getByLabel('檔案').setInputFiles({ name: 'disk.img',
		    mimeType: 'application/octet-stream',
		    buffer: Buffer.alloc(MAX_BYTES * 64, 7) });
		await form.getByLabel('檔名').fill('disk.img');
		await form.getByRole('button', { name: '上傳' }).click();
		await form.locator('.form-alert:not([hidden])', { hasText:
		    '檔案超過本系統可接受的大小' }).waitFor();
		expectProblems(problems, /\b413\b/, /request failed.*evidence/);
		assert.equal(await form.getByLabel('檔案')
		    .getAttribute('aria-invalid'), 'true');
		await assertAxeClean(page, 'evidence, upload refused');
		await form.screenshot({ path: shotPath(
		    'evidence-02-upload-too-large.png') });

		// A good one, whose first answer is lost on the way back (the
		// server stored the file): sent again, it goes with the same
		// Idempotency-Key and the server answers with the item it
		// has, so there is one item, not two.
		const keys = [];
		let answers = 0;
		await page.route('**/evidence?*', async (route) => {
			const r = route.request();
			if (r.method() !== 'POST')
				return route.fallback();
			keys.push(r.headers()['idempotency-key']);
			if (answers++ > 0)
				return route.fallback();
			const got = await route.fetch();
			assert.equal(got.status(), 201);
			return route.abort('connectionreset');
		});
		await form.getByLabel('檔案').setInputFiles({ name: 'access.log',
		    mimeType: 'text/plain', buffer: content });
		await form.getByLabel('檔名').fill('access.log');
		await form.getByLabel('內容說明').fill('網站存取日誌');
		await form.getByRole('button', { name: '上傳' }).click();
		await form.locator('.form-alert:not([hidden])').waitFor();
		expectProblems(problems, /ERR_CONNECTION_RESET|network|evidence/i);
		await form.getByRole('button', { name: '上傳' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已上傳「access.log」' }).waitFor();
		await page.unroute('**/evidence?*');
		assert.equal(keys.length, 2);
		assert.match(keys[0] ?? '', /^[0-9a-f]{32}$/);
		assert.equal(keys[1], keys[0], 'the same upload, the same key');
		const item = page.locator('#evidence-panel .evidence-item',
		    { hasText: 'access.log' });
		await item.first().waitFor();
		assert.equal(await item.count(), 1, 'stored once');
		const text = await item.innerText();
		assert.match(text, /網站存取日誌/);
		assert.match(text, new RegExp(sha));
		assert.match(text, new RegExp(`${content.length} 位元組`));
		assert.match(text, /ca\.window/);

		// The download is an attachment with the file's own bytes.
		const [download] = await Promise.all([
		    page.waitForEvent('download'),
		    item.getByRole('link', { name: '下載 access.log' })
			.click()]);
		assert.equal(download.suggestedFilename(), 'access.log');
		const got = await download.createReadStream();
		const chunks = [];
		for await (const c of got)
			chunks.push(c);
		assert.equal(createHash('sha256').update(Buffer.concat(chunks))
		    .digest('hex'), sha);

		// The chain of custody: uploaded, downloaded; then a
		// hand-over at now.
		await item.locator('summary', { hasText: '保管鏈' }).click();
		const chain = item.locator('details.custody');
		await chain.locator('tbody tr').first().waitFor();
		assert.match(await chain.locator('tbody').innerText(),
		    /上傳[\s\S]*下載/);
		await chain.locator('summary', { hasText: '記錄交接' }).click();
		const hand = chain.locator('form');
		await hand.getByLabel('接收者').fill('甲資安公司王鑑識員');
		await hand.getByLabel('目的').fill('鑑識分析');
		await hand.getByRole('button', { name: '記錄交接' }).click();
		await page.locator('.notice-ok', { hasText:
		    '已記錄「access.log」交接給甲資安公司王鑑識員' }).waitFor();
		const again = page.locator('#evidence-panel .evidence-item',
		    { hasText: 'access.log' });
		await again.locator('summary', { hasText: '保管鏈' }).click();
		await again.locator('details.custody tbody tr',
		    { hasText: '交接' }).waitFor();
		assert.match(await again.locator('details.custody').innerText(),
		    /目前保管者\s*甲資安公司王鑑識員[\s\S]*交接[\s\S]*鑑識分析/);

		// Marked suspected malware with its VirusCheck submission.
		await again.locator('summary',
		    { hasText: '標記為疑似惡意程式' }).click();
		const mark = again.locator('form').last();
		await mark.getByLabel('VirusCheck 編號').fill('VC-2026-0042');
		await mark.getByRole('button', { name: '標記' }).click();
		// Only one of the two: refused at the time, nothing sent.
		assert.equal(await mark.locator('input[name="submitted_at_date"]')
		    .getAttribute('aria-invalid'), 'true');
		await mark.getByRole('button', { name: '現在' }).click();
		await mark.getByRole('button', { name: '標記' }).click();
		await page.locator('.notice-ok', { hasText:
		    '已記錄「access.log」送交 VirusCheck' }).waitFor();
		const marked = page.locator('#evidence-panel .evidence-item',
		    { hasText: 'access.log' });
		assert.match(await marked.innerText(), new RegExp(
		    '疑似惡意程式[\\s\\S]*請勿上傳至其他平台[\\s\\S]*' +
		    '已送 VirusCheck，編號 VC-2026-0042'));
		assert.equal(await marked.locator('summary',
		    { hasText: 'VirusCheck' }).count(), 0,
		    'a submission once recorded is not offered again');
		await assertAxeClean(page, 'evidence');
		await page.locator('#evidence-panel')
		    .screenshot({ path: shotPath('evidence-03-items.png') });
		assertProblemFree(problems, 'evidence');
	} finally {
		await context.close();
	}
});

test('issue 6: the incident\'s messages with their delivery state',
    async () => {
	const win = await apiAs('ca.window');
	// The webhook takes them; every e-mail fails and goes dead.
	await until(win, `/api/v1/incidents/${inc.id}/notifications`,
	    (r) => r.items.some((m) => m.state === 'sent') &&
	    r.items.some((m) => m.state === 'dead'), 'sent and dead messages');
	assert.ok(hooked > 0, 'the webhook receiver got messages');
	const { context, page, problems } = await as('ca.window');
	try {
		await openIncident(page);
		const panel = page.locator('#notifications-panel');
		await panel.locator('tbody tr').first().waitFor();
		const sent = panel.locator('tbody tr', { hasText: '已送達' })
		    .first();
		assert.match(await sent.innerText(),
		    /事件異動[\s\S]*Webhook（TaipeiON）[\s\S]*已嘗試 1 次/);
		const dead = panel.locator('tbody tr', { hasText: '未送達' })
		    .first();
		assert.match(await dead.innerText(),
		    /電子郵件：[\S]+@demo\.tongbao\.test[\s\S]*最後錯誤：/);
		await assertAxeClean(page, 'messages');
		await panel.screenshot({ path: shotPath(
		    'evidence-04-messages.png') });
		assertProblemFree(problems, 'messages');
	} finally {
		await context.close();
	}
});

test('issue 6: a person sets their notification preferences', async () => {
	const { context, page, problems } = await as('ca.staff');
	try {
		await page.goto(`${server.url}/#/account`);
		const panel = page.locator('#prefs-panel');
		const email = panel.getByLabel('電子郵件', { exact: true });
		await email.waitFor();
		assert.equal(await email.isChecked(), true);
		await email.uncheck();
		await panel.getByLabel('通知語言').selectOption('en');
		await panel.getByRole('button', { name: '儲存' }).click();
		await panel.locator('.notice-ok',
		    { hasText: '已儲存通知設定' }).waitFor();
		await assertAxeClean(page, 'notification preferences');
		await panel.screenshot({ path: shotPath(
		    'evidence-05-preferences.png') });
		await page.reload();
		const email2 = page.locator('#prefs-panel')
		    .getByLabel('電子郵件', { exact: true });
		await email2.waitFor();
		assert.equal(await email2.isChecked(), false, 'kept');
		assert.equal(await page.locator('#prefs-panel')
		    .getByLabel('通知語言').inputValue(), 'en');
		const me = await apiAs('ca.staff');
		assert.deepEqual((await must(me, 'GET',
		    '/api/v1/me/notification-preferences', undefined, 200)),
		    { ...(await must(me, 'GET',
		    '/api/v1/me/notification-preferences', undefined, 200)),
		    email: false, webhook: true, locale: 'en' });
		assertProblemFree(problems, 'preferences');
	} finally {
		await context.close();
	}
});

test('issue 6: DoIT sees undelivered messages; an administrator retries ' +
    'one', async () => {
	{
		const { context, page, problems } = await as('doit.reviewer');
		try {
			await page.locator('#site-nav a',
			    { hasText: '未送達通知' }).click();
			await page.locator('h1', { hasText: '未送達通知' })
			    .waitFor();
			const row = page.locator('tbody tr',
			    { hasText: TITLE }).first();
			await row.waitFor();
			assert.match(await row.innerText(),
			    /未送達[\s\S]*最後錯誤/);
			assert.equal(await page.getByRole('button',
			    { name: /重新發送/ }).count(), 0,
			    'a reviewer may not retry');
			assert.match(await page.locator('main').innerText(),
			    /僅資訊局系統管理者可重新發送通知/);
			await assertAxeClean(page, 'dead letters, reviewer');
			assertProblemFree(problems, 'dead letters, reviewer');
		} finally {
			await context.close();
		}
	}
	const { context, page, problems } = await as('admin', undefined,
	    ADMIN_PASSWORD);
	try {
		await page.goto(`${server.url}/#/notifications`);
		const row = page.locator('tbody tr', { hasText: TITLE })
		    .first();
		await row.waitFor();
		await shot(page, 'evidence-06-dead-letters.png');
		const button = row.getByRole('button', { name: /^重新發送：/ });
		const label = await button.getAttribute('aria-label');
		await button.click();
		await page.locator('.notice-ok', { hasText: '排入重新發送' })
		    .waitFor();
		assert.match(label, /「.+」給 \S+/);
		await assertAxeClean(page, 'dead letters, admin');
		assertProblemFree(problems, 'dead letters, admin');
	} finally {
		await context.close();
	}
});

test('evidence and messages on a phone, in English', async () => {
	const { context, page, problems } = await as('ca.window',
	    { viewport: { width: 390, height: 844 }, isMobile: true,
	    hasTouch: true });
	try {
		await page.locator('#lang-toggle').click();
		await openIncident(page);
		const panel = page.locator('#evidence-panel');
		await panel.locator('.evidence-item').first().waitFor();
		await page.locator('#notifications-panel tbody tr').first()
		    .waitFor();
		assert.match(await panel.locator('.p27-warning').innerText(),
		    /^Suspected malware goes only to ACS's VirusCheck[\s\S]*第二十七點/);
		assert.ok(await page.evaluate(() =>
		    document.documentElement.scrollWidth <= innerWidth + 1),
		    'the page scrolls sideways on a phone');
		await assertAxeClean(page, 'evidence, phone, English');
		await panel.scrollIntoViewIfNeeded();
		await panel.screenshot({ path: shotPath(
		    'evidence-07-phone-en.png') });
		assertProblemFree(problems, 'phone');
	} finally {
		await context.close();
	}
});
