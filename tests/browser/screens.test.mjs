// The screens around the story, in a real browser against the real
// server with the demo data (issue 3, 7): signing in (errors at the
// fields, the 429 with its wait), the frame (who I am, the menu by role,
// signing out, the language kept per person), a session that ends while
// one works, account settings (password, API tokens), the audit trail,
// agencies, people and the contact roster with its CSV.  axe-core runs on
// every screen and screenshots land in tests/browser/out/.
//
// Run: node --test tests/browser/   (TONGBAO_BIN picks another binary)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, assertAxeClean, assertProblemFree, DEMO_PASSWORD,
    expectProblems, launchBrowser, openPage, shotPath, signIn,
    startServer } from './support.mjs';

let server;
let browser;

before(async () => {
	server = await startServer({ demo: true });
	browser = await launchBrowser();
});

after(async () => {
	await browser?.close();
	await server?.stop();
});

async function shot(page, name) {
	await page.mouse.move(0, 0);
	await page.screenshot({ path: shotPath(name), fullPage: true });
}

const submit = (page) => page.locator('main form button[type="submit"]');

test('sign-in points at the fields, says how long to wait after 429, ' +
    'and leads back to where one was going', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await page.goto(`${server.url}/#/audit`);
		await page.locator('h1', { hasText: '登入通報系統' }).waitFor();
		assert.equal(await page.evaluate(() => location.hash),
		    '#/sign-in?next=%2Faudit');

		// Nothing typed: both fields say so, the first has focus.
		await submit(page).click();
		for (const name of ['username', 'password'])
			assert.equal(await page.locator(`input[name="${name}"]`)
			    .getAttribute('aria-invalid'), 'true', name);
		assert.equal(await page.evaluate(() =>
		    document.activeElement.name), 'username');
		await assertAxeClean(page, 'sign-in with errors');
		await shot(page, 'signin-errors.png');

		// A wrong password: said without telling which part was
		// wrong, the password marked and emptied, the name kept.
		// After a few, the server throttles (issue 3): 429 with
		// Retry-After, the wait in words, the button held.
		await page.locator('input[name="username"]').fill('ca.staff');
		const wait = page.locator('.notice-warn:not([hidden])');
		let wrong = 0;
		for (let i = 0; i < 10 && await wait.count() === 0; i++) {
			await page.locator('input[name="password"]')
			    .fill(`wrong-password-${i}`);
			await submit(page).click();
			await page.waitForFunction(() => {
				const b = document.querySelector(
				    'main form button[type="submit"]');
				return !b.disabled || document.querySelector(
				    '.notice-warn:not([hidden])');
			});
			if (await wait.count() === 0) {
				wrong += 1;
				assert.match(await page.locator('.form-alert')
				    .innerText(), /帳號或密碼錯誤/);
				assert.equal(await page.locator(
				    'input[name="password"]')
				    .getAttribute('aria-invalid'), 'true');
			}
		}
		assert.ok(wrong >= 1, 'some tries were plain wrong passwords');
		assert.equal(await page.locator('input[name="username"]')
		    .inputValue(), 'ca.staff');
		assert.equal(await page.locator('input[name="password"]')
		    .inputValue(), '');
		// Read at once: the first lock may last a second only.
		const held = await page.evaluate(() => ({
		    text: document.querySelector('.notice-warn').textContent,
		    disabled: document.querySelector(
			'main form button[type="submit"]').disabled,
		    focused: document.activeElement.classList
			.contains('notice-warn') }));
		assert.match(held.text,
		    /嘗試次數過多，請於 \d+ (秒|分) 後再試/);
		assert.deepEqual([held.disabled, held.focused], [true, true]);
		await assertAxeClean(page, 'sign-in throttled');
		await shot(page, 'signin-throttled.png');
		expectProblems(problems, /\b401\b/, /\b429\b/);

		// Another person at the same computer is not locked out,
		// and lands where the first was going.
		await page.reload();
		await page.locator('input[name="username"]').fill('ca.window');
		await page.locator('input[name="password"]')
		    .fill(DEMO_PASSWORD);
		await submit(page).click();
		await page.locator('h1', { hasText: '稽核軌跡' }).waitFor();
		assertProblemFree(problems, 'sign-in');
	} finally {
		await context.close();
	}
});

