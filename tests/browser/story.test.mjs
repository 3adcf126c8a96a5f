// The main story in the browser, played by the people in it (issue 7):
// the Department of Civil Affairs' window (ca.window) reports a level 3
// incident through the wizard, its CISO (ca.ciso) approves the level, the
// window records the national report number, DoIT's reviewer
// (doit.reviewer) reviews the level, the team is formed and damage
// control is recorded (P10-P22).  At each step the test checks what that
// person sees, runs axe-core on the screen, and keeps a screenshot in
// tests/browser/out/.  The demo data (`tongbao demo`) provides the people.
//
// Run: node --test tests/browser/   (TONGBAO_BIN picks another binary)

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { assertAxeClean, assertProblemFree, DEMO_PASSWORD, expectProblems,
    launchBrowser, openPage, shotPath, signIn, startServer } from
    './support.mjs';

let server;
let browser;
let incidentId = null;
const TITLE = '民政局全球資訊網首頁遭置換';

before(async () => {
	server = await startServer({ demo: true });
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

// The parts of a time in Taipei: "YYYY-MM-DD" and "HH:MM".
function taipeiParts(ms) {
	const p = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
	    timeZone: 'Asia/Taipei', hourCycle: 'h23', year: 'numeric',
	    month: '2-digit', day: '2-digit', hour: '2-digit',
	    minute: '2-digit' }).formatToParts(ms).map((x) => [x.type,
	    x.value]));
	return { date: `${p.year}-${p.month}-${p.day}`,
	    time: `${p.hour}:${p.minute}` };
}

// Opens a page signed in as USERNAME; the caller closes the context.
async function as(username, options) {
	assert.ok(incidentId || username === 'ca.window',
	    'the incident was filed');
	const session = await openPage(browser, options);
	await signIn(session.page, server, username);
	return session;
}

async function shot(page, name) {
	await page.mouse.move(0, 0);
	await page.screenshot({ path: shotPath(name), fullPage: true });
}

// The row of the obligations table of the incident page for NAME.
function obligationRow(page, name) {
	return page.locator('section', { has: page.locator('h2',
	    { hasText: /^期限$/ }) }).locator('tbody tr', { hasText: name });
}

async function openIncident(page) {
	await page.goto(`${server.url}/#/incidents/${incidentId}`);
	await page.locator('h1', { hasText: TITLE }).waitFor();
}

