// The registry and the closing documents, in the browser: an agency's core
// systems with their log retention and devices (P24), its outsourcing
// contracts and their clauses (P26, P13), DoIT's compliance screen over
// both, DoIT's investigation report (P31) and the agency's lessons
// learned (P33) on the incident page.  Against the real server with the
// demo data, driven as the people who do it; each screen is checked with
// axe-core and photographed into tests/browser/out/.
//
// Run: TONGBAO_BIN=build/tongbao node --test tests/browser/registry.test.mjs

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAxeClean, assertProblemFree, DEMO_PASSWORD, launchBrowser,
    openPage, shotPath, signIn, startServer } from './support.mjs';

const HOUR = 60 * 60 * 1000;
const TITLE = '民政局公文系統遭暴力破解';

let server;
let browser;
let inc = null;

function tp(ms) {
	return `${new Date(ms + 8 * HOUR).toISOString().slice(0, 19)}+08:00`;
}

// A person talking to the API directly: resolves to call(method, path,
// body) -> {status, json, text}.
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
	const win = await apiAs('ca.window');
	inc = await must(win, 'POST', '/api/v1/incidents', { agency: 'ca',
	    title: TITLE, category: 'intrusion', level: 2,
	    symptoms: ['malware_planted'],
	    aware_at: tp(Date.now() - 2 * HOUR) });
	// A system of another agency short of logs, for the city's counts.
	const pwd = await apiAs('pwd.window');
	await must(pwd, 'POST', '/api/v1/agencies/pwd/systems', {
	    name: '工務管理系統', tolerable_downtime_minutes: 240,
	    logs: { os_event: { months_kept: 2 } } });
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

test('P24: the window registers a core system short of logs, sees it ' +
    'marked, adds a device and puts it right', async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		await page.goto(`${server.url}/#/agencies/ca`);
		const systems = page.locator('#systems-panel');
		await systems.getByText('尚未登錄核心系統。').waitFor();
		await systems.locator('summary',
		    { hasText: '新增核心系統' }).click();
		const form = systems.locator('form.system-form');
		// The required fields are refused in words before sending.
		await form.getByRole('button', { name: '新增系統' }).click();
		await form.locator('.form-alert', { hasText: '有欄位需要修正' })
		    .waitFor();
		assert.equal(await page.evaluate(() =>
		    document.activeElement.name), 'name');
		await form.getByLabel('系統名稱').fill('公文管理系統');
		await form.getByLabel('可容忍中斷時間（分鐘）').fill('120');
		await form.getByLabel('備援').selectOption('standby');
		const group = (type) => form.locator('fieldset',
		    { hasText: type });
		await group('作業系統事件日誌').getByLabel('保存月數').fill('3');
		await group('網站日誌').getByLabel('保存月數').fill('6');
		await group('網站日誌').getByLabel('另一實體系統有副本').check();
		await group('登入日誌').getByLabel('保存月數').fill('12');
		await form.getByRole('button', { name: '新增系統' }).click();
		await systems.getByText('已新增系統「公文管理系統」。').waitFor();
		const card = systems.locator('article.system-card',
		    { hasText: '公文管理系統' });
		// Words first, colour second: the whole system and each type.
		assert.match(await card.locator('h3').innerText(), /不符合 P24/);
		assert.match(await card.getAttribute('class'), /system-bad/);
		assert.match(await card.innerText(),
		    /缺少日誌：應用程式日誌[\s\S]*保存不足 6 個月：作業系統事件日誌/);
		const row = (type) => card.locator('tbody tr',
		    { hasText: type });
		assert.match(await row('作業系統事件日誌').innerText(),
		    /3[\s\S]*不足 6 個月/);
		assert.match(await row('應用程式日誌').innerText(), /未保存/);
		assert.match(await row('網站日誌').innerText(),
		    /6[\s\S]*是[\s\S]*符合（6 個月以上）/);
		assert.match(await row('登入日誌').innerText(), /無異地副本/);
		assert.equal(await row('應用程式日誌').locator('.badge-bad')
		    .count(), 1);
		await assertAxeClean(page, 'systems, one short');
		await shot(page, 'registry-01-system-short.png');

		// A device, typed by keyboard only.
		await card.locator('summary', { hasText: '新增設備' }).focus();
		await page.keyboard.press('Enter');
		await card.getByLabel('設備名稱').fill('公文資料庫');
		await page.keyboard.press('Tab');
		await page.keyboard.type('資料庫伺服器');
		await card.getByLabel('主機名稱或位址').fill('10.1.2.3');
		await card.getByLabel('主機名稱或位址').press('Enter');
		await systems.getByText('已為「公文管理系統」新增設備「公文資料庫」。')
		    .waitFor();
		assert.match(await card.locator('.devices').innerText(),
		    /公文資料庫[\s\S]*資料庫伺服器[\s\S]*10\.1\.2\.3/);

		// Put right: 6 months of every type.
		await card.locator('summary',
		    { hasText: '修改「公文管理系統」' }).click();
		const edit = card.locator('form.system-form');
		await edit.locator('fieldset', { hasText: '作業系統事件日誌' })
		    .getByLabel('保存月數').fill('6');
		await edit.locator('fieldset', { hasText: '應用程式日誌' })
		    .getByLabel('保存月數').fill('7');
		await edit.getByRole('button', { name: '儲存' }).click();
		await systems.getByText('已儲存系統「公文管理系統」。').waitFor();
		assert.match(await card.locator('h3').innerText(), /符合 P24/);
		assert.doesNotMatch(await card.locator('h3').innerText(),
		    /不符合/);
		assert.match(await systems.innerText(),
		    /共 1 套系統，其中 0 套不符合/);
		assertProblemFree(problems, 'systems');
	} finally {
		await context.close();
	}
});

