// i18n.js: every string the screens show goes through t(key) (STYLE.md 24).
//
// Traditional Chinese is the first language and English is one click away
// (CONVENTIONS.md, Screens).  The choice is kept in localStorage, per
// person (setPerson()).  Both catalogues must hold the same keys; the
// browser tests check that (tests/browser/modules.test.mjs).  Keys are
// grouped by the screen or module that uses them: "app." for the frame,
// "home." for the status screen, "error." for the API wrapper, "signin.",
// "work.", "report.", "inc." ... for the screens, and one prefix per list
// of API names ("role.", "obl.", "event.", "cat.") for label().
//
// This module touches no DOM at import time so Node can import it in tests.

import en from './lang/en.js';
import zhTW from './lang/zh-TW.js';

export const LANGS = ['zh-TW', 'en'];
export const DEFAULT_LANG = 'zh-TW';
const STORAGE_KEY = 'tongbao.lang';

// BCP 47 tags for <html lang>: zh-Hant-TW names the script, so screen
// readers and fonts pick Traditional characters.
const HTML_LANG = { 'zh-TW': 'zh-Hant-TW', en: 'en' };

// Catalogues, one module per language (lang/zh-TW.js, lang/en.js).
// Placeholders are {name}, filled from t()'s second argument.
export const CATALOGUES = { 'zh-TW': zhTW, en };

// Storage can be disabled by policy or full; the language then lasts only
// as long as the page, which is no reason to fail.
function loadLang(key = STORAGE_KEY) {
	try {
		const saved = globalThis.localStorage?.getItem(key);
		return LANGS.includes(saved) ? saved : null;
	} catch {
		return null;
	}
}

function saveLang(code, key = STORAGE_KEY) {
	try {
		globalThis.localStorage?.setItem(key, code);
	} catch {
		// Kept for this page only; see above.
	}
}

// The choice is kept per person (CONVENTIONS.md, Screens): under the
// person's own key once they have signed in, and under the browser's key
// for the sign-in page, so a shared office PC greets each person in the
// language they chose last.
const personKey = (username) => `${STORAGE_KEY}.user.${username}`;
let person = null;

let current = loadLang() ?? DEFAULT_LANG;
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

// Returns true when the catalogue holds KEY.
export function has(key) {
	return Object.hasOwn(CATALOGUES[current], key);
}

// Returns the label of an API name: t(KIND + '.' + VALUE) when the
// catalogue holds it, else VALUE itself, so a name the server adds later
// still shows as something a person can report.
export function label(kind, value) {
	const key = `${kind}.${value}`;
	return has(key) ? t(key) : String(value);
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
	if (person)
		saveLang(code, personKey(person));
	for (const fn of listeners)
		fn(code);
}

// Makes USERNAME (null after sign-out) the person whose choice is kept,
// and switches to the language that person chose last, if any; a person
// with no choice yet keeps the current language as theirs.
export function setPerson(username) {
	person = username ?? null;
	if (!person)
		return;
	const saved = loadLang(personKey(person));
	if (saved)
		setLang(saved);
	else
		saveLang(current, personKey(person));
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
