// eventforms.js: one form per event type of an incident's timeline
// (REQUIREMENTS.md, "Events, and the obligations they meet"), posted as
// POST /api/v1/incidents/{id}/events {"type", "at", ...fields} (issue 4).
//
// Each form asks `at` (when it happened, Taipei time, never in the
// future: people record after the fact) and the fields of its type, says
// which are required, and on a refusal keeps what was typed and points at
// the field the server named; a failed precondition (409) is said in
// words.  FIELDS below is the one table of what each type asks.

import { newKey, post } from './api.js';
import { agencyList, agencyName } from './agencies.js';
import { el } from './dom.js';
import { fromLocalInput, toLocalInput } from './format.js';
import { label, t } from './i18n.js';
import { busy, checkedValues, choices, clearFieldErrors, dateTimeField,
    field, formAlert, readDateTime, select, setFieldError, showFormError,
    uid } from './ui.js';
import { CAUSES, NOTIFY_CHANNELS, TEAM_ROLES } from './vocab.js';

// Field kinds: text, area (a textarea), lines (a textarea sent as a list,
// one item a line), level (1-4, or 0 for a school), agency (one of the
// agencies one can see), select (OPTIONS with labels under PREFIX), yesno
// (a decision: yes, no, or not given), time (Taipei time), members (P19
// team rows), multi (checkboxes of OPTIONS), systems (P22: each system,
// back within its tolerable downtime or not).  The names are those of
// the API's EventCreate (src/api/openapi/incidents.json).  when(values)
// limits a field to some answers of another (reported: platform_ref or
// reason).
const FIELDS = {
	level_approved: [
	    { name: 'level', kind: 'level', required: true },
	    { name: 'note', kind: 'area' }],
	reported: [
	    { name: 'channel', kind: 'select', required: true,
		options: ['platform', 'fallback'], prefix: 'channel',
		radio: true },
	    { name: 'platform_ref', kind: 'text', required: true,
		when: (v) => v.channel !== 'fallback' },
	    { name: 'reason', kind: 'area', required: true,
		when: (v) => v.channel === 'fallback' }],
	backfilled: [
	    { name: 'platform_ref', kind: 'text', required: true }],
	agency_notified: [
	    { name: 'agency', kind: 'agency', required: true },
	    { name: 'channel', kind: 'select', options: NOTIFY_CHANNELS,
		prefix: 'channel' }],
	doit_copied: [{ name: 'note', kind: 'area' }],
	info_requested: [{ name: 'message', kind: 'area' }],
	info_provided: [{ name: 'message', kind: 'area' }],
	level_reviewed: [
	    { name: 'level', kind: 'level', required: true },
	    { name: 'basis', kind: 'area' }],
	level_change_requested: [
	    { name: 'level', kind: 'level', required: true },
	    { name: 'reason', kind: 'area' }],
	team_formed: [{ name: 'members', kind: 'members', required: true }],
	meeting_held: [
	    { name: 'kind', kind: 'select', options: ['response', 'tracking'],
		prefix: 'meeting', radio: true },
	    { name: 'attendees', kind: 'lines' },
	    { name: 'minutes', kind: 'area' }],
	tracking_designated: [{ name: 'by', kind: 'agency' }],
	// The P22 record.
	damage_controlled: [
	    { name: 'scope', kind: 'area' },
	    { name: 'restoration', kind: 'area' },
	    { name: 'spread_prevention', kind: 'area' },
	    { name: 'systems', kind: 'systems' },
	    { name: 'stakeholder_impact', kind: 'area' },
	    { name: 'public_announcement', kind: 'yesno' },
	    { name: 'note', kind: 'area' }],
	effectiveness_reported: [
	    { name: 'recipients', kind: 'lines' },
	    { name: 'note', kind: 'area' }],
	pdpa_assessed: [
	    { name: 'decision', kind: 'area' },
	    { name: 'notified_at', kind: 'time' }],
	// P28: who investigated, the log analysis, and the malware analysis
	// the server requires when malware was found.
	root_cause_recorded: [
	    { name: 'investigator', kind: 'select', required: true,
		options: ['vendor', 'expert'], prefix: 'investigator',
		radio: true },
	    { name: 'investigator_name', kind: 'text', required: true },
	    { name: 'log_analysis', kind: 'area', required: true },
	    { name: 'findings', kind: 'area' },
	    { name: 'malware_analysis', kind: 'area' }],
	// P30: the commander's decision and where it went.
	plan_approved: [
	    { name: 'decision', kind: 'area' },
	    { name: 'submitted_to', kind: 'multi',
		options: ['superior', 'supervisor', 'doit'],
		prefix: 'submitted' },
	    { name: 'note', kind: 'area' }],
	progress_reported: [{ name: 'note', kind: 'area' }],
	// The closure fields of the national platform's form.
	closure_reported: [
	    { name: 'devices', kind: 'area' },
	    { name: 'ips', kind: 'area' },
	    { name: 'urls', kind: 'area' },
	    { name: 'os', kind: 'text' },
	    { name: 'vendors', kind: 'text' },
	    { name: 'cause', kind: 'multi', options: CAUSES,
		prefix: 'cause' },
	    { name: 'cause_other', kind: 'text',
		when: (v) => (v.cause ?? []).includes('other') },
	    { name: 'fixes', kind: 'area' },
	    { name: 'note', kind: 'area' }],
};

