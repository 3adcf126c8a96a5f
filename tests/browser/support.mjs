// The browser tests' harness: starts the real tongbao binary on a free
// loopback port with a fresh temporary database, launches Debian's
// Chromium through playwright-core, and watches every page for console
// errors, uncaught exceptions, failed requests and CSP violations.
//
// Never a downloaded browser: playwright-core has none, and the executable
// is /usr/bin/chromium (or $CHROMIUM_BIN) started with the flags the
// machine notes require (/work/shared/NOTES.md, Tools).  Each launch gets
// a fresh profile: playwright creates an empty user data directory per
// browser and removes it on close.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(HERE, '..', '..');
export const OUT = path.join(HERE, 'out');
export const BIN = process.env.TONGBAO_BIN ?
    path.resolve(process.env.TONGBAO_BIN) :
    path.join(REPO, 'build', 'tongbao');
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps dialling Google
// on a machine whose network is closed; as root it needs --no-sandbox.
export const CHROMIUM_FLAGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export const ADMIN_PASSWORD = 'browser-test-Passw0rd-2026';

// What a sanitizer prints when it finds something; the server may run
// from the AddressSanitizer build.
const SANITIZER_MARKS = [
	'ERROR: AddressSanitizer',
	'ERROR: LeakSanitizer',
	'runtime error:',
	'SUMMARY: UndefinedBehaviorSanitizer',
];

// The line `tongbao serve` prints once it accepts connections (issue 2).
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m;

const START_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 20000;

// A process of ours must not outlive a test that failed halfway.
const live = new Set();
process.on('exit', () => {
	for (const p of live) {
		try {
			p.kill('SIGKILL');
		} catch {
			// Already gone.
		}
	}
});

// Our environment without any TONGBAO_* variable of the developer's, so a
// TONGBAO_DB or TONGBAO_LISTEN in the shell cannot redirect the test.
function cleanEnv(extra) {
	const env = {};
	for (const [k, v] of Object.entries(process.env))
		if (!k.startsWith('TONGBAO_'))
			env[k] = v;
	return { ...env, ...extra };
}

function assertNoSanitizerReport(text, who) {
	for (const mark of SANITIZER_MARKS)
		assert.ok(!text.includes(mark),
		    `${who} reported "${mark}":\n${text}`);
}

// Runs BIN with ARGS; resolves to {code, stdout, stderr}.
function run(args, env) {
	return new Promise((resolve, reject) => {
		const p = spawn(BIN, args, { env: cleanEnv(env),
		    stdio: ['ignore', 'pipe', 'pipe'] });
		let stdout = '';
		let stderr = '';
		p.stdout.on('data', (d) => { stdout += d; });
		p.stderr.on('data', (d) => { stderr += d; });
		p.on('error', reject);
		p.on('close', (code) => resolve({ code, stdout, stderr }));
	});
}

// The password of every account `tongbao demo` makes (README.md).
export const DEMO_PASSWORD = 'tongbao-demo-2026';

// Creates a database with `tongbao init` (and with DEMO, loads the demo
// agencies and people with `tongbao demo`), then starts `tongbao serve` on
// a free port.  ENV adds TONGBAO_* settings for the server (a webhook URL,
// a small upload limit); evidence files go under the temporary folder, not
// the working directory.  Resolves to {url, port, stop()}; stop() sends
// SIGTERM and resolves to {code, signal, stderr} once the process has
// exited.
export async function startServer({ demo = false, env: extra = {} } = {}) {
	assert.ok(existsSync(BIN), `${BIN} does not exist: build it first ` +
	    '(meson setup build && ninja -C build) or set TONGBAO_BIN');
	const dir = mkdtempSync(path.join(os.tmpdir(), 'tongbao-browser-'));
	const db = path.join(dir, 't.db');
	const env = { TONGBAO_ADMIN_PASSWORD: ADMIN_PASSWORD };

	const init = await run(['init', '--db', db], env);
	assert.equal(init.code, 0,
	    `${BIN} init failed:\n${init.stdout}\n${init.stderr}`);
	assertNoSanitizerReport(init.stderr, 'tongbao init');
	if (demo) {
		const d = await run(['demo', '--db', db], env);
		assert.equal(d.code, 0,
		    `${BIN} demo failed:\n${d.stdout}\n${d.stderr}`);
		assertNoSanitizerReport(d.stderr, 'tongbao demo');
	}

	const proc = spawn(BIN, ['serve', '--db', db,
	    '--listen', '127.0.0.1:0'],
	    { env: cleanEnv({ TONGBAO_EVIDENCE_DIR: path.join(dir, 'evidence'),
	    ...env, ...extra }), stdio: ['ignore', 'pipe', 'pipe'] });
	live.add(proc);
	let stdout = '';
	let stderr = '';
	proc.stderr.on('data', (d) => { stderr += d; });
	const exited = new Promise((resolve) => proc.on('close',
	    (code, signal) => {
		live.delete(proc);
		resolve({ code, signal });
	    }));

	const url = await new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(
		    `no "listening on" line within ${START_TIMEOUT_MS} ms:\n` +
		    `${stdout}\n${stderr}`)), START_TIMEOUT_MS);
		proc.stdout.on('data', (d) => {
			stdout += d;
			const m = LISTENING.exec(stdout);
			if (m) {
				clearTimeout(timer);
				resolve(m[1]);
			}
		});
		proc.on('error', (err) => {
			clearTimeout(timer);
			reject(err);
		});
		exited.then(({ code, signal }) => {
			clearTimeout(timer);
			reject(new Error('tongbao serve exited ' +
			    `(${code ?? signal}) before listening:\n` +
			    `${stdout}\n${stderr}`));
		});
	});
	// Keep draining stdout so the server never blocks on a full pipe.
	proc.stdout.on('data', () => {});

	let stopped = null;
	async function stop() {
		if (stopped)
			return stopped;
		proc.kill('SIGTERM');
		const timer = setTimeout(() => proc.kill('SIGKILL'),
		    STOP_TIMEOUT_MS);
		const result = await exited;
		clearTimeout(timer);
		rmSync(dir, { recursive: true, force: true });
		stopped = { ...result, stderr };
		assertNoSanitizerReport(stderr, 'tongbao serve');
		return stopped;
	}

	return { url, port: Number(new URL(url).port), stop };
}