test('ca.window reports a level 3 incident through the wizard',
    async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		// Nothing is due yet: the first screen says so.
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		await page.locator('.empty', { hasText: '目前沒有需要您處理' })
		    .waitFor();
		assert.match(await page.locator('#who').innerText(),
		    /民政局通報窗口[\s\S]*臺北市政府民政局[\s\S]*通報窗口/);
		await assertAxeClean(page, 'my work, empty');
		await shot(page, 'story-01-window-work-empty.png');

		await page.locator('a.btn', { hasText: '新增通報' }).click();
		await page.locator('h1', { hasText: '通報資通安全事件' })
		    .waitFor();

		// Step 1: the awareness time, ten minutes ago, Taipei time.
		const aware = taipeiParts(Date.now() - 10 * 60000);
		await page.locator('input[name="aware_at_date"]')
		    .fill(aware.date);
		await page.locator('input[name="aware_at_time"]')
		    .fill(aware.time);
		await page.locator('select[name="source"]')
		    .selectOption('self_found');
		await assertAxeClean(page, 'wizard step 1');
		await shot(page, 'story-02-wizard-when.png');
		await page.getByRole('button', { name: '下一步' }).click();

		// Step 2: the next button refuses an empty title, pointing
		// at it, and keeps what was typed.
		await page.getByRole('button', { name: '下一步' }).click();
		const title = page.locator('input[name="title"]');
		assert.equal(await title.getAttribute('aria-invalid'), 'true');
		assert.equal(await page.evaluate(() =>
		    document.activeElement.name), 'title');
		await title.fill(TITLE);
		await page.locator('textarea[name="description"]').fill(
		    '09:30 發現首頁遭置換為不明訊息，已先將網站下線。');
		await page.getByLabel('網頁攻擊').check();
		await page.getByLabel('網頁置換').check();
		await page.getByRole('button', { name: '加入一個系統' })
		    .click();
		await page.locator('input[name="system_name_0"]')
		    .fill('全球資訊網');
		await page.locator('input[name="system_hours_0"]').fill('4');
		await page.getByLabel('核心系統').check();

		// A reload loses nothing: the draft is kept as it is typed.
		await page.reload();
		await page.locator('h1', { hasText: '通報資通安全事件' })
		    .waitFor();
		await page.locator('.notice', { hasText: '已還原' }).waitFor();
		assert.equal(await page.locator('input[name="title"]')
		    .inputValue(), TITLE);
		assert.ok(await page.getByLabel('網頁置換').isChecked());
		assert.equal(await page.locator('input[name="system_name_0"]')
		    .inputValue(), '全球資訊網');
		assert.ok(await page.getByLabel('核心系統').isChecked());
		assert.equal(await page.locator('input[name="aware_at_time"]')
		    .inputValue(), aware.time);
		await assertAxeClean(page, 'wizard step 2');
		await shot(page, 'story-03-wizard-what.png');
		await page.getByRole('button', { name: '下一步' }).click();

		// Step 3: the level helper proposes 3 with its reason.
		await page.locator('select[name="answer_asset_0"]')
		    .selectOption('core');
		await page.locator('select[name="answer_effect_0"]')
		    .selectOption('ci_serious');
		const proposal = page.locator('.proposal');
		await proposal.locator('.level-badge', { hasText: '第 3 級' })
		    .waitFor();
		assert.match(await proposal.innerText(), new RegExp(
		    '核心業務（未涉及關鍵基礎設施）[\\s\\S]*洩漏或竄改，嚴重'));
		assert.match(await proposal.innerText(), /第 3 級/);
		assert.ok(await page.getByLabel('第 3 級', { exact: true })
		    .isChecked(), 'the proposal is the level chosen');
		await assertAxeClean(page, 'wizard step 3');
		await shot(page, 'story-04-wizard-level.png');
		await page.getByRole('button', { name: '下一步' }).click();

		// Step 4: an affected agency from the list, and one by a
		// code that does not exist, which the server will refuse.
		await page.locator('input[name="agency_filter"]').fill('松山');
		await page.getByLabel('臺北市松山區公所 (dist-songshan)')
		    .check();
		await page.locator('input[name="agency_code"]')
		    .fill('no-such-agency');
		await page.getByRole('button', { name: '加入', exact: true })
		    .click();
		await assertAxeClean(page, 'wizard step 4');
		await shot(page, 'story-05-wizard-affected.png');
		await page.getByRole('button', { name: '下一步' }).click();

		// Step 5: the summary, then a refused send that keeps
		// everything and points at the field the server named.
		const summary = page.locator('.wizard .facts');
		assert.match(await summary.innerText(), new RegExp(TITLE));
		await assertAxeClean(page, 'wizard step 5');
		await shot(page, 'story-06-wizard-send.png');
		const send = page.getByRole('button',
		    { name: '送出，請資通安全長核定' });
		await send.click();
		await page.locator('.form-alert:not([hidden])').waitFor();
		expectProblems(problems, /\b422\b/);
		assert.equal(await page.locator('.steps [aria-current="step"]')
		    .innerText(), '影響機關');
		assert.ok(await page.locator('fieldset.has-error').isVisible(),
		    'the affected agencies are marked');
		await shot(page, 'story-07-wizard-refused.png');
		await page.getByRole('button',
		    { name: '移除 no-such-agency' }).click();
		await page.locator('.steps button', { hasText: '確認送出' })
		    .click();
		await send.click();

		// The incident page: level 3, waiting for the CISO, with the
		// report clock running.
		await page.locator('h1', { hasText: TITLE }).waitFor();
		incidentId = /#\/incidents\/(\d+)/.exec(page.url())[1];
		const head = page.locator('.incident-head');
		assert.match(await head.innerText(),
		    /第 3 級[\s\S]*待核定等級/);
		await page.locator('.next-step',
		    { hasText: '等待資通安全長核定' }).waitFor();
		assert.match(await obligationRow(page, '通報（1 小時內）')
		    .innerText(), /還有 (4\d|50) 分/);
		assert.match(await obligationRow(page, '通知受影響機關')
		    .innerText(), /松山區公所/);
		// The draft is gone once the incident is filed.
		assert.equal(await page.evaluate(() => localStorage.getItem(
		    'tongbao.draft.report.ca.window')), null);
		await assertAxeClean(page, 'incident, new');
		await shot(page, 'story-08-incident-new.png');
		assertProblemFree(problems, 'reporting');
	} finally {
		await context.close();
	}
});

