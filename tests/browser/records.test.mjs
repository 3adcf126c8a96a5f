// After the fire, in the browser (issue 5, 6): the records of an incident
// and their sign-off (P32), the improvement actions with their P29
// windows (P29-P31) and DoIT's oversight list, the evidence with its
// chain of custody and the P27 malware warning (P25-P27), and the
// messages sent about an incident with their delivery state (issue 6).
// Against the real server with the demo data; the incident is brought to
// the point of each test through the API, as its people would have, and
// the screens are then driven as those people.  Each screen is checked
// with axe-core and photographed into tests/browser/out/.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/browser/records.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAxeClean, assertProblemFree, DEMO_PASSWORD, expectProblems,
    launchBrowser, openPage, shotPath, signIn, startServer } from
    './support.mjs';

const MIN = 60 * 1000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const TITLE = '民政局網站遭植入惡意程式';

let server;
let browser;
let inc = null;
let planAt = 0;

// An instant as RFC 3339 in Taipei time, to the second.
function tp(ms) {
	return `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
}

// The Taipei date N months after that of MS, the day kept at most 28 so
// that every month has it.
function plusMonths(ms, n) {
	const d = new Date(ms + 8 * HOUR);
	return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n,
	    Math.min(d.getUTCDate(), 28))).toISOString().slice(0, 10);
}

// A person talking to the API directly, to bring the incident to where a
// test starts: resolves to call(method, path, body) -> {status, json}.
async function apiAs(username) {
	const r = await fetch(`${server.url}/api/v1/session`, {
	    method: 'POST', headers: { 'Content-Type': 'application/json',
	    Origin: server.url }, body: JSON.stringify({ username,
	    password: DEMO_PASSWORD }) });
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

before(async () => {
	server = await startServer({ demo: true });
	browser = await launchBrowser();
	// A level 3 incident of 60 days ago, reported, its damage
	// controlled, met and analysed, and its plan approved 10 days
	// after: the records exist, none is signed.
	const win = await apiAs('ca.window');
	const ciso = await apiAs('ca.ciso');
	const aware = Math.floor(Date.now() / 1000) * 1000 - 60 * DAY;
	planAt = aware + 10 * DAY;
	inc = await must(win, 'POST', '/api/v1/incidents', { agency: 'ca',
	    title: TITLE, category: 'intrusion', level: 3,
	    symptoms: ['malware_planted'], aware_at: tp(aware) });
	const ev = (who, body) => must(who, 'POST',
	    `/api/v1/incidents/${inc.id}/events`, body);
	await ev(ciso, { type: 'level_approved', at: tp(aware + 5 * MIN),
	    level: 3 });
	await ev(win, { type: 'reported', at: tp(aware + 20 * MIN),
	    channel: 'platform', platform_ref: 'ACS-BR-0001' });
	await ev(win, { type: 'team_formed', at: tp(aware + 40 * MIN),
	    members: [{ username: 'ca.ciso', role: 'commander' },
	    { username: 'ca.window', role: 'contact_window' }] });
	await ev(win, { type: 'damage_controlled', at: tp(aware + 20 * HOUR),
	    scope: '官網主機一台', systems: [{ name: '官網',
	    within_tolerable_downtime: true }] });
	await ev(win, { type: 'meeting_held', at: tp(aware + 21 * HOUR),
	    minutes: '確認影響範圍' });
	await ev(ciso, { type: 'root_cause_recorded', at: tp(aware + 3 * DAY),
	    investigator: 'vendor', investigator_name: '甲資安公司',
	    log_analysis: '防火牆與網站日誌', malware_analysis: 'PHP webshell',
	    findings: '外掛套件漏洞' });
	await must(ciso, 'POST', `/api/v1/incidents/${inc.id}/improvements`,
	    { term: 'medium', title: '導入網站應用程式防火牆',
	    owner: '資訊室王科長', due_at: plusMonths(planAt, 4) });
	await ev(ciso, { type: 'plan_approved', at: tp(planAt),
	    decision: '同意改善計畫', submitted_to: ['superior', 'doit'] });
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

async function as(username, options) {
	const session = await openPage(browser, options);
	await signIn(session.page, server, username);
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

function sectionOf(page, heading) {
	return page.locator('section', { has: page.locator('h2',
	    { hasText: heading }) });
}

function recordRow(page, name) {
	return page.locator('#records-panel tbody tr', { hasText: name });
}

test('P32: the window and the CISO sign the records; the printed record',
    async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		await openIncident(page);
		const records = page.locator('#records-panel');
		await records.locator('tbody tr').first().waitFor();
		// Five records in order, each with its state in words.
		assert.deepEqual(await records.locator('tbody th')
		    .allInnerTexts(), ['事件通報', '損害控制紀錄', '根因分析',
		    '改善計畫', '結案']);
		assert.match(await recordRow(page, '結案').innerText(),
		    /紀錄尚未建立/);
		// The window signs the report as the responsible person; the
		// root cause is the commander's, so no button there.
		assert.equal(await recordRow(page, '根因分析')
		    .getByRole('button').count(), 0);
		const href = await records.getByRole('link',
		    { name: '開啟列印版紀錄（A4）' }).getAttribute('href');
		assert.equal(href, `/api/v1/incidents/${inc.id}/record`);
		assert.equal(await records.getByRole('link',
		    { name: '下載 PDF' }).getAttribute('href'),
		    `/api/v1/incidents/${inc.id}/record.pdf`);
		await assertAxeClean(page, 'records, unsigned');
		await records.getByRole('button',
		    { name: '以權責人員身分簽核「事件通報」' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已以權責人員身分簽核「事件通報」' }).waitFor();
		const row = recordRow(page, '事件通報');
		await row.locator('.sig').first().waitFor();
		assert.match(await row.innerText(),
		    /部分簽核[\s\S]*ca\.window[\s\S]*有效[\s\S]*尚未簽核/);
		await shot(page, 'records-01-window-signed.png');

		// The printed record opens as a page of its own: A4 HTML in
		// Traditional Chinese with the signature.
		const [printed] = await Promise.all([
		    context.waitForEvent('page'),
		    records.getByRole('link',
			{ name: '開啟列印版紀錄（A4）' }).click()]);
		await printed.waitForLoadState();
		assert.match(await printed.locator('body').innerText(),
		    new RegExp(TITLE));
		await printed.close();
		assertProblemFree(problems, 'window signs');
	} finally {
		await context.close();
	}
});

test('P32: the CISO signs in both slots; a change voids the plan and ' +
    'shows the difference', async () => {
	const { context, page, problems } = await as('ca.ciso');
	try {
		await openIncident(page);
		const records = page.locator('#records-panel');
		const report = recordRow(page, '事件通報');
		await report.locator('.sig').first().waitFor();
		// The CISO (also the commander) may not sign the report as
		// the responsible person, only as CISO.
		assert.deepEqual(await report.getByRole('button')
		    .allInnerTexts(), ['以資通安全長簽核']);
		await report.getByRole('button').click();
		await page.locator('.notice-ok', { hasText: '已以資通安全長' })
		    .waitFor();
		assert.match(await recordRow(page, '事件通報').innerText(),
		    /已簽核/);
		// The plan: as commander (responsible), then as CISO.
		await records.getByRole('button',
		    { name: '以權責人員身分簽核「改善計畫」' }).click();
		await page.locator('.notice-ok', { hasText: '改善計畫' })
		    .waitFor();
		await records.getByRole('button',
		    { name: '以資通安全長身分簽核「改善計畫」' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已以資通安全長身分簽核「改善計畫」' }).waitFor();
		assert.match(await recordRow(page, '改善計畫').innerText(),
		    /已簽核/);
		assert.match(await page.locator('.timeline').first()
		    .innerText(), /簽核紀錄/);

		// Someone changes the owner of an action of the signed plan.
		const ciso = await apiAs('ca.ciso');
		const list = await must(ciso, 'GET',
		    `/api/v1/incidents/${inc.id}/improvements`, undefined,
		    200);
		const act = list.items[0];
		await must(ciso, 'PATCH', `/api/v1/incidents/${inc.id}/` +
		    `improvements/${act.id}`, { version: act.version,
		    owner: '資訊室陳科長' }, 200);
		await page.reload();
		await page.locator('h1', { hasText: TITLE }).waitFor();
		const plan = recordRow(page, '改善計畫');
		await plan.locator('.sig').first().waitFor();
		assert.match(await plan.innerText(),
		    /簽核失效，須重新簽核[\s\S]*已失效/);
		const diff = records.locator('.record-diff');
		assert.match(await diff.innerText(), new RegExp(
		    '改善計畫」在簽核後已變更[\\s\\S]*/actions/0/owner' +
		    '[\\s\\S]*修改[\\s\\S]*資訊室王科長[\\s\\S]*資訊室陳科長'));
		await assertAxeClean(page, 'records, void');
		await diff.scrollIntoViewIfNeeded();
		await shot(page, 'records-02-plan-void.png');
		await records.screenshot({ path: shotPath(
		    'records-02-plan-void-panel.png') });
		assertProblemFree(problems, 'ciso signs');
	} finally {
		await context.close();
	}
});

test('P29: the commander adds an action; a medium one due in 7 months ' +
    'is refused at the due date with the window', async () => {
	const { context, page, problems } = await as('ca.ciso');
	try {
		await openIncident(page);
		const panel = page.locator('#improvements-panel');
		await panel.locator('tbody tr').first().waitFor();
		assert.match(await panel.innerText(),
		    /導入網站應用程式防火牆[\s\S]*資訊室陳科長/);
		await panel.locator('summary', { hasText: '新增改善措施' })
		    .click();
		const form = panel.locator('form');
		await form.getByLabel('期程').selectOption('medium');
		// The window of the medium term, as the server counts it.
		const hint = form.locator('input[name="due_at"] ~ .hint');
		assert.match(await hint.innerText(),
		    /期限須在 \d{4}-\d\d-\d\d 至 \d{4}-\d\d-\d\d 之間/);
		await form.getByLabel('改善事項').fill('建立弱點掃描流程');
		await form.getByLabel('負責人或單位').fill('資訊室');
		await form.locator('input[name="due_at"]')
		    .fill(plusMonths(planAt, 7));
		await form.getByRole('button', { name: '新增措施' }).click();
		await form.locator('.form-alert:not([hidden])').waitFor();
		expectProblems(problems, /\b422\b/);
		assert.equal(await form.locator('input[name="due_at"]')
		    .getAttribute('aria-invalid'), 'true');
		assert.equal(await page.evaluate(() =>
		    document.activeElement.name), 'due_at');
		assert.match(await form.locator('.form-alert').innerText(),
		    /第二十九點|P29/);
		assert.equal(await form.getByLabel('改善事項').inputValue(),
		    '建立弱點掃描流程', 'what was typed stays');
		await assertAxeClean(page, 'improvements, refused');
		await form.scrollIntoViewIfNeeded();
		await shot(page, 'records-03-improvement-refused.png');
		await panel.screenshot({ path: shotPath(
		    'records-03-improvement-refused-panel.png') });

		await form.locator('input[name="due_at"]')
		    .fill(plusMonths(planAt, 5));
		await form.getByRole('button', { name: '新增措施' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已新增改善措施「建立弱點掃描流程」' }).waitFor();
		const row = page.locator('#improvements-panel tbody tr',
		    { hasText: '建立弱點掃描流程' });
		assert.match(await row.innerText(), /中期[\s\S]*資訊室/);

		// Its status, changed from the row.
		await row.getByLabel('「建立弱點掃描流程」的執行狀態',
		    { exact: true }).selectOption('in_progress');
		await row.getByRole('button',
		    { name: '更新「建立弱點掃描流程」的執行狀態' }).click();
		await page.locator('.notice-ok',
		    { hasText: '已更新「建立弱點掃描流程」' }).waitFor();
		assert.equal(await page.locator('#improvements-panel tbody tr',
		    { hasText: '建立弱點掃描流程' }).locator('select')
		    .inputValue(), 'in_progress');
		assertProblemFree(problems, 'improvements');
	} finally {
		await context.close();
	}
});

test('the records and actions on a phone, in English', async () => {
	const { context, page, problems } = await as('ca.window',
	    { viewport: { width: 390, height: 844 }, isMobile: true,
	    hasTouch: true });
	try {
		await page.locator('#lang-toggle').click();
		await openIncident(page);
		const records = page.locator('#records-panel');
		await records.locator('tbody tr').first().waitFor();
		assert.match(await records.innerText(),
		    /Records and sign-off[\s\S]*Incident report/);
		// Nothing is wider than the screen.
		assert.ok(await page.evaluate(() =>
		    document.documentElement.scrollWidth <= innerWidth + 1),
		    'the page scrolls sideways on a phone');
		await assertAxeClean(page, 'records, phone, English');
		await records.scrollIntoViewIfNeeded();
		await page.screenshot({ path: shotPath(
		    'records-04-phone-en.png') });
		assertProblemFree(problems, 'phone');
	} finally {
		await context.close();
	}
});

test('P31: DoIT oversees open actions city-wide, with CSV and XLSX',
    async () => {
	const { context, page, problems } = await as('doit.reviewer');
	try {
		await page.locator('#site-nav a', { hasText: '改善列管' })
		    .click();
		await page.locator('h1', { hasText: '改善措施列管' }).waitFor();
		const row = page.locator('tbody tr',
		    { hasText: '導入網站應用程式防火牆' });
		await row.waitFor();
		assert.match(await row.innerText(),
		    /民政局[\s\S]*民政局網站遭植入惡意程式[\s\S]*中期/);
		// The downloads carry the filters chosen.
		await page.getByLabel('執行狀態').selectOption('all');
		await row.waitFor();
		const csv = page.getByRole('link', { name: '下載 CSV' });
		assert.equal(await csv.getAttribute('href'),
		    '/api/v1/improvements.csv?state=all');
		const [download] = await Promise.all([
		    page.waitForEvent('download'), csv.click()]);
		assert.match(download.suggestedFilename(), /\.csv$/);
		const [xlsx] = await Promise.all([
		    page.waitForEvent('download'),
		    page.getByRole('link', { name: '下載 Excel（XLSX）' })
			.click()]);
		assert.match(xlsx.suggestedFilename(), /\.xlsx$/);
		await assertAxeClean(page, 'improvements oversight');
		await shot(page, 'records-05-oversight.png');
		assertProblemFree(problems, 'oversight');
	} finally {
		await context.close();
	}
});
