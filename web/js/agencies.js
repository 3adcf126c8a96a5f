// agencies.js: the agencies the signed-in person can see, by code.
//
// Many screens name agencies (the shell, the incident page, the roster,
// the city view); they all read GET /api/v1/agencies once through here
// and show an agency by its name in the current language (name_en in
// English when the record has one), falling back to the code.  The list
// is asked again after sign-in and after an agency is changed.

import { getAll } from './api.js';
import { lang } from './i18n.js';

let byCode = null;	// Map of code to agency, once loaded
let pending = null;	// the request on its way

// Resolves to the Map of code to agency.  A failure (the route missing,
// the network down) resolves to an empty Map and is retried next time, so
// a screen still shows codes rather than nothing.
export async function loadAgencies({ force = false } = {}) {
	if (byCode && !force)
		return byCode;
	if (!pending || force) {
		pending = getAll('/api/v1/agencies', { max: 20000 })
		    .then(({ items }) => {
			byCode = new Map(items.map((a) => [a.code, a]));
			return byCode;
		    })
		    .catch(() => new Map())
		    .finally(() => {
			pending = null;
		    });
	}
	return pending;
}

// Forgets the list (after sign-out, or a change to an agency).
export function forgetAgencies() {
	byCode = null;
}

// Returns the agency record of CODE, or null when it is not loaded.
export function agency(code) {
	return byCode?.get(code) ?? null;
}

// Returns the agencies loaded, sorted by code.
export function agencyList() {
	return byCode ? [...byCode.values()].sort((a, b) =>
	    a.code.localeCompare(b.code)) : [];
}

// Returns the name of agency CODE in the current language, or CODE.
export function agencyName(code) {
	const a = byCode?.get(code);
	if (!a)
		return code ?? '';
	return lang() === 'en' && a.name_en ? a.name_en : a.name;
}