test('ca.ciso sees the approval first and approves level 3', async () => {
	assert.ok(incidentId, 'the incident was filed');
	const { context, page, problems } = await as('ca.ciso');
	try {
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		const item = page.locator('.work-item',
		    { hasText: '核定等級' });
		await item.waitFor();
		assert.match(await item.innerText(), new RegExp(TITLE));
		assert.match(await item.locator('.clock').innerText(),
		    /還有 \d+ 分/);
		await assertAxeClean(page, 'my work, ciso');
		await shot(page, 'story-09-ciso-work.png');

		await item.locator('a').click();
		await page.locator('h1', { hasText: TITLE }).waitFor();
		const step = page.locator('.next-step');
		assert.match(await step.locator('h2').innerText(), /核定等級/);
		assert.ok(await step.getByLabel('第 3 級', { exact: true })
		    .isChecked());
		await step.locator('textarea[name="note"]')
		    .fill('核心系統遭置換，同意第 3 級。');
		await assertAxeClean(page, 'incident, approval');
		await shot(page, 'story-10-ciso-approve.png');
		await step.getByRole('button', { name: '核定此等級' }).click();
		await page.locator('.notice-ok', { hasText: '已記錄' })
		    .waitFor();
		assert.match(await page.locator('.incident-head').innerText(),
		    /等級已核定，待通報/);
		assert.match(await page.locator('.timeline').first()
		    .innerText(),
		    /核定等級[\s\S]*ca\.ciso/);
		assertProblemFree(problems, 'approval');
	} finally {
		await context.close();
	}
});

test('ca.window records the national report number', async () => {
	const { context, page, problems } = await as('ca.window');
	try {
		await page.locator('.work-item',
		    { hasText: '通報（1 小時內）' }).waitFor();
		await openIncident(page);
		const step = page.locator('.next-step');
		assert.match(await step.locator('h2').innerText(), /完成通報/);
		await step.locator('input[name="platform_ref"]')
		    .fill('TP-2026-000123');
		await step.getByRole('button', { name: /記錄/ }).click();
		await page.locator('.notice-ok', { hasText: '已記錄' })
		    .waitFor();
		assert.match(await page.locator('.incident-head').innerText(),
		    /已通報/);
		assert.match(await page.locator('.facts').first().innerText(),
		    /TP-2026-000123/);
		const report = obligationRow(page, '通報（1 小時內）');
		assert.match(await report.innerText(), /已準時完成/);
		assert.equal(await report.locator('.clock')
		    .getAttribute('data-tone'), 'met');

		// The copy-ready text of the platform's form, now the
		// follow-up, holds what was reported.
		const text = page.locator('#platform-text');
		await page.waitForFunction(() => document.getElementById(
		    'platform-text')?.value.length > 0);
		assert.match(await text.inputValue(),
		    /續報[\s\S]*事件等級：3 級[\s\S]*網頁置換[\s\S]*全球資訊網/
		    );
		assert.equal(await page.locator('#platform-stage')
		    .inputValue(), 'follow_up');
		await assertAxeClean(page, 'incident, reported');
		await shot(page, 'story-11-window-reported.png');
		assertProblemFree(problems, 'report');
	} finally {
		await context.close();
	}
});

