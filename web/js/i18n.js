// i18n.js: every string the screens show goes through t(key) (STYLE.md 24).
//
// Traditional Chinese is the first language and English is one click away
// (CONVENTIONS.md, Screens).  The choice is kept in localStorage until
// accounts carry it.  Both catalogues must hold the same keys; the browser
// tests check that (tests/browser/i18n.test.mjs).  Keys are grouped by the
// screen or module that uses them: "app." for the frame, "home." for the
// home screen, "error." for the API wrapper.
//
// This module touches no DOM at import time so Node can import it in tests.

export const LANGS = ['zh-TW', 'en'];
export const DEFAULT_LANG = 'zh-TW';
const STORAGE_KEY = 'tongbao.lang';

// BCP 47 tags for <html lang>: zh-Hant-TW names the script, so screen
// readers and fonts pick Traditional characters.
const HTML_LANG = { 'zh-TW': 'zh-Hant-TW', en: 'en' };

// Catalogues.  Placeholders are {name}, filled from t()'s second argument.
export const CATALOGUES = {
	'zh-TW': {
		'app.name': '通報 tongbao',
		'app.subtitle': '臺北市政府資通安全事件通報及應變系統',
		'app.skip': '跳到主要內容',
		'app.brick_top': '上方功能區塊',
		'app.brick_main': '中央內容區塊',
		'app.brick_bottom': '下方資訊區塊',
		'app.lang_switch': 'English',
		'app.lang_switch_label': 'Switch to English',
		'app.owner': '臺北市政府資訊局',
		'app.loading': '載入中…',
		'app.noscript': '本系統需要啟用 JavaScript。',
		'app.not_found_title': '找不到此頁面',
		'app.not_found_body': '網址 {path} 沒有對應的頁面。',
		'app.back_home': '回首頁',
		'app.load_failed': '頁面載入失敗，請重新整理。',

		'home.title': '首頁',
		'home.heading': '資通安全事件通報及應變',
		'home.intro': '各機關於知悉資通安全事件後 1 小時內完成通報，本系統並追蹤審核、應變及損害控制的期限。',
		'home.status_heading': '即時監測',
		'home.status_note': '每 {seconds} 秒自動檢查一次。',
		'home.status_checking': '系統狀態：檢查中…',
		'home.status_ok': '系統狀態：正常',
		'home.status_bad': '系統狀態：異常',
		'home.store': '資料庫',
		'home.store_ok': '正常',
		'home.store_bad': '異常',
		'home.store_unknown': '無法得知',
		'home.version': '伺服器版本',
		'home.server_time': '伺服器時間',
		'home.checked_at': '最後檢查',
		'home.unknown': '—',

		'error.network': '無法連線到伺服器，請檢查網路後再試。',
		'error.timeout': '伺服器沒有及時回應，請稍後再試。',
		'error.bad_response': '伺服器回應格式錯誤（HTTP {status}）。',
		'error.http': '伺服器回應錯誤（HTTP {status}）。',
	},
	en: {
		'app.name': 'Tongbao',
		'app.subtitle': 'Taipei City Government Cybersecurity Incident Reporting and Response System',
		'app.skip': 'Skip to main content',
		'app.brick_top': 'Top menu area',
		'app.brick_main': 'Main content area',
		'app.brick_bottom': 'Bottom information area',
		'app.lang_switch': '中文',
		'app.lang_switch_label': '切換為中文',
		'app.owner': 'Department of Information Technology, Taipei City Government',
		'app.loading': 'Loading…',
		'app.noscript': 'This system needs JavaScript enabled.',
		'app.not_found_title': 'Page not found',
		'app.not_found_body': 'No page matches the address {path}.',
		'app.back_home': 'Back to the home page',
		'app.load_failed': 'The page failed to load. Please reload.',

		'home.title': 'Home',
		'home.heading': 'Cybersecurity incident reporting and response',
		'home.intro': 'Agencies report a cybersecurity incident within 1 hour of becoming aware of it; the system then tracks the deadlines for review, response and damage control.',
		'home.status_heading': 'Live monitoring',
		'home.status_note': 'Checked automatically every {seconds} seconds.',
		'home.status_checking': 'System status: checking…',
		'home.status_ok': 'System status: normal',
		'home.status_bad': 'System status: abnormal',
		'home.store': 'Database',
		'home.store_ok': 'Normal',
		'home.store_bad': 'Abnormal',
		'home.store_unknown': 'Unknown',
		'home.version': 'Server version',
		'home.server_time': 'Server time',
		'home.checked_at': 'Last checked',
		'home.unknown': '—',

		'error.network': 'Cannot reach the server. Check the network and try again.',
		'error.timeout': 'The server did not answer in time. Please try again later.',
		'error.bad_response': 'The server sent a malformed answer (HTTP {status}).',
		'error.http': 'The server answered with an error (HTTP {status}).',
	},
};

// Storage can be disabled by policy or full; the language then lasts only
// as long as the page, which is no reason to fail.
function loadLang() {
	try {
		const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
		return LANGS.includes(saved) ? saved : DEFAULT_LANG;
	} catch {
		return DEFAULT_LANG;
	}
}

function saveLang(code) {
	try {
		globalThis.localStorage?.setItem(STORAGE_KEY, code);
	} catch {
		// Kept for this page only; see above.
	}
}

let current = loadLang();
const listeners = new Set();

// Returns the current language code, 'zh-TW' or 'en'.
export function lang() {
	return current;
}

// Returns the BCP 47 tag for <html lang> of language code CODE.
export function htmlLang(code = current) {
	return HTML_LANG[code];
}

// Returns the text for KEY in the current language with {name}
// placeholders filled from VARS.  A key missing from the catalogue
// returns the key itself, so the gap shows on screen and in tests rather
// than as an empty space.
export function t(key, vars) {
	const text = CATALOGUES[current][key];
	if (text === undefined)
		return key;
	if (!vars)
		return text;
	return text.replace(/\{([a-z_]+)\}/g, (whole, name) =>
	    Object.hasOwn(vars, name) ? String(vars[name]) : whole);
}

// Switches to language CODE, keeps the choice and tells the listeners.
// Throws RangeError for a code not in LANGS.
export function setLang(code) {
	if (!LANGS.includes(code))
		throw new RangeError(`unknown language ${code}`);
	if (code === current)
		return;
	current = code;
	saveLang(code);
	for (const fn of listeners)
		fn(code);
}

// Calls FN(code) after every language change; returns the unsubscriber.
export function onLangChange(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

// Fills the static text of the page shell: data-i18n sets textContent,
// data-i18n-title and data-i18n-aria-label set those attributes.
export function translateTree(root) {
	for (const el of root.querySelectorAll('[data-i18n]'))
		el.textContent = t(el.dataset.i18n);
	for (const el of root.querySelectorAll('[data-i18n-title]'))
		el.title = t(el.dataset.i18nTitle);
	for (const el of root.querySelectorAll('[data-i18n-aria-label]'))
		el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
}