test('P26: the CISO records a contract missing clauses, then ticks them',
    async () => {
	const { context, page, problems } = await as('ca.ciso');
	try {
		await page.goto(`${server.url}/#/agencies/ca`);
		const panel = page.locator('#contracts-panel');
		await panel.getByText('尚未登錄委外契約。').waitFor();
		await panel.locator('summary', { hasText: '新增委外契約' }).click();
		const form = panel.locator('form.contract-form').last();
		await form.getByLabel('廠商').fill('乙資訊公司');
		await form.getByLabel('契約名稱').fill('公文系統維運');
		await form.getByLabel('開始日期').fill('2026-01-01');
		await form.getByLabel('通報義務（P13）').check();
		await form.getByLabel('備份').check();
		await form.getByRole('button', { name: '新增契約' }).click();
		await panel.getByText('已新增契約「乙資訊公司：公文系統維運」。')
		    .waitFor();
		const row = panel.locator('tbody tr', { hasText: '乙資訊公司' });
		assert.match(await row.innerText(),
		    /已訂明[\s\S]*缺少[\s\S]*缺少[\s\S]*已訂明[\s\S]*缺少條款/);
		assert.match(await row.innerText(), /2026-01-01 – 未定/);
		assert.equal(await row.locator('.badge-bad').count(), 3);
		await assertAxeClean(page, 'contracts');
		await shot(page, 'registry-02-contract.png');

		await panel.locator('summary',
		    { hasText: '修改「乙資訊公司：公文系統維運」' }).click();
		const edit = panel.locator('form.contract-form').first();
		await edit.getByLabel('日誌保存（P24）').check();
		await edit.getByLabel('證據保全（P25）').check();
		await edit.getByRole('button', { name: '儲存' }).click();
		await panel.getByText('已儲存契約「乙資訊公司：公文系統維運」。')
		    .waitFor();
		assert.match(await panel.locator('tbody tr',
		    { hasText: '乙資訊公司' }).innerText(), /條款齊全/);
		assertProblemFree(problems, 'contracts');
	} finally {
		await context.close();
	}
});

test('P24, P26: DoIT reads the compliance screen with counts per agency; ' +
    'it may not change an agency registry', async () => {
	const { context, page, problems } = await as('doit.reviewer');
	try {
		await page.locator('#site-nav').getByRole('link',
		    { name: '日誌與契約檢核' }).click();
		await page.locator('h1',
		    { hasText: '日誌保存與委外契約檢核' }).waitFor();
		const logs = page.locator('#comp-logs-panel');
		const item = logs.locator('tbody tr', { hasText: '工務管理系統' });
		await item.waitFor();
		assert.match(await item.innerText(), /不符合 P24[\s\S]*缺少日誌/);
		const dpw = logs.locator('tbody tr', { hasText: '工務局' })
		    .first();
		// Systems, compliant, not, missing a type, short.
		assert.match(await dpw.innerText(),
		    /^\S+\s+1\s+0\s+1\s+1\s+1$/);
		const contracts = page.locator('#comp-contracts-panel');
		await contracts.locator('dl.facts').waitFor();
		assert.match(await contracts.innerText(), /契約數\s*1/);
		await assertAxeClean(page, 'compliance');
		await shot(page, 'registry-03-compliance.png');

		// The agency page shows DoIT the registry but no forms.
		await page.goto(`${server.url}/#/agencies/ca`);
		const systems = page.locator('#systems-panel');
		await systems.locator('article.system-card').waitFor();
		assert.equal(await systems.locator('form').count(), 0);
		assert.equal(await page.locator('#contracts-panel form')
		    .count(), 0);
		assertProblemFree(problems, 'compliance');
	} finally {
		await context.close();
	}
});