test('doit.reviewer reviews the level from the review queue', async () => {
	const { context, page, problems } = await as('doit.reviewer');
	try {
		const item = page.locator('.work-item',
		    { hasText: '等級審核' });
		await item.waitFor();
		assert.match(await item.innerText(), new RegExp(TITLE));
		// A level 3 report is reviewed within 2 hours (P15).
		assert.match(await item.locator('.clock').innerText(),
		    /還有 1 小時 \d+ 分/);
		await shot(page, 'story-12-reviewer-work.png');

		await page.locator('#site-nav a', { hasText: '全市總覽' })
		    .click();
		await page.locator('h1', { hasText: '全市資通安全事件總覽' })
		    .waitFor();
		const open = page.locator('section', { has: page.locator('h2',
		    { hasText: '處理中的事件' }) });
		await open.locator('tbody tr', { hasText: '民政局' }).waitFor();
		const queue = page.locator('section', { has: page.locator('h2',
		    { hasText: '等級審核待辦' }) });
		assert.match(await queue.innerText(), new RegExp(TITLE));
		assert.ok(await page.locator('svg.chart').isVisible());
		await assertAxeClean(page, 'city view');
		await shot(page, 'story-13-city.png');

		await queue.locator('a', { hasText: TITLE }).click();
		await page.locator('h1', { hasText: TITLE }).waitFor();
		const step = page.locator('.next-step');
		assert.match(await step.locator('h2').innerText(),
		    /資訊局等級審核/);
		await step.locator('textarea[name="basis"]')
		    .fill('首頁置換屬核心業務之嚴重竄改，維持第 3 級。');
		await step.getByRole('button', { name: /記錄/ }).click();
		await page.locator('.notice-ok', { hasText: '已記錄' })
		    .waitFor();
		assert.match(await obligationRow(page, '等級審核').innerText(),
		    /已準時完成/);
		await assertAxeClean(page, 'incident, reviewed');
		await shot(page, 'story-14-reviewed.png');
		assertProblemFree(problems, 'review');
	} finally {
		await context.close();
	}
});

test('the commander forms the team and records damage control (P22)',
    async () => {
	const { context, page, problems } = await as('ca.ciso');
	try {
		await openIncident(page);
		const step = page.locator('.next-step');
		assert.match(await step.locator('h2').innerText(),
		    /成立應變小組/);
		await step.locator('input[name="member_username"]').first()
		    .fill('ca.ciso');
		await step.getByRole('button', { name: '再加一位' }).click();
		await step.locator('input[name="member_username"]').nth(1)
		    .fill('ca.staff');
		await step.locator('select[name="member_role"]').nth(1)
		    .selectOption('technical');
		await step.getByRole('button', { name: '再加一位' }).click();
		await step.locator('input[name="member_username"]').nth(2)
		    .fill('ca.window');
		await step.locator('select[name="member_role"]').nth(2)
		    .selectOption('contact_window');
		await step.getByRole('button', { name: /記錄/ }).click();
		await page.locator('.notice-ok', { hasText: '已記錄' })
		    .waitFor();
		const team = page.locator('section', { has: page.locator('h2',
		    { hasText: '應變小組' }) });
		assert.match(await team.innerText(),
		    /ca\.ciso[\s\S]*事件指揮官[\s\S]*ca\.staff[\s\S]*技術處理/);

		// Damage control, with the P22 record: the next step leads
		// to its panel.
		const next = page.locator('.next-step a',
		    { hasText: '損害控制' });
		await next.click();
		const dc = page.locator('#damage-panel');
		assert.ok(await dc.evaluate((e) => e.contains(
		    document.activeElement) || e === document.activeElement));
		const form = dc.locator('form');
		await form.locator('textarea[name="scope"]')
		    .fill('全球資訊網前台 2 部主機，未波及後台資料庫。');
		await form.locator('textarea[name="restoration"]')
		    .fill('以備援主機於 11:00 恢復對外服務。');
		await form.locator('textarea[name="spread_prevention"]')
		    .fill('封鎖來源 IP，更換管理帳號密碼。');
		await form.locator('input[name="system_name"]')
		    .fill('全球資訊網');
		await form.locator('textarea[name="stakeholder_impact"]')
		    .fill('民眾約 2 小時無法查詢公告。');
		await form.getByLabel('否').check();
		await assertAxeClean(page, 'incident, damage control form');
		await shot(page, 'story-15-damage-form.png');
		await form.getByRole('button', { name: /記錄/ }).click();
		await dc.locator('.dc-record, .form-alert:not([hidden])')
		    .first().waitFor();
		assert.equal(await dc.locator('.form-alert:not([hidden])')
		    .count(), 0, await dc.locator('.form-alert').innerText());
		assert.match(await dc.innerText(),
		    /全球資訊網前台[\s\S]*是，如期恢復/);
		assert.match(await obligationRow(page, '完成損害控制或復原')
		    .innerText(), /已準時完成/);
		assert.match(await page.locator('.timeline').first()
		    .innerText(),
		    /成立應變小組[\s\S]*完成損害控制或復原/);
		await assertAxeClean(page, 'incident, damage controlled');
		await shot(page, 'story-16-damage-done.png');
		assertProblemFree(problems, 'team and damage control');
	} finally {
		await context.close();
	}
});

