// screens/incident-closure.js: the panels of the incident page for what
// DoIT and the agency write down at the end: DoIT's investigation report
// (P31-7: when it happened, source and target addresses, where the
// attacker was, the method, the path and impact, recovery, eradication,
// patching and defence) and the agency's lessons learned with the
// staffing and procedure changes (P33).  Not a route of its own:
// incident.js draws these into its page.
//
// Both are one document per incident: GET answers it (version 0 before
// it is written) and PUT replaces it, with the version it is based on so
// that a report changed meanwhile is refused rather than overwritten.

import { get, request } from '../api.js';
import { el } from '../dom.js';
import { fromLocalInput, toLocalInput } from '../format.js';
import { t } from '../i18n.js';
import { hasRole } from '../session.js';
import { busy, clearFieldErrors, dateTimeField, errorBox, facts, field,
    formAlert, loading, panel, readDateTime, setFieldError, showFormError,
    timeText } from '../ui.js';

const TEXTS = ['attack_method', 'path_analysis', 'impact_analysis',
    'recovery', 'eradication', 'patching', 'defence'];
const LESSONS = ['lessons', 'staffing_changes', 'procedure_changes'];

function docPath(inc, doc) {
	return `/api/v1/incidents/${encodeURIComponent(inc.id)}/${doc}`;
}

// Returns true when person ME may write DoIT's report (the route's
// PERMK_DOIT).
export function mayInvestigate(me) {
	return !!me && (me.roles.includes('doit_reviewer') ||
	    me.roles.includes('doit_admin'));
}

// Returns true when person ME may write the lessons of incident INC: the
// agency's window, CISO or commander, or DoIT's administrator (the
// server's rule, api_lessons_put).
export function mayWriteLessons(me, inc) {
	if (!me)
		return false;
	if (me.roles.includes('doit_admin'))
		return true;
	return me.agency === inc.agency && hasRole(me, 'contact_window', 'ciso',
	    'commander');
}

// A text kept as written, or "not written" in words.
function textOf(v) {
	return v ? el('p', { class: 'prewrap', text: v }) :
	    el('span', { class: 'muted', text: t('inv.not_written') });
}

// Splits typed addresses on commas, spaces and new lines.
export function splitAddresses(text) {
	return [...new Set(text.split(/[\s,，、]+/).filter(Boolean))];
}

// Who wrote DOC last and when, or NONE (a catalogue key) before anyone
// has.
function whoWhen(doc, none) {
	if (!doc.version)
		return el('p', { class: 'notice', text: t(none) });
	return el('p', { class: 'small' }, t('inv.written_by',
	    { who: doc.updated_by ?? t('common.none') }), ' ',
	    timeText(doc.updated_at));
}

function investigationView(doc) {
	const ips = (a) => a?.length ? el('ul', { class: 'ip-list' },
	    ...a.map((x) => el('li', {}, el('code', { text: x })))) :
	    el('span', { class: 'muted', text: t('inv.not_written') });
	return el('div', {}, whoWhen(doc, 'inv.none_yet'), facts([
	    [t('inv.incident_time'), doc.incident_time ?
		timeText(doc.incident_time) : el('span', { class: 'muted',
		text: t('inv.not_written') })],
	    [t('inv.source_ips'), ips(doc.source_ips)],
	    [t('inv.target_ips'), ips(doc.target_ips)],
	    [t('inv.attacker_location'), textOf(doc.attacker_location)],
	    ...TEXTS.map((k) => [t(`inv.${k}`), textOf(doc[k])])]));
}

function area(name, value) {
	return el('textarea', { name, rows: '3', maxlength: '20000',
	    text: value ?? '' });
}

// A PUT that replaces DOC, and what follows: shared by both forms.
async function putDoc(inc, name, body, doc, { submit, signal }) {
	body.version = doc.version;
	return busy(submit, () => request('PUT', docPath(inc, name),
	    { body, signal }));
}