// Returns the field list of event TYPE ([] for a type with none).
export function eventFields(type) {
	return FIELDS[type] ?? [];
}

// The label of field NAME of event TYPE: "evf.TYPE_NAME" when the
// catalogue has it, else the shared "evf.NAME" (or NAME itself).
export function eventFieldLabel(type, name) {
	const own = label('evf', `${type}_${name}`);
	return own !== `${type}_${name}` ? own : label('evf', name);
}

// The rows of a team (P19): a user name and a role each.
function membersControl(me) {
	const rows = el('div', { class: 'helper-rows' });
	function addRow(username = '', role = 'commander') {
		const u = el('input', { type: 'text', name: 'member_username',
		    value: username, autocomplete: 'off',
		    autocapitalize: 'none', spellcheck: 'false' });
		const r = select('member_role', TEAM_ROLES.map((x) =>
		    ({ value: x, label: label('team', x) })), { value: role });
		const remove = el('button', { type: 'button',
		    class: 'btn btn-small', text: t('evf.member_remove') });
		const row = el('div', { class: 'member-row' },
		    field({ label: t('evf.member_username'), control: u }),
		    field({ label: t('evf.member_role'), control: r }),
		    remove);
		remove.addEventListener('click', () => {
			row.remove();
			rows.querySelector('input')?.focus();
		});
		rows.append(row);
		return u;
	}
	addRow(me?.username ?? '', 'commander');
	const add = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('evf.member_add') });
	add.addEventListener('click', () => addRow('', 'technical').focus());
	const errId = uid('f');
	const fs = el('fieldset', { class: 'choices', 'data-name': 'members',
	    'aria-describedby': errId },
	    el('legend', {}, t('evf.members'),
		el('span', { class: 'req', text: t('form.required') })),
	    el('p', { class: 'hint', text: t('evf.members_hint') }),
	    rows, el('div', { class: 'actions' }, add),
	    el('p', { class: 'field-error', id: errId, hidden: true }));
	return fs;
}

function readMembers(form) {
	return [...form.querySelectorAll('.member-row')].map((row) => ({
		username: row.querySelector('[name="member_username"]')
		    .value.trim(),
		role: row.querySelector('[name="member_role"]').value,
	})).filter((m) => m.username !== '');
}

// P22: each system hit, and whether it came back within its tolerable
// downtime.
function systemsControl() {
	const rows = el('div', { class: 'helper-rows' });
	function addRow() {
		const n = el('input', { type: 'text', name: 'system_name' });
		const inTime = select('system_in_time', [
		    { value: 'yes', label: t('evf.system_in_time_yes') },
		    { value: 'no', label: t('evf.system_in_time_no') }]);
		const remove = el('button', { type: 'button',
		    class: 'btn btn-small', text: t('evf.member_remove') });
		const row = el('div', { class: 'member-row system-row' },
		    field({ label: t('evf.system_name'), control: n }),
		    field({ label: t('evf.system_in_time'),
			control: inTime }),
		    remove);
		remove.addEventListener('click', () => row.remove());
		rows.append(row);
		return n;
	}
	addRow();
	const add = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('evf.system_add') });
	add.addEventListener('click', () => addRow().focus());
	const errId = uid('f');
	return el('fieldset', { class: 'choices', 'data-name': 'systems',
	    'aria-describedby': errId },
	    el('legend', { text: t('evf.systems') }),
	    el('p', { class: 'hint', text: t('evf.systems_hint') }),
	    rows, el('div', { class: 'actions' }, add),
	    el('p', { class: 'field-error', id: errId, hidden: true }));
}