test('the list finds the incident by level, and an exercise carries ' +
    'its 演練 mark everywhere', async () => {
	const { context, page, problems } = await as('ca.window');
	const DRILL = '年度演練：網站置換情境';
	try {
		const made = await context.request.post(
		    `${server.url}/api/v1/incidents`, {
			headers: { Origin: server.url },
			data: { agency: 'ca', title: DRILL,
			    category: 'web_attack', level: 2, exercise: true,
			    aware_at: new Date(Date.now() - 5 * 60000)
				.toISOString() } });
		assert.equal(made.status(), 201);
		const drill = (await made.json()).id;

		await page.locator('#site-nav a', { hasText: '事件' }).click();
		await page.locator('h1', { hasText: '資通安全事件' }).waitFor();
		await page.locator('select[name="level"]').selectOption('3');
		await page.getByRole('button', { name: '篩選' }).click();
		await page.waitForFunction(() =>
		    location.hash === '#/incidents?level=3');
		const rows = page.locator('tbody tr');
		await rows.first().waitFor();
		assert.deepEqual(await rows.locator('td:nth-child(2) a')
		    .allInnerTexts(), [TITLE]);
		await assertAxeClean(page, 'incident list, filtered');
		await shot(page, 'story-17-list-level3.png');

		// The exercise, everywhere it shows.
		await page.locator('a', { hasText: '清除' }).click();
		const row = page.locator('tbody tr', { hasText: DRILL });
		await row.locator('.mark-exercise', { hasText: '演練' })
		    .waitFor();
		await page.locator('#site-nav a', { hasText: '我的待辦' })
		    .click();
		await page.locator('.work-item', { hasText: DRILL })
		    .locator('.mark-exercise').first().waitFor();
		await page.goto(`${server.url}/#/incidents/${drill}`);
		await page.locator('.incident-head .mark-exercise',
		    { hasText: '演練' }).waitFor();
		await shot(page, 'story-18-exercise.png');
		assertProblemFree(problems, 'list and exercise');
	} finally {
		await context.close();
	}
});

