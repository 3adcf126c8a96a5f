// session.js: who is signed in, and what their roles let them do.
//
// GET /api/v1/me answers {"id","username","name","agency","roles":[...],
// "lang","auth"}; the session itself is an HttpOnly cookie the script
// never sees (issue 3).  The answer is kept here for the page's life and
// asked again after sign-in, sign-out and whenever an answer says the
// session has ended.  What a role may post follows REQUIREMENTS.md, "Who
// may do what"; the server decides in the end, so this only keeps the
// screens from offering what would be refused.

import { ApiError, del, get, post } from './api.js';
import { setPerson } from './i18n.js';

let me = null;
let known = false;	// whether me reflects an answer of the server
const listeners = new Set();

function changed() {
	setPerson(me?.username ?? null);
	for (const fn of listeners)
		fn(me);
}

// Returns the signed-in person (the /me answer) or null.
export function currentUser() {
	return me;
}

// Resolves to the signed-in person or null, asking the server the first
// time and after FORCE.  A network failure rejects with its ApiError
// rather than pretending the person signed out.
export async function loadUser({ force = false } = {}) {
	if (known && !force)
		return me;
	try {
		me = await get('/api/v1/me');
	} catch (err) {
		if (!(err instanceof ApiError) || err.status !== 401)
			throw err;
		me = null;
	}
	known = true;
	changed();
	return me;
}

// Signs in; resolves to the person, rejects with the server's ApiError
// (401 invalid_credentials, 429 with retryAfter, 422 naming the field).
export async function signIn(username, password) {
	await post('/api/v1/session', { username, password });
	// The sign-in answer is the person too, but /me is the one shape
	// every later screen reads, so the frame asks it once.
	return loadUser({ force: true });
}

// Signs out.  The session is forgotten here even if the server could not
// be told (it expires on its own), so a shared PC never shows the last
// person's screens.
export async function signOut() {
	try {
		await del('/api/v1/session');
	} finally {
		forget();
	}
}

// Forgets the person without asking the server: after an answer said
// the session had ended.
export function forget() {
	me = null;
	known = true;
	changed();
}

// Calls FN(person or null) after every change; returns the unsubscriber.
export function onUserChange(fn) {
	listeners.add(fn);
	return () => listeners.delete(fn);
}

// Returns true when PERSON holds any of ROLES; doit_admin holds every
// permission (docs/internals/api.md).
export function hasRole(person, ...roles) {
	if (!person)
		return false;
	if (person.roles.includes('doit_admin'))
		return true;
	return roles.some((r) => person.roles.includes(r));
}

// Returns true for DoIT's people, who see the whole city.
export function isDoit(person) {
	return hasRole(person, 'doit_reviewer', 'doit_admin');
}

// The events each role may post (REQUIREMENTS.md, "Who may do what").
// `signed` is not among them: records are signed through POST
// /api/v1/incidents/{id}/signatures, which computes what is signed (P32).
const EVENTS_BY_ROLE = {
	contact_window: ['reported', 'backfilled', 'agency_notified',
	    'doit_copied', 'info_provided', 'level_change_requested',
	    'team_formed', 'meeting_held', 'damage_controlled',
	    'closure_reported'],
	ciso: ['level_approved'],
	commander: ['team_formed', 'meeting_held', 'damage_controlled',
	    'effectiveness_reported', 'pdpa_assessed', 'root_cause_recorded',
	    'plan_approved', 'progress_reported'],
	doit_reviewer: ['level_reviewed', 'info_requested',
	    'tracking_designated'],
	superior_viewer: ['tracking_designated'],
};

// Every event type, in the order of a timeline's life.
export const EVENT_TYPES = ['level_approved', 'reported', 'backfilled',
    'agency_notified', 'doit_copied', 'info_requested', 'info_provided',
    'level_reviewed', 'level_change_requested', 'team_formed',
    'meeting_held', 'tracking_designated', 'damage_controlled',
    'effectiveness_reported', 'pdpa_assessed', 'root_cause_recorded',
    'plan_approved', 'progress_reported', 'closure_reported', 'signed'];

// Returns the event types PERSON's roles allow, in timeline order.
export function allowedEvents(person) {
	if (!person)
		return [];
	if (person.roles.includes('doit_admin'))
		return EVENT_TYPES.filter((e) => e !== 'signed');
	const allowed = new Set();
	for (const r of person.roles)
		for (const e of EVENTS_BY_ROLE[r] ?? [])
			allowed.add(e);
	return EVENT_TYPES.filter((e) => allowed.has(e));
}

// Returns true when PERSON may file a new incident (P10, P13).
export function mayReport(person) {
	return hasRole(person, 'reporter', 'contact_window', 'vendor');
}
