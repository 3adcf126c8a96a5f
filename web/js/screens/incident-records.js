// screens/incident-records.js: the panels of the incident page for what
// comes after the fire (issue 5): the five records with their signatures
// (P32) and the printed record, and the improvement actions (P29-P31).
// Not a route of its own: incident.js draws these into its page.
//
// GET /api/v1/incidents/{id}/signatures answers each record's state, the
// latest signature of each slot (responsible person, CISO) with whether
// it still holds, and for a record changed since it was signed the
// difference (JSON pointers, before and after).  Signing is POST
// .../signatures {record, role}: the server computes what is signed.

import { ApiError, get, newKey, patch, post } from '../api.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { hasRole } from '../session.js';
import { busy, clearFieldErrors, errorBox, facts, field, formAlert,
    loading, panel, select, setFieldError, showFormError, stateBadge, table,
    timeText } from '../ui.js';

export const RECORDS = ['incident_report', 'damage_control', 'root_cause',
    'improvement_plan', 'closure'];

// Who signs each record as the responsible person (P32; the server's
// rule, POST /signatures): the window for the report and the closure,
// the commander for the root cause and the plan, either for damage
// control.  The CISO slot is the ciso role's.
const RESPONSIBLE = {
	incident_report: ['contact_window'],
	damage_control: ['contact_window', 'commander'],
	root_cause: ['commander'],
	improvement_plan: ['commander'],
	closure: ['contact_window'],
};

const STATE_TONE = { signed: 'ok', void: 'bad', partial: 'warn',
    unsigned: 'warn', not_ready: 'neutral' };

function incidentPath(inc, tail) {
	return `/api/v1/incidents/${encodeURIComponent(inc.id)}/${tail}`;
}

// Returns the slots ('responsible', 'ciso') of record REC that person ME
// may sign now: a role that fits, the incident's own agency, and a slot
// that does not already hold a valid signature of theirs.  doit_admin
// signs nothing (the server's rule); the server decides in the end.
export function signableSlots(me, inc, rec) {
	if (!me || !rec.exists || me.roles.includes('doit_admin') ||
	    me.agency !== inc.agency)
		return [];
	const open = (slot) => !(rec[slot]?.valid &&
	    rec[slot]?.by === me.username);
	const out = [];
	if (RESPONSIBLE[rec.record].some((r) => me.roles.includes(r)) &&
	    open('responsible'))
		out.push('responsible');
	if (me.roles.includes('ciso') && open('ciso'))
		out.push('ciso');
	return out;
}

// One slot's signature: who, when, and whether it still holds.
function slotCell(sig) {
	if (!sig)
		return el('span', { class: 'muted', text: t('rec.not_signed') });
	return el('div', { class: 'sig' },
	    el('span', { class: 'sig-who', text: sig.name ?
		`${sig.name} (${sig.by})` : sig.by }), ' ',
	    timeText(sig.at), ' ',
	    el('span', { class: `badge ${sig.valid ? 'badge-ok' :
		'badge-bad'}`, text: sig.valid ? t('rec.valid') :
		t('rec.voided') }));
}

// A JSON value of a difference as people read it.
function diffValue(v) {
	if (v === undefined || v === null)
		return el('span', { class: 'muted', text: t('common.none') });
	return el('span', { class: 'diff-value', text: typeof v === 'string' ?
	    v : JSON.stringify(v) });
}

// The difference of a void record against what was signed.
function diffTable(rec) {
	return el('div', { class: 'record-diff' },
	    el('p', { class: 'notice notice-warn', text: t('rec.void_hint',
		{ record: label('rec', rec.record) }) }),
	    table({
		caption: t('rec.diff_caption', { record:
		    label('rec', rec.record) }),
		columns: [
		    { label: t('rec.diff_path'), cell: (d) => el('code',
			{ text: d.path }) },
		    { label: t('rec.diff_change'), cell: (d) =>
			label('diffchange', d.change) },
		    { label: t('rec.diff_before'), cell: (d) =>
			diffValue(d.before) },
		    { label: t('rec.diff_after'), cell: (d) =>
			diffValue(d.after) }],
		rows: rec.diff ?? [],
		empty: t('rec.diff_none'),
	    }));
}