test('the frame shows who I am and the screens my roles reach', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await signIn(page, server, 'ca.window');
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		const who = page.locator('#who');
		await who.locator('.who-agency',
		    { hasText: '臺北市政府民政局' }).waitFor();
		assert.match(await who.innerText(),
		    /民政局通報窗口[\s\S]*通報人員、通報窗口/);
		const menu = await page.locator('#site-nav a').allInnerTexts();
		assert.deepEqual(menu, ['我的待辦', '新增通報', '事件', '機關',
		    '稽核軌跡', '帳號設定']);
		assert.equal(await page.locator('#site-nav a[aria-current]')
		    .innerText(), '我的待辦');

		// The city view is DoIT's: a window is told so.
		await page.goto(`${server.url}/#/city`);
		await page.locator('h1', { hasText: '您的角色無法使用此頁面' })
		    .waitFor();
		await assertAxeClean(page, 'denied');

		// On a fresh load the first Tab reaches the skip link.
		await page.goto(`${server.url}/#/`);
		await page.reload();
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		await page.keyboard.press('Tab');
		assert.equal(await page.evaluate(() =>
		    document.activeElement.className), 'skip-link');

		// Signing out ends the session on the server too.
		await who.getByRole('button', { name: '登出' }).click();
		await page.locator('h1', { hasText: '登入通報系統' }).waitFor();
		assert.ok(await page.locator('#site-nav').isHidden());
		const me = await context.request.get(`${server.url}/api/v1/me`);
		assert.equal(me.status(), 401);
		assertProblemFree(problems, 'frame');
	} finally {
		await context.close();
	}

	// DoIT's reviewer reaches the city view, the roster and the
	// undelivered messages (issue 6).
	const doit = await openPage(browser);
	try {
		await signIn(doit.page, server, 'doit.reviewer');
		const menu = await doit.page.locator('#site-nav a')
		    .allInnerTexts();
		assert.deepEqual(menu, ['我的待辦', '事件', '全市總覽', '機關',
		    '改善列管', '日誌與契約檢核', '聯絡窗口名冊', '未送達通知',
		    '稽核軌跡', '帳號設定']);
		assertProblemFree(doit.problems, 'frame, DoIT');
	} finally {
		await doit.context.close();
	}
});

test('the language is kept per person on a shared computer', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await signIn(page, server, 'ca.window');
		await page.locator('#lang-toggle').click();
		await page.locator('h1', { hasText: 'My work' }).waitFor();
		assert.equal(await page.getAttribute('html', 'lang'), 'en');
		await shot(page, 'work-en.png');
		await page.locator('#who').getByRole('button',
		    { name: 'Sign out' }).click();
		await page.locator('h1', { hasText: 'Sign in to Tongbao' })
		    .waitFor();

		// The next person chooses Chinese...
		await signIn(page, server, 'ca.staff');
		await page.locator('#lang-toggle').click();
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		await page.locator('#who').getByRole('button',
		    { name: '登出' }).click();
		await page.locator('h1', { hasText: '登入通報系統' }).waitFor();

		// ...and the window gets English back on signing in.
		await signIn(page, server, 'ca.window');
		await page.locator('h1', { hasText: 'My work' }).waitFor();
		await page.locator('#lang-toggle').click();
		await page.locator('h1', { hasText: '我的待辦' }).waitFor();
		assertProblemFree(problems, 'language per person');
	} finally {
		await context.close();
	}
});

test('a session that ends while one works leads to sign-in and back',
    async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await signIn(page, server, 'ca.staff');
		await page.goto(`${server.url}/#/account`);
		await page.locator('h1', { hasText: '帳號設定' }).waitFor();
		// Signed out elsewhere (another tab, an expiry).
		const out = await context.request.delete(
		    `${server.url}/api/v1/session`,
		    { headers: { Origin: server.url } });
		assert.equal(out.status(), 204);
		await page.locator('#site-nav a', { hasText: '稽核軌跡' })
		    .click();
		await page.locator('h1', { hasText: '登入通報系統' }).waitFor();
		assert.equal(await page.evaluate(() => location.hash),
		    '#/sign-in?next=%2Faudit');
		expectProblems(problems, /\b401\b/);
		await page.locator('input[name="username"]').fill('ca.staff');
		await page.locator('input[name="password"]')
		    .fill(DEMO_PASSWORD);
		await submit(page).click();
		await page.locator('h1', { hasText: '稽核軌跡' }).waitFor();
		assertProblemFree(problems, 'session ended');
	} finally {
		await context.close();
	}
});

