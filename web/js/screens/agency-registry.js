// screens/agency-registry.js: the panels of the agency page for its core
// systems and their logs (P24) and its outsourcing contracts (P26, P13).
// Not a route of its own: agency.js draws these into its page.
//
// GET /api/v1/agencies/{code}/systems answers each system with its logs
// per type and the server's P24 judgement (compliance: missing, short,
// no_copy_elsewhere); the page shows that judgement in words and colour
// and never judges by itself.  Changes are PATCH with the version they
// are based on, so a change made meanwhile is refused, not overwritten.
// Contracts are the same shape: GET, POST, PATCH .../contracts.

import { getAll, patch, post } from '../api.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { hasRole } from '../session.js';
import { busy, choices, clearFieldErrors, errorBox, facts, field, formAlert,
    isMissingRoute, loading, missingRoute, panel, select, setFieldError,
    showFormError, stateBadge, table, timeText, uid } from '../ui.js';

export const LOG_TYPES = ['os_event', 'web', 'application', 'logon'];
export const CLAUSES = ['reporting', 'log_retention', 'evidence_preservation',
    'backup'];

// Returns true when person ME may keep the registry of agency CODE: the
// agency's window, CISO or commander, or DoIT's administrator (the
// route's PERMK_REGISTRY; the server checks the agency in the end).
export function mayKeepRegistry(me, code) {
	if (!me)
		return false;
	if (me.roles.includes('doit_admin'))
		return true;
	return me.agency === code && hasRole(me, 'contact_window', 'ciso',
	    'commander');
}

const agencyPath = (code, tail) =>
    `/api/v1/agencies/${encodeURIComponent(code)}/${tail}`;

// The P24 state of one log type of system SYS, in words and colour.
export function logState(sys, type) {
	const c = sys.compliance ?? {};
	if ((c.missing ?? []).includes(type))
		return stateBadge('p24', 'missing', 'bad');
	if ((c.short ?? []).includes(type))
		return stateBadge('p24', 'short', 'bad');
	return stateBadge('p24', 'ok', 'ok');
}

// The whole system's P24 state, in words and colour.
export function systemState(sys) {
	if (sys.retired)
		return stateBadge('p24', 'retired', 'neutral');
	return sys.compliance?.compliant ?
	    stateBadge('p24', 'compliant', 'ok') :
	    stateBadge('p24', 'non_compliant', 'bad');
}

// The problems of system SYS as one line of words ('' when none).
export function problemsText(sys) {
	const c = sys.compliance ?? {};
	const names = (list) => list.map((x) => label('logtype', x))
	    .join(t('common.list_sep'));
	const parts = [];
	if ((c.missing ?? []).length)
		parts.push(t('sys.problem_missing',
		    { types: names(c.missing) }));
	if ((c.short ?? []).length)
		parts.push(t('sys.problem_short', { types: names(c.short),
		    n: c.months_required ?? 6 }));
	return parts.join(t('sys.problem_sep'));
}

function logsTable(sys) {
	return table({
		caption: t('sys.logs_of', { name: sys.name }),
		captionHidden: true,
		columns: [
		    { label: t('sys.log_type'), rowHeader: true,
			cell: (x) => label('logtype', x) },
		    { label: t('sys.months'), numeric: true, cell: (x) =>
			sys.logs?.[x] ? String(sys.logs[x].months_kept) :
			t('sys.not_kept') },
		    { label: t('sys.copy_elsewhere'), cell: (x) =>
			!sys.logs?.[x] ? t('common.none') :
			sys.logs[x].copy_elsewhere ? t('common.yes') :
			stateBadge('p24', 'no_copy', 'warn') },
		    { label: t('sys.state'), cell: (x) => logState(sys, x) }],
		rows: LOG_TYPES,
	});
}

