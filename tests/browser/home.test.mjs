// The page and its status screen (#/status, public) in a real browser
// against the real server (issue 2, 5-6): the product in Traditional
// Chinese, the live health status, English one click away, keyboard
// access, axe-core, phones, and what the page shows when the server goes
// away.  Screenshots land in tests/browser/out/.
//
// Run: node --test tests/browser/   (TONGBAO_BIN picks another binary)

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import AxeBuilder from '@axe-core/playwright';
import { assertProblemFree, launchBrowser, openPage, shotPath,
    startServer } from './support.mjs';

// Long enough for the first poll on a loaded machine under the sanitizers.
const STATUS_TIMEOUT_MS = 15000;
// The page polls every 5 s with a 4 s timeout; an outage must show within
// two rounds.
const OUTAGE_TIMEOUT_MS = 20000;

const ZH = {
	subtitle: '臺北市政府資通安全事件通報及應變系統',
	heading: '資通安全事件通報及應變',
	ok: '系統狀態：正常',
	bad: '系統狀態：異常',
	storeOk: '正常',
	toggle: 'English',
	skip: '跳到主要內容',
	notFound: '找不到此頁面',
	signIn: '登入通報系統',
};
const EN = {
	subtitle: 'Taipei City Government Cybersecurity Incident ' +
	    'Reporting and Response System',
	heading: 'Cybersecurity incident reporting and response',
	ok: 'System status: normal',
	storeOk: 'Normal',
	toggle: '中文',
};

// The axe rules of WCAG 2.0 to 2.2, levels A and AA (REQUIREMENTS.md:
// build to WCAG 2.2 AA).
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

let server;
let browser;

