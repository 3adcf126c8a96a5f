// screens/agencies.js: the agencies the person can see (P2, issue 3),
// from GET /api/v1/agencies, searched and filtered here as one types, with
// each agency's roster flags (P5-P9); DoIT's administrator adds agencies
// (POST /api/v1/agencies).  Each row leads to the agency's page.

import { post } from '../api.js';
import { agencyList, agencyName, forgetAgencies, loadAgencies } from
    '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { currentUser, hasRole } from '../session.js';
import { busy, choices, clearFieldErrors, field, formAlert, loading, panel,
    select, setFieldError, showFormError, stateBadge, table } from
    '../ui.js';
import { AGENCY_TYPES, RESPONSIBILITY_LEVELS, ROSTER_FLAGS } from
    '../vocab.js';

export const title = 'agencies.title';

// The flags an agency record carries ({"no_window": true, ...}), as
// badges; "none" in words when all is well.
export function flagBadges(agency) {
	const flags = agency.flags ?? {};
	const on = ROSTER_FLAGS.filter((f) => flags[f]);
	if (on.length === 0)
		return agency.flags ? el('span', { class: 'badge badge-ok',
		    text: t('agencies.flags_none') }) : '';
	return el('span', { class: 'badges' }, ...on.map((f) =>
	    stateBadge('flag', f, 'warn')));
}

// The form of an agency's fields, for creating one (CODE asked) or
// changing one (VALUES filled in, code fixed).
export function agencyFields(values = {}, { create = false } = {}) {
	const text = (name, v) => el('input', { type: 'text', name,
	    value: v ?? '' });
	const agencies = agencyList().map((a) => ({ value: a.code,
	    label: `${agencyName(a.code)} (${a.code})` }));
	const parts = [];
	if (create)
		parts.push(field({ label: t('agencies.code'), required: true,
		    hint: t('agencies.code_hint'),
		    control: text('code', values.code) }));
	parts.push(
	    field({ label: t('agencies.name'), required: true,
		control: text('name', values.name) }),
	    field({ label: t('agencies.name_en'),
		control: text('name_en', values.name_en) }),
	    field({ label: t('agencies.type'), required: true,
		control: select('type', AGENCY_TYPES.map((x) => ({ value: x,
		label: label('atype', x) })), { value: values.type ?? '',
		blank: create ? t('report.choose') : undefined }) }),
	    field({ label: t('agencies.rlevel'), required: true,
		hint: t('agencies.rlevel_hint'),
		control: select('responsibility_level',
		RESPONSIBILITY_LEVELS.map((x) => ({ value: x, label: x })),
		{ value: values.responsibility_level ?? '',
		blank: create ? t('report.choose') : undefined }) }),
	    field({ label: t('agencies.superior'),
		control: select('superior', agencies.filter((a) =>
		a.value !== values.code), { value: values.superior ?? '',
		blank: t('agencies.none') }) }),
	    field({ label: t('agencies.supervisor'),
		control: select('supervisor', agencies.filter((a) =>
		a.value !== values.code), { value: values.supervisor ?? '',
		blank: t('agencies.none') }) }),
	    choices({ name: 'flags', type: 'checkbox',
		legend: t('agencies.reporting'), options: [
		{ value: 'reports_to_central',
		    label: t('agencies.reports_to_central'),
		    hint: t('agencies.reports_to_central_hint') },
		{ value: 'uses_city_mail', label: t('agencies.uses_city_mail'),
		    hint: t('agencies.uses_city_mail_hint') }],
		value: ['reports_to_central', 'uses_city_mail'].filter((k) =>
		values[k]) }));
	return parts;
}