test('account: the password changes with errors at the fields, and ' +
    'an API token is shown once and revoked', async () => {
	const { context, page, problems } = await openPage(browser);
	const NEW = 'a-much-longer-passphrase-2026';
	try {
		await signIn(page, server, 'dof.staff');
		await page.goto(`${server.url}/#/account`);
		await page.locator('h1', { hasText: '帳號設定' }).waitFor();
		const pw = page.locator('section', { has: page.locator('h2',
		    { hasText: '變更密碼' }) });
		await pw.locator('input[name="current_password"]')
		    .fill(DEMO_PASSWORD);
		await pw.locator('input[name="new_password"]').fill('short');
		await pw.locator('input[name="new_password_again"]')
		    .fill('shorter');
		// Said as one types, before sending.
		await pw.locator('.field-error',
		    { hasText: '兩次輸入的新密碼不同' }).waitFor();
		await pw.getByRole('button', { name: '變更密碼' }).click();
		assert.equal(await pw.locator('input[name="new_password"]')
		    .getAttribute('aria-invalid'), 'true');

		// The server's refusal lands on the field it names.
		await pw.locator('input[name="current_password"]')
		    .fill('not-the-password');
		await pw.locator('input[name="new_password"]').fill(NEW);
		await pw.locator('input[name="new_password_again"]').fill(NEW);
		await pw.getByRole('button', { name: '變更密碼' }).click();
		await pw.locator('.form-alert:not([hidden])').waitFor();
		assert.equal(await pw.locator('[aria-invalid="true"]')
		    .getAttribute('name'), 'current_password');
		expectProblems(problems, /\b40[13]\b/, /\b422\b/);
		await assertAxeClean(page, 'account with errors');
		await shot(page, 'account-errors.png');

		await pw.locator('input[name="current_password"]')
		    .fill(DEMO_PASSWORD);
		await pw.locator('input[name="new_password"]').fill(NEW);
		await pw.locator('input[name="new_password_again"]').fill(NEW);
		await pw.getByRole('button', { name: '變更密碼' }).click();
		await pw.locator('.notice-ok', { hasText: '密碼已變更' })
		    .waitFor();

		// A token: shown once, then revoked from the list.
		const tokens = page.locator('section', { has: page.locator('h2',
		    { hasText: 'API 權杖' }) });
		await tokens.locator('input[name="name"]').fill('監控腳本');
		await tokens.getByRole('button', { name: '建立權杖' }).click();
		const secret = tokens.locator('code.secret');
		await secret.waitFor();
		const token = await secret.innerText();
		const ok = await context.request.get(`${server.url}/api/v1/me`,
		    { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(ok.status(), 200, 'the token works');
		await shot(page, 'account-token.png');
		await tokens.getByRole('button',
		    { name: '撤銷權杖「監控腳本」' }).click();
		await tokens.locator('td', { hasText: '已撤銷' }).waitFor();
		const gone = await context.request.get(
		    `${server.url}/api/v1/me`,
		    { headers: { Authorization: `Bearer ${token}` } });
		assert.equal(gone.status(), 401, 'the token is revoked');

		// A number that is not one's token is said at the field.
		await tokens.locator('input[name="id"]').fill('999999');
		await tokens.getByRole('button', { name: '撤銷', exact: true })
		    .click();
		await tokens.locator('.field-error', { hasText: '找不到' })
		    .waitFor();
		expectProblems(problems, /\b404\b/);
		await assertAxeClean(page, 'account');
		assertProblemFree(problems, 'account');
	} finally {
		await context.close();
	}
	// The new password is the one that works now.
	const again = await openPage(browser);
	try {
		await signIn(again.page, server, 'dof.staff', NEW);
		assertProblemFree(again.problems, 'new password');
	} finally {
		await again.context.close();
	}
});

test('the audit trail pages and filters by action', async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await signIn(page, server, 'admin', ADMIN_PASSWORD, '/audit');
		await page.locator('h1', { hasText: '稽核軌跡' }).waitFor();
		await page.locator('table tbody tr').first().waitFor();
		const note = page.locator('.toolbar .panel-note');
		const before = await note.innerText();
		await page.locator('#audit-action').selectOption(
		    'session.create');
		const actions = await page.locator('tbody td:nth-child(6)')
		    .allInnerTexts();
		assert.ok(actions.length > 0);
		assert.ok(actions.every((a) => a === 'session.create'),
		    actions.join());
		await page.locator('tbody details summary').first().click();
		await page.locator('tbody pre.json').first().waitFor();
		await assertAxeClean(page, 'audit');
		await shot(page, 'audit.png');
		assert.notEqual(await note.innerText(), before);
		assertProblemFree(problems, 'audit');
	} finally {
		await context.close();
	}
});