before(async () => {
	server = await startServer();
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

const status = (page) => page.locator('[role="status"][aria-live="polite"]');

function fact(page, label) {
	return page.locator('.facts > div', { has: page.locator('dt',
	    { hasText: label }) }).locator('dd');
}

// Resolves when the status line reads TEXT.
function statusReads(page, text, timeout = STATUS_TIMEOUT_MS) {
	return page.waitForFunction(([want]) => document.querySelector(
	    '[role="status"] .status-text')?.textContent === want,
	    [text], { timeout });
}

async function assertAxeClean(page, what) {
	const result = await new AxeBuilder({ page }).withTags(WCAG_TAGS)
	    .analyze();
	const bad = result.violations.filter((v) =>
	    v.impact === 'serious' || v.impact === 'critical');
	assert.deepEqual(bad.map((v) => ({ id: v.id, impact: v.impact,
	    help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) })),
	    [], `${what}: axe-core found serious or critical violations`);
	// The run must have looked at something for "no violations" to mean
	// anything.
	assert.ok(result.passes.length > 10,
	    `${what}: axe-core passed only ${result.passes.length} rules`);
}

// Returns "YYYY-MM-DD HH:MM:SS" of epoch milliseconds MS in Taipei.
function taipei(ms) {
	const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
	    timeZone: 'Asia/Taipei', hourCycle: 'h23', year: 'numeric',
	    month: '2-digit', day: '2-digit', hour: '2-digit',
	    minute: '2-digit', second: '2-digit' }).formatToParts(ms)
	    .map((x) => [x.type, x.value]));
	return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:` +
	    `${p.second}`;
}

test('the page arrives with a strict CSP and validators', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		const res = await page.goto(server.url + '/#/status');
		assert.equal(res.status(), 200);
		const h = res.headers();
		assert.equal(h['content-type'], 'text/html; charset=utf-8');
		assert.match(h.etag ?? '', /^"[0-9a-f]{32}"$/,
		    'the page carries a strong ETag');
		const csp = h['content-security-policy'] ?? '';
		assert.match(csp, /default-src 'self'/);
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
		await statusReads(page, ZH.ok);

		// Every file the page loaded came from the binary with the
		// type a browser will accept under nosniff.
		const types = await page.evaluate(() => performance
		    .getEntriesByType('resource').map((e) => e.name));
		for (const [suffix, type] of [
		    ['/css/app.css', 'text/css; charset=utf-8'],
		    ['/js/app.js', 'text/javascript; charset=utf-8'],
		    ['/favicon.svg', 'image/svg+xml; charset=utf-8']]) {
			assert.ok(types.some((u) => u.endsWith(suffix)),
			    `the page loaded ${suffix}`);
			const r = await context.request.get(
			    server.url + suffix);
			assert.equal(r.status(), 200, suffix);
			assert.equal(r.headers()['content-type'], type, suffix);
		}
		assertProblemFree(problems, 'GET /');
	} finally {
		await context.close();
	}
});

test('shows the product in Chinese and the live status turns 正常',
    async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		assert.equal(await page.getAttribute('html', 'lang'),
		    'zh-Hant-TW');
		await statusReads(page, ZH.ok);
		assert.equal(await status(page).textContent(), ZH.ok);
		assert.match(await page.title(), /^系統狀態｜通報 tongbao$/);
		assert.equal(await page.locator('h1').textContent(),
		    ZH.heading);
		assert.equal(await page.locator('.brand-name').innerText(),
		    '通報 tongbao');
		assert.equal(await page.locator('.brand-sub').textContent(),
		    ZH.subtitle);
		assert.ok(await page.locator('.brand-sub').isVisible());

		// The facts come from /healthz: the store and the version as
		// the server says, the server's time shown in Taipei time
		// although the browser's zone is New York.
		const health = await (await context.request.get(
		    server.url + '/healthz')).json();
		assert.equal(health.status, 'ok');
		assert.equal(await fact(page, '資料庫').textContent(),
		    ZH.storeOk);
		assert.equal(await fact(page, '伺服器版本').textContent(),
		    health.version);
		const shown = await fact(page, '伺服器時間').textContent();
		assert.match(shown, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
		const near = [-1, 0, 1].map((m) =>
		    taipei(Date.now() + m * 60000).slice(0, 13));
		assert.ok(near.includes(shown.slice(0, 13)),
		    `server time ${shown} is not Taipei time (${near})`);
		await page.screenshot({ path: shotPath('home-zh.png'),
		    fullPage: true });
		assertProblemFree(problems, 'home in Chinese');
	} finally {
		await context.close();
	}
});

test('keyboard: the first Tab reaches the skip link, which moves focus ' +
    'into the main content and keeps the route', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		await page.keyboard.press('Tab');
		const skip = await page.evaluate(() => {
			const a = document.activeElement;
			const r = a.getBoundingClientRect();
			return { text: a.textContent, cls: a.className,
			    visible: r.top >= 0 && r.height > 0 };
		});
		assert.deepEqual(skip, { text: ZH.skip, cls: 'skip-link',
		    visible: true });
		await page.keyboard.press('Enter');
		assert.equal(await page.evaluate(() =>
		    document.activeElement.id), 'main');
		assert.equal(await page.evaluate(() => location.hash),
		    '#/status');
		// The next Tab continues inside the main content.
		await page.keyboard.press('Tab');
		assert.ok(await page.evaluate(() => document.getElementById(
		    'main').contains(document.activeElement)));
		assertProblemFree(problems, 'keyboard');
	} finally {
		await context.close();
	}
});

test('axe-core: no serious or critical violation, light and dark',
    async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		await assertAxeClean(page, 'zh-TW, light');
		await page.emulateMedia({ colorScheme: 'dark' });
		await assertAxeClean(page, 'zh-TW, dark');
		assertProblemFree(problems, 'axe');
	} finally {
		await context.close();
	}
});

test('English is one click away and stays after a reload', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		const toggle = page.locator('#lang-toggle');
		assert.equal(await toggle.textContent(), ZH.toggle);
		assert.equal(await toggle.getAttribute('lang'), 'en');
		await toggle.click();

		await statusReads(page, EN.ok);
		assert.equal(await page.getAttribute('html', 'lang'), 'en');
		assert.equal(await page.locator('h1').textContent(),
		    EN.heading);
		assert.equal(await page.locator('.brand-sub').textContent(),
		    EN.subtitle);
		assert.equal(await fact(page, 'Database').textContent(),
		    EN.storeOk);
		assert.equal(await toggle.textContent(), EN.toggle);
		assert.equal(await toggle.getAttribute('lang'), 'zh-Hant-TW');
		assert.match(await page.title(), /^System status｜Tongbao$/);
		// Focus stays on the toggle, so a keyboard user can switch
		// back at once.
		assert.equal(await page.evaluate(() =>
		    document.activeElement.id), 'lang-toggle');

		await page.reload();
		await statusReads(page, EN.ok);
		assert.equal(await page.locator('h1').textContent(),
		    EN.heading);
		await assertAxeClean(page, 'en, light');
		await page.mouse.move(0, 0);
		await page.screenshot({ path: shotPath('home-en.png'),
		    fullPage: true });

		await toggle.click();
		await statusReads(page, ZH.ok);
		assert.equal(await page.locator('h1').textContent(),
		    ZH.heading);
		assertProblemFree(problems, 'language toggle');
	} finally {
		await context.close();
	}
});

test('a phone shows the page without sideways scrolling', async () => {
	const { context, page, problems } = await openPage(browser, {
		viewport: { width: 360, height: 740 },
		deviceScaleFactor: 2,
		isMobile: true,
		hasTouch: true,
	});
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		const { scroll, width } = await page.evaluate(() => ({
		    scroll: document.documentElement.scrollWidth,
		    width: document.documentElement.clientWidth }));
		assert.ok(scroll <= width,
		    `page is ${scroll}px wide on a ${width}px screen`);
		const box = await page.locator('#lang-toggle').boundingBox();
		assert.ok(box.width >= 24 && box.height >= 24,
		    'the toggle is a target a thumb can hit (WCAG 2.5.8)');
		await page.screenshot({ path: shotPath('home-zh-phone.png'),
		    fullPage: true });
		assertProblemFree(problems, 'phone');
	} finally {
		await context.close();
	}
});

test('an unknown route shows the not-found screen and leads home, ' +
    'which asks a visitor to sign in', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/no-such-screen');
		await page.locator('h1', { hasText: ZH.notFound }).waitFor();
		assert.match(await page.locator('.screen').innerText(),
		    /#?\/no-such-screen/);
		await page.locator('.screen a').click();
		await page.locator('h1', { hasText: ZH.signIn }).waitFor();
		assert.equal(await page.evaluate(() => location.hash),
		    '#/sign-in?next=%2F');
		// After a navigation focus moves to the new screen's heading.
		assert.equal(await page.evaluate(() =>
		    document.activeElement.tagName), 'H1');
		assertProblemFree(problems, 'not found');
	} finally {
		await context.close();
	}
});

test("api.js reads the real server's error shape", async () => {
	// Problems are not asserted here: the 404 and 405 are the point.
	const { context, page } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		const got = await page.evaluate(async () => {
			const api = await import('/js/api.js');
			const out = [];
			for (const [method, path] of [['GET', '/api/v1/nope'],
			    ['DELETE', '/healthz']]) {
				try {
					await api.request(method, path);
					out.push('answered');
				} catch (e) {
					out.push({ name: e.name,
					    status: e.status, code: e.code,
					    field: e.field,
					    message: e.message.length > 0 });
				}
			}
			return out;
		});
		assert.deepEqual(got.map((e) => [e.name, e.status, e.field,
		    e.message]), [['ApiError', 404, null, true],
		    ['ApiError', 405, null, true]]);
		assert.match(got[0].code, /^[a-z_]+$/);
		assert.match(got[1].code, /^[a-z_]+$/);
	} finally {
		await context.close();
	}
});

// Last: it stops the server.
test('SIGTERM stops the server cleanly and the page says 異常', async () => {
	const { context, page } = await openPage(browser);
	try {
		await page.goto(server.url + '/#/status');
		await statusReads(page, ZH.ok);
		const { code, signal } = await server.stop();
		assert.equal(signal, null, 'tongbao serve died of a signal');
		assert.equal(code, 0, 'tongbao serve exits 0 on SIGTERM');
		await statusReads(page, ZH.bad, OUTAGE_TIMEOUT_MS);
		assert.equal(await page.locator('.status').getAttribute(
		    'data-state'), 'bad');
		assert.ok(await page.locator('.status-detail').isVisible(),
		    'the page says why');
		await page.screenshot({ path: shotPath('home-zh-down.png'),
		    fullPage: true });
	} finally {
		await context.close();
	}
});