function readSystems(form) {
	return [...form.querySelectorAll('.system-row')].map((row) => ({
		name: row.querySelector('[name="system_name"]').value.trim(),
		within_tolerable_downtime: row.querySelector(
		    '[name="system_in_time"]').value === 'yes',
	})).filter((s) => s.name !== '');
}

function levelControl(name, incident, value) {
	const levels = incident.school ? [0, 1, 2, 3, 4] : [1, 2, 3, 4];
	return choices({ name, legend: t('evf.level'), inline: true,
	    required: true, options: levels.map((n) => ({ value: String(n),
	    label: t('level.badge', { n }) })),
	    value: value === null || value === undefined ? [] :
	    [String(value)] });
}

// Builds the control of field F for event TYPE.
function control(type, f, ctx) {
	const text = eventFieldLabel(type, f.name);
	const hint = label('evh', `${type}_${f.name}`);
	const hintText = hint !== `${type}_${f.name}` ? hint : undefined;
	switch (f.kind) {
	case 'level':
		return levelControl(f.name, ctx.incident,
		    ctx.defaults?.level ?? ctx.incident.level ??
		    ctx.incident.proposed_level);
	case 'members':
		return membersControl(ctx.me);
	case 'systems':
		return systemsControl();
	case 'multi':
		return choices({ name: f.name, legend: text, type: 'checkbox',
		    options: f.options.map((o) => ({ value: o,
		    label: label(f.prefix, o) })) });
	case 'select':
		if (f.radio)
			return choices({ name: f.name, legend: text,
			    inline: true, required: f.required,
			    options: f.options.map((o) => ({ value: o,
			    label: label(f.prefix, o) })),
			    value: [f.options[0]] });
		return field({ label: text, required: f.required,
		    hint: hintText, control: select(f.name, f.options.map(
		    (o) => ({ value: o, label: label(f.prefix, o) })),
		    { value: f.options[0] }) });
	case 'agency': {
		// Any agency of the city, by code: the list suggests those the
		// person can see, an affected agency may lie outside them
		// (P12), and the server checks the code.
		const listId = uid('dl');
		const list = el('datalist', { id: listId });
		const have = new Set();
		for (const a of [...(ctx.agencyChoices ?? []),
		    ...agencyList()]) {
			if (have.has(a.code))
				continue;
			have.add(a.code);
			list.append(el('option', { value: a.code,
			    label: agencyName(a.code) }));
		}
		const input = el('input', { type: 'text', name: f.name,
		    list: listId, autocapitalize: 'none', spellcheck: 'false',
		    value: ctx.defaults?.[f.name] ?? '' });
		const holder = field({ label: text, required: f.required,
		    hint: hintText ?? t('evf.agency_hint'), control: input });
		holder.append(list);
		return holder;
	}
	case 'time':
		return dateTimeField({ name: f.name, label: text,
		    required: f.required,
		    hint: hintText ?? t('common.taipei_time') });
	case 'yesno':
		return choices({ name: f.name, legend: text, inline: true,
		    options: [{ value: 'yes', label: t('common.yes') },
		    { value: 'no', label: t('common.no') }] });
	case 'lines':
		return field({ label: text, required: f.required, wide: true,
		    hint: hintText ?? t('evf.lines_hint'),
		    control: el('textarea', { name: f.name, rows: '3' }) });
	case 'area':
		return field({ label: text, required: f.required, wide: true,
		    hint: hintText, control: el('textarea', { name: f.name,
		    rows: '3' }) });
	default:
		return field({ label: text, required: f.required,
		    hint: hintText, control: el('input', { type: 'text',
		    name: f.name }) });
	}
}