// The fields of a system's form, filled from SYS (null for a new one).
function systemFields(sys) {
	const text = (name, value, max) => el('input', { type: 'text', name,
	    maxlength: String(max), value: value ?? '' });
	const logs = LOG_TYPES.map((x) => {
		const months = el('input', { type: 'number',
		    name: `months_${x}`, min: '0', max: '1200',
		    inputmode: 'numeric', value: sys?.logs?.[x] ?
		    String(sys.logs[x].months_kept) : '' });
		const copyId = uid('c');
		const copy = el('input', { type: 'checkbox', id: copyId,
		    name: `copy_${x}` });
		copy.checked = !!sys?.logs?.[x]?.copy_elsewhere;
		return el('fieldset', { class: 'choices log-fields' },
		    el('legend', { text: label('logtype', x) }),
		    field({ label: t('sys.months'), control: months,
			hint: t('sys.months_hint') }),
		    el('div', { class: 'choice' }, copy,
			el('label', { for: copyId,
			    text: t('sys.copy_elsewhere') })));
	});
	return [
	    field({ label: t('sys.name'), required: true,
		control: text('name', sys?.name, 200) }),
	    field({ label: t('sys.description'), wide: true,
		control: el('textarea', { name: 'description',
		maxlength: '2000', rows: '2',
		text: sys?.description ?? '' }) }),
	    field({ label: t('sys.downtime'), required: true,
		hint: t('sys.downtime_hint'),
		control: el('input', { type: 'number', min: '0',
		max: '5270400', inputmode: 'numeric',
		name: 'tolerable_downtime_minutes',
		value: sys ? String(sys.tolerable_downtime_minutes) : '' }) }),
	    field({ label: t('sys.standby'), control: select('standby',
		['none', 'standby'].map((x) => ({ value: x,
		label: label('standby', x) })),
		{ value: sys?.standby ?? 'none' }) }),
	    ...logs];
}

// Reads a system's form; returns [body, problems].
function readSystemForm(form) {
	const v = (n) => form.elements[n].value.trim();
	const problems = [];
	const body = { name: v('name'), description: v('description'),
	    standby: v('standby') };
	if (!body.name)
		problems.push(['name', t('form.missing')]);
	const down = v('tolerable_downtime_minutes');
	if (!/^\d+$/.test(down))
		problems.push(['tolerable_downtime_minutes', down === '' ?
		    t('form.missing') : t('sys.whole_number')]);
	else
		body.tolerable_downtime_minutes = Number(down);
	body.logs = {};
	for (const x of LOG_TYPES) {
		const m = v(`months_${x}`);
		if (m === '') {
			body.logs[x] = null;
		} else if (!/^\d+$/.test(m)) {
			problems.push([`months_${x}`, t('sys.whole_number')]);
		} else {
			body.logs[x] = { months_kept: Number(m),
			    copy_elsewhere:
			    form.elements[`copy_${x}`].checked };
		}
	}
	return [body, problems];
}

function formProblems(form, alert, problems) {
	if (!problems.length)
		return false;
	problems.map(([n, m]) => setFieldError(form, n, m))
	    .find(Boolean)?.focus();
	alert.hidden = false;
	alert.textContent = t('form.check_fields');
	return true;
}

// The add or edit form of a system; SYS null adds one.
function systemForm(code, sys, { signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: sys ? t('common.save') : t('sys.add') });
	const parts = [alert, ...systemFields(sys)];
	let retired = null;
	if (sys) {
		const rid = uid('c');
		retired = el('input', { type: 'checkbox', id: rid,
		    name: 'retired' });
		retired.checked = sys.retired;
		parts.push(el('div', { class: 'choice wide' }, retired,
		    el('label', { for: rid, text: t('sys.retired') })));
	}
	const form = el('form', { class: 'form system-form', novalidate: '' },
	    ...parts, el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const [body, problems] = readSystemForm(form);
		if (formProblems(form, alert, problems))
			return;
		try {
			let saved;
			if (sys) {
				body.version = sys.version;
				if (retired.checked !== sys.retired)
					body.retired = retired.checked;
				saved = await busy(submit, () => patch(
				    agencyPath(code, `systems/${
				    encodeURIComponent(sys.id)}`), body,
				    { signal }));
			} else {
				if (!body.description)
					delete body.description;
				for (const x of LOG_TYPES)
					if (body.logs[x] === null)
						delete body.logs[x];
				saved = await busy(submit, () => post(
				    agencyPath(code, 'systems'), body,
				    { signal }));
			}
			onSaved(t(sys ? 'sys.saved' : 'sys.added',
			    { name: saved.name }));
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'dc-form' },
	    el('summary', { text: sys ? t('sys.edit_named',
		{ name: sys.name }) : t('sys.add_title') }), form);
}