function investigationForm(inc, doc, { signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('inv.save') });
	const form = el('form', { class: 'form investigation-form',
	    novalidate: '' }, alert,
	    dateTimeField({ name: 'incident_time',
		label: t('inv.incident_time'), hint: t('common.taipei_time'),
		value: doc.incident_time ? toLocalInput(doc.incident_time) :
		'' }),
	    field({ label: t('inv.source_ips'), hint: t('inv.ips_hint'),
		control: area('source_ips', (doc.source_ips ?? [])
		.join('\n')) }),
	    field({ label: t('inv.target_ips'), hint: t('inv.ips_hint'),
		control: area('target_ips', (doc.target_ips ?? [])
		.join('\n')) }),
	    field({ label: t('inv.attacker_location'),
		control: el('input', { type: 'text', maxlength: '200',
		name: 'attacker_location',
		value: doc.attacker_location ?? '' }) }),
	    ...TEXTS.map((k) => field({ label: t(`inv.${k}`), wide: true,
		control: area(k, doc[k]) })),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = {};
		const raw = readDateTime(form, 'incident_time');
		if (raw !== '') {
			const at = raw === null ? null : fromLocalInput(raw);
			if (!at) {
				setFieldError(form, 'incident_time',
				    t('form.bad_time'))?.focus();
				alert.hidden = false;
				alert.textContent = t('form.check_fields');
				return;
			}
			body.incident_time = at;
		}
		for (const k of ['source_ips', 'target_ips'])
			body[k] = splitAddresses(form.elements[k].value);
		const loc = form.elements.attacker_location.value.trim();
		if (loc)
			body.attacker_location = loc;
		for (const k of TEXTS)
			body[k] = form.elements[k].value.trim();
		try {
			await putDoc(inc, 'investigation', body, doc,
			    { submit, signal });
			onSaved(t('inv.saved'));
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'dc-form' },
	    el('summary', { text: doc.version ? t('inv.edit') :
		t('inv.write') }), form);
}

function lessonsForm(inc, doc, { signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('les.save') });
	const form = el('form', { class: 'form lessons-form', novalidate: '' },
	    alert, ...LESSONS.map((k) => field({ label: t(`les.${k}`),
		wide: true, hint: t(`les.${k}_hint`),
		control: area(k, doc[k]) })),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = {};
		for (const k of LESSONS)
			body[k] = form.elements[k].value.trim();
		try {
			await putDoc(inc, 'lessons', body, doc,
			    { submit, signal });
			onSaved(t('les.saved'));
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'dc-form' },
	    el('summary', { text: doc.version ? t('les.edit') :
		t('les.write') }), form);
}

// A panel over one document of incident INC: NAME its route, VIEW(doc)
// what everyone in scope reads, FORM(inc, doc, opts) when MAY.
function docPanel(inc, { name, heading, hint, id, view, form, may,
    signal }) {
	const holder = el('div', {}, loading());
	const saved = el('p', { class: 'notice notice-ok', role: 'status',
	    tabindex: '-1', hidden: true });

	async function load(message) {
		try {
			const doc = await get(docPath(inc, name), { signal });
			holder.replaceChildren(view(doc), may ? form(inc, doc,
			    { signal, onSaved: load }) : '');
			if (message) {
				saved.textContent = message;
				saved.hidden = false;
				saved.focus();
			}
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	}
	load();
	return panel(heading, [el('p', { class: 'hint', text: hint }), saved,
	    holder], { id });
}

// DoIT's investigation report panel of incident INC for person ME.
export function investigationPanel(inc, { me, signal }) {
	return docPanel(inc, { name: 'investigation',
	    heading: t('inv.title'), hint: t('inv.hint'),
	    id: 'investigation-h', view: investigationView,
	    form: investigationForm, may: mayInvestigate(me), signal });
}

function lessonsView(doc) {
	return el('div', {}, whoWhen(doc, 'les.none_yet'),
	    facts(LESSONS.map((k) => [t(`les.${k}`), textOf(doc[k])])));
}

// The lessons learned panel of incident INC for person ME (P33).
export function lessonsPanel(inc, { me, signal }) {
	return docPanel(inc, { name: 'lessons', heading: t('les.title'),
	    hint: t('les.hint'), id: 'lessons-h', view: lessonsView,
	    form: lessonsForm, may: mayWriteLessons(me, inc), signal });
}