test('agencies, a person refused as window by the rule it names, and ' +
    "DoIT's roster with its CSV", async () => {
	const { context, page, problems } = await openPage(browser);
	try {
		await signIn(page, server, 'admin', ADMIN_PASSWORD,
		    '/agencies');
		await page.locator('h1', { hasText: '機關' }).waitFor();
		await page.locator('tbody tr', { hasText: '民政局' }).first()
		    .waitFor();
		await page.locator('input[name="q"]').fill('松山區公所');
		assert.equal(await page.locator('tbody tr').count(), 1);
		await assertAxeClean(page, 'agencies');
		await shot(page, 'agencies.png');

		// A new agency, made by DoIT's administrator: it has no
		// window yet, which the roster will flag (P5).
		await page.locator('input[name="q"]').fill('');
		const make = page.locator('details', { hasText: '新增機關' });
		await make.locator('summary').click();
		await make.locator('input[name="code"]').fill('ca-test-unit');
		await make.locator('input[name="name"]').fill('民政局測試科');
		await make.locator('select[name="type"]')
		    .selectOption('subordinate');
		await make.locator('select[name="responsibility_level"]')
		    .selectOption('D');
		await make.locator('select[name="superior"]')
		    .selectOption('ca');
		await make.getByRole('button', { name: '新增機關' }).click();
		await page.locator('h1', { hasText: '民政局測試科' }).waitFor();
		assert.match(await page.locator('#main').innerText(),
		    /未指定通報窗口/);

		await page.goto(`${server.url}/#/agencies/dist-songshan`);
		await page.locator('h1', { hasText: '臺北市松山區公所' })
		    .waitFor();
		await page.getByRole('table', { name: '人員' }).locator('td',
		    { hasText: 'dist-songshan.window' }).first().waitFor();
		// Its window and deputy, in force, reachable (P5, P7, P9).
		const contacts = page.getByRole('table',
		    { name: '通報窗口與代理人' });
		assert.match(await contacts.innerText(),
		    /通報窗口[\s\S]*生效中[\s\S]*代理人/);

		// P6: a vendor's employee is never the window.  Add one,
		// then try.
		const add = page.locator('details', { hasText: '新增人員' });
		await add.locator('summary').click();
		await add.locator('input[name="username"]')
		    .fill('vendor.songshan');
		await add.locator('input[name="name"]').fill('松山委外工程師');
		await add.locator('select[name="employment"]')
		    .selectOption('vendor');
		await add.getByRole('button', { name: '新增人員' }).click();
		await page.locator('td', { hasText: 'vendor.songshan' })
		    .waitFor();
		const appoint = page.locator('details',
		    { hasText: '指定通報窗口或代理人' });
		await appoint.locator('summary').click();
		await appoint.locator('select[name="username"]').selectOption(
		    'vendor.songshan');
		await appoint.getByRole('button', { name: '指定' }).click();
		await appoint.locator('.form-alert:not([hidden])').waitFor();
		assert.equal(await appoint.locator('select[name="username"]')
		    .getAttribute('aria-invalid'), 'true');
		expectProblems(problems, /\b422\b/);
		await assertAxeClean(page, 'agency with a refusal');
		await shot(page, 'agency-refused.png');
		assertProblemFree(problems, 'agencies');

		// The roster, and the same as CSV.
		await page.locator('#site-nav a', { hasText: '聯絡窗口名冊' })
		    .click();
		await page.locator('h1', { hasText: '全市通報窗口名冊' })
		    .waitFor();
		await page.locator('tbody tr').first().waitFor();
		const all = await page.locator('tbody tr').count();
		await page.locator('#roster-flag').selectOption('no_window');
		await page.locator('tbody tr', { hasText: '民政局測試科' })
		    .waitFor();
		assert.ok(await page.locator('tbody tr').count() < all,
		    'the flag filters');
		const [download] = await Promise.all([
		    page.waitForEvent('download'),
		    page.getByRole('button', { name: '下載 CSV' }).click()]);
		const csv = readFileSync(await download.path(), 'utf8');
		assert.ok(csv.startsWith('\ufeff'), 'with the BOM Excel needs');
		assert.ok(csv.split('\n').filter(Boolean).length >= 2);
		await assertAxeClean(page, 'roster');
		await shot(page, 'roster.png');
		assertProblemFree(problems, 'roster');
	} finally {
		await context.close();
	}
});