// The devices of system SYS, and a form to add one when EDITABLE.
function devicesPart(sys, { editable, signal, onSaved }) {
	const holder = el('div', {}, loading());
	const path = `/api/v1/systems/${encodeURIComponent(sys.id)}/devices`;
	(async () => {
		try {
			const r = await getAll(path, { signal });
			holder.replaceChildren(table({
				caption: t('sys.devices_of',
				    { name: sys.name }),
				captionHidden: true,
				columns: [
				    { label: t('dev.name'), rowHeader: true,
					cell: (d) => d.name },
				    { label: t('dev.kind'), cell: (d) =>
					d.kind ?? '' },
				    { label: t('dev.address'), cell: (d) =>
					d.address ? el('code',
					{ text: d.address }) : '' },
				    { label: t('dev.note'), cell: (d) =>
					d.note ?? '' }],
				rows: r.items,
				empty: t('dev.none'),
			}));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	if (!editable || sys.retired)
		return el('div', { class: 'devices' },
		    el('h4', { text: t('dev.title') }), holder);
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn',
	    text: t('dev.add') });
	const input = (name, max) => el('input', { type: 'text', name,
	    maxlength: String(max) });
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    field({ label: t('dev.name'), required: true,
		control: input('name', 200) }),
	    field({ label: t('dev.kind'), hint: t('dev.kind_hint'),
		control: input('kind', 200) }),
	    field({ label: t('dev.address'), control: input('address', 200) }),
	    field({ label: t('dev.note'), control: input('note', 2000) }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = {};
		for (const n of ['name', 'kind', 'address', 'note']) {
			const v = form.elements[n].value.trim();
			if (v)
				body[n] = v;
		}
		if (formProblems(form, alert, body.name ? [] :
		    [['name', t('form.missing')]]))
			return;
		try {
			const made = await busy(submit, () => post(path, body,
			    { signal }));
			onSaved(t('dev.added', { name: made.name,
			    system: sys.name }));
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('div', { class: 'devices' },
	    el('h4', { text: t('dev.title') }), holder,
	    el('details', { class: 'dc-form' },
		el('summary', { text: t('dev.add_named',
		    { name: sys.name }) }), form));
}

// One system as a card: its state, facts, logs and devices.
function systemCard(code, sys, opts) {
	const problems = sys.retired ? '' : problemsText(sys);
	return el('article', { class: `system-card${sys.retired ? ' muted' :
	    sys.compliance?.compliant ? '' : ' system-bad'}` },
	    el('h3', {}, sys.name, ' ', systemState(sys)),
	    problems ? el('p', { class: 'notice notice-error',
		text: problems }) : '',
	    facts([
		[t('sys.description'), sys.description || t('common.none')],
		[t('sys.downtime'), t('sys.minutes_n',
		    { n: sys.tolerable_downtime_minutes })],
		[t('sys.standby'), label('standby', sys.standby)],
		[t('sys.updated'), timeText(sys.updated_at)]]),
	    logsTable(sys),
	    devicesPart(sys, opts),
	    opts.editable ? systemForm(code, sys, opts) : '');
}

// The message line of a panel: says what was saved, and takes the focus.
function savedLine() {
	return el('p', { class: 'notice notice-ok', role: 'status',
	    tabindex: '-1', hidden: true });
}

// The core systems panel of agency CODE for person ME (P24).
export function systemsPanel(code, { me, signal }) {
	const holder = el('div', {}, loading());
	const saved = savedLine();
	const editable = mayKeepRegistry(me, code);

	async function load(message) {
		try {
			const r = await getAll(agencyPath(code, 'systems'),
			    { signal });
			const onSaved = (m) => load(m);
			const bad = r.items.filter((s) => !s.retired &&
			    !s.compliance?.compliant).length;
			holder.replaceChildren(
			    el('p', {}, t('sys.summary', { n: r.items.length,
				bad }), r.truncated ? ` ${t('sys.truncated')}` :
				''),
			    r.items.length ? el('div', { class: 'system-list' },
				...r.items.map((s) => systemCard(code, s,
				{ editable, signal, onSaved }))) :
				el('p', { class: 'empty',
				text: t('sys.none') }),
			    editable ? systemForm(code, null,
				{ signal, onSaved }) : '');
			if (message) {
				saved.textContent = message;
				saved.hidden = false;
				saved.focus();
			}
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(isMissingRoute(err) ?
				    missingRoute(t('sys.title')) :
				    errorBox(err));
		}
	}
	load();
	return panel(t('sys.title'), [
	    el('p', { class: 'hint', text: t('sys.hint') }), saved, holder],
	    { id: 'systems-h', actions: el('a', { class: 'btn btn-small',
		href: `#/compliance?agency=${encodeURIComponent(code)}`,
		text: t('nav.compliance') }) });
}

// ------------------------------------------------------------------
// Contracts (P26, P13)

// One clause of contract C: ticked, or missing in words and colour.
export function clauseCell(c, name) {
	return c.clauses?.[name] ? stateBadge('clause', 'present', 'ok') :
	    stateBadge('clause', 'missing', 'bad');
}

function contractForm(code, c, { signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: c ? t('common.save') : t('con.add') });
	const text = (name, value, max) => el('input', { type: 'text', name,
	    maxlength: String(max), value: value ?? '' });
	const date = (name, value) => el('input', { type: 'date', name,
	    value: value ?? '' });
	const form = el('form', { class: 'form contract-form', novalidate: '' },
	    alert,
	    field({ label: t('con.vendor'), required: true,
		control: text('vendor', c?.vendor, 200) }),
	    field({ label: t('con.title_field'), required: true,
		control: text('title', c?.title, 200) }),
	    field({ label: t('con.starts_on'), required: true,
		control: date('starts_on', c?.starts_on) }),
	    field({ label: t('con.ends_on'), hint: t('con.ends_hint'),
		control: date('ends_on', c?.ends_on) }),
	    choices({ name: 'clauses', type: 'checkbox',
		legend: t('con.clauses'), hint: t('con.clauses_hint'),
		options: CLAUSES.map((x) => ({ value: x,
		label: label('clausename', x) })),
		value: CLAUSES.filter((x) => c?.clauses?.[x]) }),
	    field({ label: t('con.note'), wide: true,
		control: el('textarea', { name: 'note', maxlength: '2000',
		rows: '2', text: c?.note ?? '' }) }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const v = (n) => form.elements[n].value.trim();
		const body = { vendor: v('vendor'), title: v('title'),
		    starts_on: v('starts_on'), ends_on: v('ends_on'),
		    note: v('note'), clauses: {} };
		for (const x of CLAUSES)
			body.clauses[x] = form.querySelector(
			    `input[name="clauses"][value="${x}"]`).checked;
		const problems = ['vendor', 'title', 'starts_on'].filter(
		    (n) => !body[n]).map((n) => [n, t('form.missing')]);
		if (formProblems(form, alert, problems))
			return;
		if (!c) {
			for (const n of ['ends_on', 'note'])
				if (!body[n])
					delete body[n];
		}
		try {
			let saved;
			if (c) {
				body.version = c.version;
				saved = await busy(submit, () => patch(
				    agencyPath(code, `contracts/${
				    encodeURIComponent(c.id)}`), body,
				    { signal }));
			} else {
				saved = await busy(submit, () => post(
				    agencyPath(code, 'contracts'), body,
				    { signal }));
			}
			onSaved(t(c ? 'con.saved' : 'con.added',
			    { vendor: saved.vendor, title: saved.title }));
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'dc-form' },
	    el('summary', { text: c ? t('con.edit_named', { vendor: c.vendor,
		title: c.title }) : t('con.add_title') }), form);
}

// The columns of a contracts table; AGENCY_CELL(c), when given, adds a
// first column naming the contract's agency.
export function contractColumns(agencyCell) {
	return [
	    ...(agencyCell ? [{ label: t('con.agency'), cell: agencyCell }] :
		[]),
	    { label: t('con.vendor'), rowHeader: !agencyCell,
		cell: (c) => c.vendor },
	    { label: t('con.title_field'), cell: (c) => c.title },
	    { label: t('con.period'), class: 'nowrap', cell: (c) =>
		el('span', {}, `${c.starts_on} – ${c.ends_on ??
		t('con.open_ended')}`, c.ended ? ' ' : '', c.ended ?
		stateBadge('clause', 'ended', 'neutral') : '') },
	    ...CLAUSES.map((x) => ({ label: label('clausename', x),
		cell: (c) => clauseCell(c, x) })),
	    { label: t('con.state'), cell: (c) => c.complete ?
		stateBadge('clause', 'complete', 'ok') :
		stateBadge('clause', 'incomplete', 'bad') }];
}

// The contracts panel of agency CODE for person ME (P26).
export function contractsPanel(code, { me, signal }) {
	const holder = el('div', {}, loading());
	const saved = savedLine();
	const editable = mayKeepRegistry(me, code);

	async function load(message) {
		try {
			const r = await getAll(agencyPath(code, 'contracts'),
			    { signal });
			const onSaved = (m) => load(m);
			holder.replaceChildren(
			    table({ caption: t('con.title'),
				captionHidden: true,
				columns: contractColumns(null),
				rows: r.items, empty: t('con.none') }),
			    r.truncated ? el('p', { class: 'hint',
				text: t('sys.truncated') }) : '',
			    ...(editable ? r.items.map((c) => contractForm(code,
				c, { signal, onSaved })) : []),
			    editable ? contractForm(code, null,
				{ signal, onSaved }) : '');
			if (message) {
				saved.textContent = message;
				saved.hidden = false;
				saved.focus();
			}
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(isMissingRoute(err) ?
				    missingRoute(t('con.title')) :
				    errorBox(err));
		}
	}
	load();
	return panel(t('con.title'), [
	    el('p', { class: 'hint', text: t('con.hint') }), saved, holder],
	    { id: 'contracts-h' });
}