test('phone: the systems panel fits a narrow screen', async () => {
	const { context, page, problems } = await as('ca.window',
	    { viewport: { width: 390, height: 844 } });
	try {
		await page.goto(`${server.url}/#/agencies/ca`);
		await page.locator('#systems-panel article.system-card')
		    .waitFor();
		const wide = await page.evaluate(() =>
		    document.documentElement.scrollWidth);
		assert.ok(wide <= 390, `page is ${wide}px wide on a phone`);
		await assertAxeClean(page, 'systems on a phone');
		await shot(page, 'registry-04-phone.png');
		// The agency's own people reach the compliance screen for
		// their agency from the panel.
		await page.locator('#systems-panel').getByRole('link',
		    { name: '日誌與契約檢核' }).click();
		await page.locator('#comp-logs-panel').getByText(
		    '所有核心系統都符合日誌保存規定。').waitFor();
		assert.match(await page.locator('main').innerText(),
		    /僅列出機關 ca 及其所屬機關/);
		assertProblemFree(problems, 'phone');
	} finally {
		await context.close();
	}
});

test('P31: DoIT writes its investigation report; the agency reads it',
    async () => {
	let session = await as('doit.reviewer');
	try {
		const { page, problems } = session;
		await page.goto(`${server.url}/#/incidents/${inc.id}`);
		const p = page.locator('#investigation-panel');
		await p.getByText('資訊局尚未撰寫調查報告。').waitFor();
		await p.locator('summary', { hasText: '撰寫調查報告' }).click();
		await p.locator('input[name="incident_time_date"]')
		    .fill('2026-11-20');
		await p.locator('input[name="incident_time_time"]')
		    .fill('03:15');
		await p.getByLabel('來源 IP')
		    .fill('203.0.113.7\n198.51.100.0/24');
		await p.getByLabel('目標 IP').fill('10.1.2.3');
		await p.getByLabel('攻擊者所在地').fill('境外');
		await p.getByLabel('攻擊手法').fill('密碼暴力破解');
		await p.getByLabel('攻擊路徑分析').fill('由 VPN 進入');
		await p.getByLabel('影響分析').fill('公文系統停擺 3 小時');
		await p.getByLabel('復原措施').fill('由備份還原');
		await p.getByLabel('根除措施').fill('移除後門帳號');
		await p.getByLabel('修補措施').fill('更新 VPN 韌體');
		await p.getByLabel('防禦措施').fill('啟用多因素驗證');
		await p.getByRole('button', { name: '儲存調查報告' }).click();
		await p.getByText('已儲存調查報告。').waitFor();
		const text = await p.innerText();
		assert.match(text, /2026-11-20 03:15/);
		assert.match(text, /203\.0\.113\.7[\s\S]*198\.51\.100\.0\/24/);
		assert.match(text, /密碼暴力破解[\s\S]*啟用多因素驗證/);
		await assertAxeClean(page, 'investigation');
		await shot(page, 'registry-05-investigation.png');
		assertProblemFree(problems, 'investigation');
	} finally {
		await session.context.close();
	}

	session = await as('ca.window');
	try {
		const { page, problems } = session;
		await page.goto(`${server.url}/#/incidents/${inc.id}`);
		const p = page.locator('#investigation-panel');
		await p.getByText('密碼暴力破解').waitFor();
		assert.equal(await p.locator('form').count(), 0);
		assertProblemFree(problems, 'investigation read');
	} finally {
		await session.context.close();
	}
});

test('P33: the window writes the lessons learned; DoIT reads them',
    async () => {
	let session = await as('ca.window');
	try {
		const { page, problems } = session;
		await page.goto(`${server.url}/#/incidents/${inc.id}`);
		const p = page.locator('#lessons-panel');
		await p.getByText('機關尚未填寫經驗學習。').waitFor();
		assert.equal(await p.getByText('資訊局尚未撰寫調查報告。')
		    .count(), 0);
		await p.locator('summary', { hasText: '填寫經驗學習' }).focus();
		await page.keyboard.press('Enter');
		await p.getByLabel('經驗學習', { exact: true })
		    .fill('VPN 應啟用多因素驗證');
		await p.getByLabel('人力調整').fill('增設資安專職一名');
		await p.getByLabel('作業程序調整').fill('每月檢視 VPN 帳號');
		await p.getByRole('button', { name: '儲存經驗學習' }).click();
		await p.getByText('已儲存經驗學習。').waitFor();
		assert.match(await p.innerText(),
		    /VPN 應啟用多因素驗證[\s\S]*增設資安專職一名[\s\S]*每月檢視/);
		assert.match(await p.innerText(), /最後由 ca\.window 更新於/);
		await assertAxeClean(page, 'lessons');
		await shot(page, 'registry-06-lessons.png');
		assertProblemFree(problems, 'lessons');
	} finally {
		await session.context.close();
	}

	session = await as('doit.reviewer');
	try {
		const { page, problems } = session;
		await page.goto(`${server.url}/#/incidents/${inc.id}`);
		const p = page.locator('#lessons-panel');
		await p.getByText('增設資安專職一名').waitFor();
		assert.equal(await p.locator('form').count(), 0);
		assertProblemFree(problems, 'lessons read');
	} finally {
		await session.context.close();
	}
});