// Launches headless Chromium; the caller closes it.
export function launchBrowser() {
	return chromium.launch({
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_FLAGS,
	});
}

// Opens a page in a new context of BROWSER.  OPTIONS go to newContext();
// the default is a desktop window in a time zone far from Taipei, so the
// screens must convert times rather than show the computer's own.
// Resolves to {context, page, problems}: problems collects every console
// error, uncaught exception, failed or 4xx/5xx request and CSP violation,
// as strings, for assertProblemFree().
export async function openPage(browser, options = {}) {
	const context = await browser.newContext({
		viewport: { width: 1280, height: 800 },
		locale: 'zh-TW',
		timezoneId: 'America/New_York',
		...options,
	});
	const page = await context.newPage();
	const problems = [];

	// The page asks GET /api/v1/me to learn whether anyone is signed
	// in; for a visitor who is not, the 401 is the answer, not a fault.
	const probe = (url) => new URL(url).pathname === '/api/v1/me';
	page.on('console', (msg) => {
		if (msg.type() === 'error' && !(probe(msg.location().url ||
		    'http://x/') && /401/.test(msg.text())))
			problems.push(`console error: ${msg.text()}`);
	});
	page.on('pageerror', (err) => {
		problems.push(`uncaught: ${err.stack ?? err.message}`);
	});
	// A screen that goes away cancels what it asked (router.js aborts
	// its signal), and a reload cancels what the page was fetching:
	// net::ERR_ABORTED is the page doing its job, not a failure.
	page.on('requestfailed', (req) => {
		const why = req.failure()?.errorText;
		if (why !== 'net::ERR_ABORTED')
			problems.push(`request failed: ${req.url()} ${why}`);
	});
	page.on('response', (res) => {
		if (res.status() >= 400 && !(res.status() === 401 &&
		    probe(res.url())))
			problems.push(`HTTP ${res.status()}: ${res.url()}`);
	});
	// Chromium also prints a violation to the console, but the event
	// names the directive, which makes the failure message useful.
	await page.exposeFunction('__tbCspViolation', (v) => {
		problems.push(`CSP violation: ${v}`);
	});
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__tbCspViolation(`${e.violatedDirective} ` +
			    `blocked ${e.blockedURI || '(inline)'} at ` +
			    `${e.sourceFile}:${e.lineNumber}`);
		});
	});
	return { context, page, problems };
}

// Asserts that PROBLEMS (from openPage) is empty.
export function assertProblemFree(problems, what) {
	assert.deepEqual(problems, [],
	    `${what}: the page must log no error and break no CSP rule`);
}

// The path of screenshot NAME in tests/browser/out/, made on first use.
export function shotPath(name) {
	mkdirSync(OUT, { recursive: true });
	return path.join(OUT, name);
}

// The axe rules of WCAG 2.0 to 2.2, levels A and AA (REQUIREMENTS.md:
// build to WCAG 2.2 AA).
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
    'wcag22aa'];

// Asserts that axe-core finds no serious or critical violation on PAGE.
export async function assertAxeClean(page, what) {
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

// Signs USERNAME in through the sign-in screen of SERVER on PAGE and
// waits for the frame that follows (the menu), on the screen NEXT leads
// to.  Resolves when the person's name shows in the header.
export async function signIn(page, server, username,
    password = DEMO_PASSWORD, next = '/') {
	await page.goto(`${server.url}/#/sign-in?next=${
	    encodeURIComponent(next)}`);
	await page.locator('input[name="username"]').fill(username);
	await page.locator('input[name="password"]').fill(password);
	await page.locator('form button[type="submit"]').click();
	await page.locator('#site-nav:not([hidden])').waitFor();
}

// Drops from PROBLEMS (openPage's) the entries that match any of
// PATTERNS: the 4xx answers a test provokes on purpose.
export function expectProblems(problems, ...patterns) {
	for (let i = problems.length - 1; i >= 0; i--)
		if (patterns.some((p) => p.test(problems[i])))
			problems.splice(i, 1);
}