// Reads the values of FORM for event TYPE: {values, problems}, problems
// being [name, message] for what is missing or wrong before sending.
function read(type, form) {
	const values = {};
	const problems = [];
	const radio = (name) => checkedValues(form, name)[0];
	for (const f of eventFields(type)) {
		let v;
		switch (f.kind) {
		case 'level': {
			const r = radio(f.name);
			v = r === undefined ? undefined : Number(r);
			break;
		}
		case 'members':
			v = readMembers(form);
			if (v.length === 0)
				v = undefined;
			break;
		case 'systems':
			v = readSystems(form);
			if (v.length === 0)
				v = undefined;
			break;
		case 'multi':
			v = checkedValues(form, f.name);
			if (v.length === 0)
				v = undefined;
			break;
		case 'select':
			v = f.radio ? radio(f.name) :
			    form.elements[f.name].value || undefined;
			break;
		case 'agency':
			v = form.elements[f.name].value.trim().toLowerCase() ||
			    undefined;
			break;
		case 'time': {
			const raw = readDateTime(form, f.name);
			if (raw === null)
				problems.push([f.name, t('form.bad_time')]);
			else if (raw !== '')
				v = fromLocalInput(raw);
			break;
		}
		case 'yesno': {
			const r = radio(f.name);
			v = r === undefined ? undefined : r === 'yes';
			break;
		}
		case 'lines':
			v = form.elements[f.name].value.split(/[\n、,，;；]/)
			    .map((x) => x.trim()).filter(Boolean);
			v = v.length ? [...new Set(v)] : undefined;
			break;
		default:
			v = form.elements[f.name].value.trim() || undefined;
			break;
		}
		values[f.name] = v;
	}
	for (const f of eventFields(type)) {
		if (f.when && !f.when(values)) {
			delete values[f.name];
			continue;
		}
		if (f.required && values[f.name] === undefined)
			problems.push([f.name, t('form.missing')]);
		if (values[f.name] === undefined)
			delete values[f.name];
	}
	return { values, problems };
}

// Builds the form for event TYPE of INCIDENT.  CTX: me (the person),
// signal, defaults ({level}), agencyChoices (the agencies offered for an
// agency field), submitText, onDone(incident) called with the server's
// answer.  Returns the form element.
export function eventForm(type, incident, ctx) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit',
	    class: 'btn btn-primary',
	    text: ctx.submitText ?? t('evf.submit', { what:
	    label('event', type) }) });
	const form = el('form', { class: 'form event-form', novalidate: '',
	    'data-type': type }, alert);
	for (const f of eventFields(type))
		form.append(control(type, f, { ...ctx, incident }));
	form.append(dateTimeField({ name: 'at', label: t('evf.at'),
	    required: true, hint: t('evf.at_hint'),
	    value: toLocalInput(new Date()) }),
	    el('div', { class: 'actions' }, submit));

	// One key per thing recorded: a retry after a lost answer records
	// nothing twice; a new key once the server has taken it.
	let key = newKey();

	// Fields that depend on another's answer show only when they apply.
	function applyWhen() {
		const { values } = read(type, form);
		for (const f of eventFields(type)) {
			if (!f.when)
				continue;
			const holder = form.querySelector(
			    `[name="${f.name}"]`)?.closest('.field');
			if (holder)
				holder.hidden = !f.when(values);
		}
	}
	form.addEventListener('change', applyWhen);
	applyWhen();

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const { values, problems } = read(type, form);
		const raw = readDateTime(form, 'at');
		const when = raw ? fromLocalInput(raw) : null;
		if (!when)
			problems.push(['at', t('form.bad_time')]);
		else if (Date.parse(when) > Date.now() + 60000)
			problems.push(['at', t('form.future_time')]);
		if (problems.length > 0) {
			const first = problems.map(([n, m]) =>
			    setFieldError(form, n, m)).find(Boolean);
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			first?.focus();
			return;
		}
		try {
			const answer = await busy(submit, () => post(
			    `/api/v1/incidents/${encodeURIComponent(
			    incident.id)}/events`,
			    { type, at: when, ...values },
			    { signal: ctx.signal, idempotencyKey: key }));
			key = newKey();
			ctx.onDone?.(answer);
		} catch (err) {
			if (!ctx.signal?.aborted)
				showFormError(form, alert, err);
		}
	});
	return form;
}