test('when the platform is down: a fallback report with its reason, ' +
    'then the backfill (P11)', async () => {
	// The CISO approves the exercise's level through the API.
	const ciso = await openPage(browser);
	let drill;
	try {
		const api = ciso.context.request;
		const h = { headers: { Origin: server.url } };
		assert.equal((await api.post(`${server.url}/api/v1/session`,
		    { ...h, data: { username: 'ca.ciso',
		    password: DEMO_PASSWORD } })).status(), 201);
		const list = await (await api.get(
		    `${server.url}/api/v1/incidents?exercise=true`)).json();
		drill = list.items[0].id;
		const ok = await api.post(
		    `${server.url}/api/v1/incidents/${drill}/events`, { ...h,
		    data: { type: 'level_approved', level: 2,
			at: new Date(Date.now() - 60000).toISOString() } });
		assert.equal(ok.status(), 201, await ok.text());
	} finally {
		await ciso.context.close();
	}

	const { context, page, problems } = await as('ca.window');
	try {
		await page.goto(`${server.url}/#/incidents/${drill}`);
		const step = page.locator('.next-step');
		await step.locator('h2', { hasText: '完成通報' }).waitFor();
		// The reason shows only for the fallback channel.
		const reason = step.locator('textarea[name="reason"]');
		assert.ok(await reason.isHidden());
		await step.getByLabel('其他方式（網站無法使用）').check();
		assert.ok(await reason.isVisible());
		assert.ok(await step.locator('input[name="platform_ref"]')
		    .isHidden());
		// Sent without a reason: the form says so at the field.
		await step.getByRole('button', { name: /記錄/ }).click();
		assert.equal(await reason.getAttribute('aria-invalid'), 'true');
		await reason.fill('通報應變網站連線逾時，' +
		    '已於 10:05 電話通報資安署' +
		    '值班人員。');
		await step.getByRole('button', { name: /記錄/ }).click();
		await page.locator('.notice-ok', { hasText: '已記錄' })
		    .waitFor();
		assert.match(await obligationRow(page, '通報（1 小時內）')
		    .innerText(), /已準時完成/);
		// The backfill is now owed, with no fixed time: recorded
		// from the list of events once the platform is back.
		assert.match(await obligationRow(page, '補登通報').innerText(),
		    /無固定期限，待辦/);
		await assertAxeClean(page, 'incident, fallback reported');
		await shot(page, 'story-19-fallback.png');
		await page.locator('#event-type').selectOption('backfilled');
		const form = page.locator('form[data-type="backfilled"]');
		await form.locator('input[name="platform_ref"]')
		    .fill('TP-2026-000124');
		await form.getByRole('button', { name: /記錄/ }).click();
		await page.locator('.timeline', { hasText: 'TP-2026-000124' })
		    .waitFor();
		assert.match(await page.locator('.timeline').innerText(),
		    /完成通報[\s\S]*其他方式[\s\S]*補登通報/);
		assertProblemFree(problems, 'fallback');
	} finally {
		await context.close();
	}
});

test('the window sees the story on a phone, in English too', async () => {
	const { context, page, problems } = await openPage(browser, {
		viewport: { width: 360, height: 740 },
		deviceScaleFactor: 2, isMobile: true, hasTouch: true,
	});
	try {
		await signIn(page, server, 'ca.window');
		await openIncident(page);
		const { scroll, width } = await page.evaluate(() => ({
		    scroll: document.documentElement.scrollWidth,
		    width: document.documentElement.clientWidth }));
		assert.ok(scroll <= width,
		    `page is ${scroll}px wide on a ${width}px screen`);
		await assertAxeClean(page, 'incident on a phone');
		await shot(page, 'story-20-phone-incident.png');

		await page.locator('#lang-toggle').click();
		await page.locator('.incident-head', { hasText: 'Level 3' })
		    .waitFor();
		assert.match(await page.locator('.timeline').first()
		    .innerText(),
		    /Damage control completed/);
		await shot(page, 'story-21-phone-incident-en.png');
		// The choice is the person's: it comes back at sign-in.
		assert.equal(await page.evaluate(() => localStorage.getItem(
		    'tongbao.lang.user.ca.window')), 'en');
		await page.locator('#lang-toggle').click();
		assertProblemFree(problems, 'phone');
	} finally {
		await context.close();
	}
});

test('the audit trail shows the story to DoIT', async () => {
	const { context, page, problems } = await as('doit.reviewer');
	try {
		await page.goto(`${server.url}/#/audit`);
		await page.locator('h1', { hasText: '稽核軌跡' }).waitFor();
		await page.locator('table tbody tr').first().waitFor();
		const actions = await page.locator('#audit-action option')
		    .allInnerTexts();
		assert.ok(actions.some((a) => /incident/.test(a)),
		    `incident actions are in the trail: ${actions}`);
		await assertAxeClean(page, 'audit trail');
		await shot(page, 'story-22-audit.png');

		// The dark scheme keeps its contrast on the busiest screens.
		await page.emulateMedia({ colorScheme: 'dark' });
		await openIncident(page);
		await assertAxeClean(page, 'incident, dark');
		await shot(page, 'story-23-incident-dark.png');
		await page.goto(`${server.url}/#/city`);
		await page.locator('svg.chart').waitFor();
		await assertAxeClean(page, 'city view, dark');
		assertProblemFree(problems, 'audit');
	} finally {
		await context.close();
	}
});