// Reads the agency form FORM into the request body; given BEFORE, the
// record as read, only what differs from it is sent (PATCH).
export function readAgencyForm(form, before = null) {
	const v = (n) => form.elements[n]?.value.trim() ?? '';
	const flags = new Set([...form.querySelectorAll(
	    'input[name="flags"]:checked')].map((i) => i.value));
	// "" says "none" (the API clears name_en, superior and supervisor
	// with it).
	const body = {
		name: v('name'),
		name_en: v('name_en'),
		type: v('type'),
		responsibility_level: v('responsibility_level'),
		superior: v('superior'),
		supervisor: v('supervisor'),
		reports_to_central: flags.has('reports_to_central'),
		uses_city_mail: flags.has('uses_city_mail'),
	};
	if (form.elements.code)
		body.code = v('code');
	if (!before) {
		for (const k of Object.keys(body))
			if (body[k] === '')
				delete body[k];
		return body;
	}
	const out = {};
	for (const [k, x] of Object.entries(body))
		if ((before[k] ?? '') !== x)
			out[k] = x;
	return out;
}

function createPanel(signal, navigate) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('agencies.create') });
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    ...agencyFields({}, { create: true }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = readAgencyForm(form);
		const missing = ['code', 'name', 'type',
		    'responsibility_level'].filter((k) => !body[k]);
		if (missing.length) {
			const first = missing.map((k) => setFieldError(form, k,
			    t('form.missing')))[0];
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			first?.focus();
			return;
		}
		try {
			const a = await busy(submit, () => post(
			    '/api/v1/agencies', body, { signal }));
			forgetAgencies();
			navigate(`/agencies/${encodeURIComponent(a.code)}`);
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	const d = el('details', { class: 'panel' },
	    el('summary', { text: t('agencies.create_heading') }),
	    el('p', { class: 'hint', text: t('agencies.create_hint') }), form);
	return d;
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal, navigate, query }) {
	const me = currentUser();
	const q = el('input', { type: 'search', name: 'q',
	    value: query.get('q') ?? '' });
	const type = select('type', AGENCY_TYPES.map((x) => ({ value: x,
	    label: label('atype', x) })), { blank: t('common.all'),
	    value: query.get('type') ?? '' });
	const flagged = select('flagged', [
	    { value: 'any', label: t('agencies.only_flagged') }],
	    { blank: t('common.all') });
	const count = el('p', { class: 'panel-note', role: 'status' });
	const list = el('div', {}, loading());
	// The form offers superiors from the list, so it waits for it.
	const createHolder = el('div', {});

	function draw() {
		const words = q.value.trim().toLowerCase();
		const rows = agencyList().filter((a) =>
		    (!type.value || a.type === type.value) &&
		    (!flagged.value || ROSTER_FLAGS.some((f) =>
			a.flags?.[f])) &&
		    (words === '' || `${a.code} ${a.name} ${a.name_en ?? ''}`
			.toLowerCase().includes(words)));
		count.textContent = t('agencies.count', { n: rows.length });
		list.replaceChildren(table({
			caption: t('agencies.caption'),
			captionHidden: true,
			columns: [
			    { label: t('agencies.code'), cell: (a) =>
				el('a', { href: `#/agencies/${
				encodeURIComponent(a.code)}`, text: a.code }) },
			    { label: t('agencies.name'), cell: (a) =>
				el('span', {}, agencyName(a.code), a.active ===
				false ? el('span', { class: 'badge',
				text: t('agencies.inactive') }) : '') },
			    { label: t('agencies.type'),
				cell: (a) => label('atype', a.type) },
			    { label: t('agencies.rlevel'),
				cell: (a) => a.responsibility_level },
			    { label: t('agencies.superior'), cell: (a) =>
				a.superior ? agencyName(a.superior) : '' },
			    { label: t('agencies.flags'), cell: flagBadges },
			],
			rows,
			empty: t('agencies.none_found'),
		}));
	}
	for (const c of [q, type, flagged])
		c.addEventListener('input', draw);

	root.append(
	    el('h1', { text: t('agencies.heading') }),
	    el('p', { class: 'lead', text: t('agencies.intro') }),
	    createHolder,
	    panel(t('agencies.list'), [
		el('div', { class: 'toolbar', role: 'search' },
		    field({ label: t('agencies.search'), control: q }),
		    field({ label: t('agencies.type'), control: type }),
		    field({ label: t('agencies.flags'), control: flagged }),
		    count),
		list]));
	loadAgencies({ force: true }).then(() => {
		if (signal.aborted)
			return;
		if (hasRole(me, 'doit_admin'))
			createHolder.replaceChildren(createPanel(signal,
			    navigate));
		draw();
	});
}