// The records panel of incident INC for person ME.  ONCHANGED() is called
// after a signature was made (the timeline has a new event).
export function recordsPanel(inc, { me, signal, onChanged }) {
	const holder = el('div', {}, loading());
	const failure = el('div', {});
	const links = el('p', { class: 'toolbar record-links' },
	    el('a', { class: 'btn', href: incidentPath(inc, 'record'),
		target: '_blank', rel: 'noopener',
		text: t('rec.print') }),
	    el('a', { class: 'btn', href: incidentPath(inc, 'record.pdf'),
		download: '', text: t('rec.pdf') }));

	async function sign(rec, slot, button) {
		failure.replaceChildren();
		try {
			await busy(button, () => post(incidentPath(inc,
			    'signatures'), { record: rec.record, role: slot },
			    { signal, idempotencyKey: newKey() }));
			onChanged?.(t('rec.signed_now', { record:
			    label('rec', rec.record), slot:
			    t(`rec.slot_${slot}`) }));
		} catch (err) {
			if (!signal.aborted) {
				failure.replaceChildren(errorBox(err));
				failure.firstChild.tabIndex = -1;
				failure.firstChild.focus();
			}
		}
	}

	function actions(rec) {
		const slots = signableSlots(me, inc, rec);
		if (slots.length === 0)
			return '';
		return el('div', { class: 'actions-inline' },
		    ...slots.map((slot) => {
			const b = el('button', { type: 'button',
			    class: 'btn btn-small btn-primary',
			    text: t(`rec.sign_${slot}`),
			    'aria-label': t(`rec.sign_${slot}_named`,
				{ record: label('rec', rec.record) }) });
			b.addEventListener('click', () => sign(rec, slot, b));
			return b;
		    }));
	}

	function draw(items) {
		const byName = new Map(items.map((r) => [r.record, r]));
		const rows = RECORDS.map((r) => byName.get(r)).filter(Boolean);
		const voids = rows.filter((r) => r.state === 'void');
		holder.replaceChildren(table({
			caption: t('rec.title'),
			captionHidden: true,
			columns: [
			    { label: t('rec.record'), rowHeader: true,
				cell: (r) => label('rec', r.record) },
			    { label: t('rec.state'), cell: (r) => stateBadge(
				'sigstate', r.state, STATE_TONE[r.state]) },
			    { label: t('rec.slot_responsible'), cell: (r) =>
				slotCell(r.responsible) },
			    { label: t('rec.slot_ciso'), cell: (r) =>
				slotCell(r.ciso) },
			    { label: t('common.actions'), cell: actions }],
			rows,
		    }), ...voids.map(diffTable));
	}

	(async () => {
		try {
			const r = await get(incidentPath(inc, 'signatures'),
			    { signal });
			draw(r.items ?? []);
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	return panel(t('rec.title'), [
	    el('p', { class: 'hint', text: t('rec.hint') }),
	    links, failure, holder], { id: 'records-h' });
}

// ------------------------------------------------------------------
// Improvements (P29-P31)

const TERMS = ['short', 'medium', 'long'];
const STATUSES = ['open', 'in_progress', 'done'];
const STATE_OF_ACTION = { overdue: 'bad', pending: 'neutral', met: 'ok',
    met_late: 'warn' };

// The P29 window shown beside the due date for TERM: the server's own
// window of an action of that term when one is known (counted by its
// rules of time), else the rule in words.
function windowText(term, known, planAt) {
	if (term === 'short')
		return t('imp.window_short');
	const w = known[term];
	if (w)
		return t('imp.window_dates', { from: w.from, to: w.to });
	if (!planAt)
		return t(`imp.window_${term}_noplan`);
	return t(`imp.window_${term}_rule`);
}

// One action's status, with a control to change it when ME may.
function statusCell(inc, act, { mayEdit, signal, onSaved }) {
	const text = label('imp_status', act.status);
	if (!mayEdit)
		return text;
	const s = select('status', STATUSES.map((x) => ({ value: x,
	    label: label('imp_status', x) })), { value: act.status });
	s.setAttribute('aria-label', t('imp.status_of', { title: act.title }));
	const b = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('imp.status_save'),
	    'aria-label': t('imp.status_save_named', { title: act.title }) });
	const err = el('p', { class: 'field-error', role: 'alert',
	    hidden: true });
	b.addEventListener('click', async () => {
		err.hidden = true;
		if (s.value === act.status)
			return;
		try {
			const changed = await busy(b, () => patch(incidentPath(
			    inc, `improvements/${encodeURIComponent(act.id)}`),
			    { version: act.version, status: s.value },
			    { signal }));
			onSaved(changed);
		} catch (e) {
			if (signal.aborted)
				return;
			err.textContent = e instanceof ApiError ? e.message :
			    t('app.unexpected');
			err.hidden = false;
			s.focus();
		}
	});
	return el('div', { class: 'status-edit' }, s, b, err);
}

// The improvements panel of incident INC.
export function improvementsPanel(inc, { me, signal, onChanged }) {
	const holder = el('div', {}, loading());
	const mayEdit = hasRole(me, 'commander') && (me.agency ===
	    inc.agency || me.roles.includes('doit_admin'));
	let known = {};
	let planAt = null;

	function draw(list) {
		planAt = list.plan_approved_at;
		known = {};
		for (const a of list.items)
			if (a.window && !known[a.term])
				known[a.term] = a.window;
		const head = facts([
		    [t('imp.plan_at'), planAt ? timeText(planAt) :
			t('imp.plan_not_yet')],
		    [t('imp.done_at'), list.actions_done_at ?
			timeText(list.actions_done_at) : t('common.none')]]);
		const tbl = table({
			caption: t('imp.title'),
			captionHidden: true,
			columns: [
			    { label: t('imp.term'), cell: (a) =>
				label('term', a.term) },
			    { label: t('imp.item'), rowHeader: true,
				cell: (a) => a.title },
			    { label: t('imp.owner'), cell: (a) => a.owner },
			    { label: t('imp.due'), class: 'nowrap',
				cell: (a) => el('span', {}, a.due_on, ' ',
				stateBadge('ostate', a.state,
				    STATE_OF_ACTION[a.state])) },
			    { label: t('imp.status'), cell: (a) =>
				statusCell(inc, a, { mayEdit, signal,
				onSaved: (c) => onChanged?.(t('imp.saved',
				    { title: c.title })) }) }],
			rows: list.items,
			empty: t('imp.none'),
		});
		holder.replaceChildren(head, tbl, mayEdit ? addForm() : '');
	}

	function addForm() {
		const alert = formAlert();
		const term = select('term', TERMS.map((x) => ({ value: x,
		    label: label('term', x) })), { value: 'short' });
		const due = el('input', { type: 'date', name: 'due_at' });
		const dueField = field({ label: t('imp.due'), control: due,
		    required: true, hint: windowText('short', known,
		    planAt) });
		const hint = dueField.querySelector('.hint');
		term.addEventListener('change', () => {
			hint.textContent = windowText(term.value, known,
			    planAt);
		});
		const title = el('input', { type: 'text', name: 'title',
		    maxlength: '200' });
		const owner = el('input', { type: 'text', name: 'owner',
		    maxlength: '200' });
		const submit = el('button', { type: 'submit',
		    class: 'btn btn-primary', text: t('imp.add') });
		const form = el('form', { class: 'form improvement-form',
		    novalidate: '' }, alert,
		    field({ label: t('imp.term'), control: term,
			required: true }),
		    field({ label: t('imp.item'), control: title,
			required: true }),
		    field({ label: t('imp.owner'), control: owner,
			required: true, hint: t('imp.owner_hint') }),
		    dueField,
		    el('div', { class: 'actions' }, submit));
		let key = newKey();
		form.addEventListener('submit', async (event) => {
			event.preventDefault();
			clearFieldErrors(form);
			alert.hidden = true;
			const body = { term: term.value,
			    title: title.value.trim(),
			    owner: owner.value.trim(), due_at: due.value };
			const missing = ['title', 'owner', 'due_at'].filter(
			    (n) => body[n] === '');
			if (missing.length) {
				const first = missing.map((n) => setFieldError(
				    form, n, t('form.missing')))
				    .find(Boolean);
				alert.hidden = false;
				alert.textContent = t('form.check_fields');
				first?.focus();
				return;
			}
			try {
				const made = await busy(submit, () => post(
				    incidentPath(inc, 'improvements'), body,
				    { signal, idempotencyKey: key }));
				key = newKey();
				onChanged?.(t('imp.added',
				    { title: made.title }));
			} catch (err) {
				if (signal.aborted)
					return;
				// The P29 window the server judged by.
				const w = err instanceof ApiError &&
				    err.body?.error?.window;
				if (w?.from && w?.to)
					hint.textContent = t('imp.window_dates',
					    { from: w.from, to: w.to });
				showFormError(form, alert, err);
			}
		});
		return el('details', { class: 'dc-form' },
		    el('summary', { text: t('imp.add_title') }), form);
	}

	async function load() {
		try {
			draw(await get(incidentPath(inc, 'improvements'),
			    { signal }));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	}
	load();
	return panel(t('imp.title'), [
	    el('p', { class: 'hint', text: t('imp.hint') }), holder],
	    { id: 'improvements-h' });
}
