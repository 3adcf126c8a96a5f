// screens/incident.js: one incident (issue 4, 7): what it is, what the
// person must do next on it, its obligations with live clocks, the
// timeline of events, the team, the meetings, the damage control record
// (P22), the copy-ready text of the national platform's form, and the
// panels of incident-records.js and incident-evidence.js (preservation,
// evidence, improvements, records, messages sent).
//
// GET /api/v1/incidents/{id} holds the incident with its `events` and
// `obligations`; every event posted answers the whole incident again, so
// the page redraws from that answer.  What the forms offer follows the
// person's roles (session.js); the server decides in the end.

import { ApiError, get } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { eventFieldLabel, eventForm, eventFields } from '../eventforms.js';
import { formatDateTime, toDate } from '../format.js';
import { label, t } from '../i18n.js';
import { allowedEvents, currentUser } from '../session.js';
import { clock, copyButton, errorBox, exerciseMark, facts, levelBadge,
    loading, panel, select, stateBadge, table, timeText } from '../ui.js';
import { OBLIGATIONS } from '../vocab.js';
import { investigationPanel, lessonsPanel } from './incident-closure.js';
import { improvementsPanel, recordsPanel } from './incident-records.js';
import { evidencePanel, notificationsPanel, preservationPanel } from
    './incident-evidence.js';

export const title = 'inc.title';

// The event that meets each obligation.
const MEETS = {
	report: 'reported',
	backfill_report: 'backfilled',
	notify_affected: 'agency_notified',
	cc_doit: 'doit_copied',
	level_review: 'level_reviewed',
	team_formed: 'team_formed',
	response_meeting: 'meeting_held',
	damage_control: 'damage_controlled',
	effectiveness_report: 'effectiveness_reported',
	pdpa_assessment: 'pdpa_assessed',
	root_cause: 'root_cause_recorded',
	closure_report: 'closure_reported',
	progress_report: 'progress_reported',
};

const OPEN = new Set(['pending', 'overdue']);

// Keys of an event that are its frame, not its details.
const FRAME = new Set(['id', 'type', 'at', 'actor', 'recorded_at']);

// The obligation's name with its subject: the agency to notify, the
// change request a review answers, the period of a progress report.
export function obligationLabel(ob) {
	let s = label('obl', ob.name);
	if (ob.name === 'notify_affected' && ob.subject)
		s += `：${agencyName(ob.subject)}`;
	else if (ob.name === 'level_review' && ob.subject)
		s += t('inc.change_request', { id: ob.subject });
	else if (ob.period)
		s += t('inc.period', { n: ob.period });
	return s;
}

// The start of an obligation's clock, for the amber of "a fifth left";
// an obligation whose clock has not started has none.
function startOf(ob) {
	return ob.start_at ?? null;
}

// The details of event EV: the fields it was posted with (issue 4: an
// event holds them beside its id, type, at, actor and recorded_at).
function detailsOf(ev) {
	const out = {};
	for (const [k, v] of Object.entries(ev))
		if (!FRAME.has(k) && v !== null && v !== undefined &&
		    !(Array.isArray(v) && v.length === 0) && v !== '')
			out[k] = v;
	return out;
}

// One detail value as people read it.
function show(type, key, v) {
	if (key === 'level' && Number.isInteger(v))
		return levelBadge(v);
	if (key === 'channel')
		return label('channel', v);
	if (key === 'kind')
		return label('meeting', v);
	if (key === 'agency' || key === 'by')
		return agencyName(v);
	if (key === 'members' && Array.isArray(v))
		return el('ul', { class: 'plain' }, ...v.map((m) => el('li', {},
		    `${m.name ?? m.username}（${label('team', m.role)}）`)));
	if (key === 'systems' && Array.isArray(v))
		return el('ul', { class: 'plain' }, ...v.map((x) => el('li', {},
		    `${x.name}：${x.within_tolerable_downtime ?
		    t('evf.system_in_time_yes') :
		    t('evf.system_in_time_no')}`)));
	if (key === 'cause' && Array.isArray(v))
		return v.map((c) => label('cause', c))
		    .join(t('common.list_sep'));
	if (typeof v === 'boolean')
		return v ? t('common.yes') : t('common.no');
	if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) && toDate(v))
		return timeText(v);
	if (Array.isArray(v))
		return v.map((x) => typeof x === 'object' ? JSON.stringify(x) :
		    String(x)).join(t('common.list_sep'));
	if (typeof v === 'object')
		return JSON.stringify(v);
	return String(v);
}

// The details of EV as label and value pairs, in the order its form
// asks them.
function eventDetails(ev) {
	const order = eventFields(ev.type).map((f) => f.name);
	const rank = (k) => (order.includes(k) ? order.indexOf(k) :
	    order.length);
	const pairs = Object.entries(detailsOf(ev))
	    .sort(([a], [b]) => rank(a) - rank(b))
	    .map(([k, v]) => [eventFieldLabel(ev.type, k),
		show(ev.type, k, v)]);
	return pairs.length ? facts(pairs) : '';
}

function byTime(a, b) {
	return Date.parse(a.at) - Date.parse(b.at) ||
	    (a.seq ?? a.id ?? 0) - (b.seq ?? b.id ?? 0);
}

function timeline(inc) {
	const evs = [...(inc.events ?? [])].sort(byTime);
	if (evs.length === 0)
		return el('p', { class: 'empty', text: t('inc.no_events') });
	return el('ol', { class: 'timeline' }, ...evs.map((ev) => {
		const head = el('div', { class: 'ev-head' },
		    el('span', { class: 'ev-type',
			text: label('event', ev.type) }),
		    el('span', { class: 'ev-when' }, timeText(ev.at)),
		    el('span', { class: 'ev-who', text: t('inc.by',
			{ who: ev.actor ?? '' }) }));
		if (ev.recorded_at && Math.abs(Date.parse(ev.recorded_at) -
		    Date.parse(ev.at)) > 60000)
			head.append(el('span', { class: 'ev-when',
			    text: t('inc.recorded_at', { when:
			    formatDateTime(ev.recorded_at) }) }));
		return el('li', {}, head, eventDetails(ev));
	}));
}

// Obligations with a due time first, by it; then those owed with none;
// what does not apply last.
function obligationOrder(a, b) {
	const rank = (o) => o.state === 'not_applicable' ? 2 :
	    o.due_at ? 0 : 1;
	return rank(a) - rank(b) || (a.due_at && b.due_at ?
	    Date.parse(a.due_at) - Date.parse(b.due_at) : 0) ||
	    OBLIGATIONS.indexOf(a.name) - OBLIGATIONS.indexOf(b.name);
}

// The obligations that apply, in a table with their clocks; those that
// do not apply to this incident are named in one quiet line below.
function obligationsTable(inc, signal) {
	const all = [...(inc.obligations ?? [])].sort(obligationOrder);
	const rows = all.filter((o) => o.state !== 'not_applicable');
	const na = all.filter((o) => o.state === 'not_applicable');
	const tbl = table({
		caption: t('inc.obligations'),
		captionHidden: true,
		columns: [
		    { label: t('inc.ob_name'), cell: obligationLabel },
		    { label: t('inc.ob_clock'), cell: (ob) => clock(ob,
			{ signal, start: startOf(ob) }) },
		    { label: t('inc.ob_due'), cell: (ob) => ob.due_at ?
			timeText(ob.due_at) : t('inc.no_due'),
			class: 'nowrap' },
		    { label: t('inc.ob_met'), cell: (ob) => ob.met_at ?
			timeText(ob.met_at) : '', class: 'nowrap' },
		    { label: t('inc.ob_state'), cell: (ob) =>
			label('ostate', ob.state) },
		],
		rows,
		empty: t('inc.no_obligations'),
	});
	const names = na.map(obligationLabel).join(t('common.list_sep'));
	return na.length === 0 ? tbl : el('div', {}, tbl,
	    el('p', { class: 'small muted',
		text: t('inc.not_applicable', { names }) }));
}

// What the person can do next on INC: the CISO's approval while the
// level waits for it, else the earliest open obligation whose meeting
// event their roles may post.
function nextStep(inc, me) {
	const mine = new Set(allowedEvents(me));
	if (inc.state === 'new') {
		if (mine.has('level_approved'))
			return { type: 'level_approved', defaults: { level:
			    inc.level ?? inc.proposed_level } };
		return { waiting: t('inc.wait_approval') };
	}
	// By due time; at the same time, in the order of the procedure
	// (the report before notifying others, P10 then P12).
	const open = (inc.obligations ?? []).filter((o) => OPEN.has(o.state));
	const due = (o) => (o.due_at ? Date.parse(o.due_at) : Infinity);
	open.sort((a, b) => due(a) - due(b) ||
	    OBLIGATIONS.indexOf(a.name) - OBLIGATIONS.indexOf(b.name));
	for (const ob of open) {
		const type = MEETS[ob.name];
		if (type && mine.has(type))
			return { type, ob, defaults: ob.name ===
			    'notify_affected' ? { agency: ob.subject } : {} };
	}
	if (inc.state === 'approved')
		return { waiting: t('inc.wait_report') };
	return null;
}

function teamPanel(inc) {
	const formed = (inc.events ?? []).filter((e) =>
	    e.type === 'team_formed').sort(byTime);
	const last = formed[formed.length - 1];
	const members = last ? detailsOf(last).members ?? [] : [];
	return panel(t('inc.team'), [members.length === 0 ?
	    el('p', { class: 'empty', text: t('inc.no_team') }) :
	    table({ caption: t('inc.team'), captionHidden: true,
		columns: [
		    { label: t('evf.member_username'), cell: (m) =>
			m.name ? `${m.name} (${m.username})` : m.username },
		    { label: t('evf.member_role'), cell: (m) =>
			label('team', m.role) }],
		rows: members }),
	    last ? el('p', { class: 'small muted' }, t('inc.team_formed_at'),
		' ', timeText(last.at)) : '']);
}

function meetingsPanel(inc) {
	const meetings = (inc.events ?? []).filter((e) =>
	    e.type === 'meeting_held').sort(byTime);
	return panel(t('inc.meetings'), [meetings.length === 0 ?
	    el('p', { class: 'empty', text: t('inc.no_meetings') }) :
	    el('ol', { class: 'timeline' }, ...meetings.map((m) => el('li',
		{}, el('div', { class: 'ev-head' },
		    el('span', { class: 'ev-type', text: label('meeting',
			detailsOf(m).kind ?? 'response') }),
		    el('span', { class: 'ev-when' }, timeText(m.at))),
		eventDetails(m))))]);
}

// The text of the national platform's form for the stage chosen
// (initial, follow-up, closure; the server picks the one due next).
function platformPanel(inc, signal) {
	const area = el('textarea', { class: 'platform-text', readonly: '',
	    id: 'platform-text', rows: '16', spellcheck: 'false',
	    'aria-describedby': 'platform-hint' });
	const stage = select('stage', ['initial', 'follow_up', 'closure'].map(
	    (x) => ({ value: x, label: label('stage', x) })));
	stage.id = 'platform-stage';
	const failure = el('div', {});
	async function read(which) {
		failure.replaceChildren();
		try {
			const r = await get(`/api/v1/incidents/${
			    encodeURIComponent(inc.id)}/platform-report${
			    which ? `?stage=${encodeURIComponent(which)}` :
			    ''}`, { signal });
			area.value = r.text ?? '';
			stage.value = r.stage;
		} catch (err) {
			if (!signal.aborted)
				failure.replaceChildren(errorBox(err));
		}
	}
	stage.addEventListener('change', () => read(stage.value));
	read(null);
	return panel(t('inc.platform'), [
	    el('p', { class: 'hint', id: 'platform-hint',
		text: t('inc.platform_hint') }),
	    el('div', { class: 'toolbar' },
		el('div', { class: 'field' }, el('label', { for: stage.id,
		    text: t('inc.platform_stage') }), stage),
		copyButton(() => area.value, t('inc.platform_copy'))),
	    failure,
	    el('label', { for: area.id, class: 'visually-hidden',
		text: t('inc.platform') }),
	    area]);
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { params, signal }) {
	const me = currentUser();
	const id = params.id;
	// The heading is there from the start, so the router can move focus
	// to it; the incident's title replaces the placeholder.
	const h1 = el('h1', { text: t('inc.title') });
	const badges = el('span', { class: 'badges' });
	const body = el('div', {}, loading());
	root.append(
	    el('p', { class: 'small back' }, el('a', { href: '#/incidents',
		text: t('inc.back') })),
	    el('div', { class: 'incident-head' }, h1, badges),
	    body);
	// Each drawing gets its own signal for its clocks, so a redraw
	// after an event stops the old ones.
	let drawing = null;

	function draw(inc, focusOn, message) {
		drawing?.abort();
		drawing = new AbortController();
		const sig = AbortSignal.any([signal, drawing.signal]);
		const mine = allowedEvents(me);
		// Events answer the whole incident; should one not, read it.
		// A panel of its own changed something: read the whole
		// incident again, its obligations and timeline may follow.
		const changed = (msg) => reload('saved', msg);
		const done = (answer) => {
			if (answer?.id !== undefined)
				draw(answer, 'saved');
			else
				reload('saved');
		};

		h1.textContent = inc.title;
		badges.replaceChildren(levelBadge(inc.level ??
		    inc.proposed_level),
		    inc.exercise ? exerciseMark() : '',
		    stateBadge('istate', inc.state, inc.state === 'new' ?
			'warn' : inc.state === 'closed' ? 'ok' : 'neutral'));
		const reportedEv = (inc.events ?? []).filter((e) =>
		    e.type === 'reported' || e.type === 'backfilled')
		    .map(detailsOf).find((d) => d.platform_ref);
		const info = facts([
		    [t('inc.id'), String(inc.id)],
		    [t('inc.agency'), `${agencyName(inc.agency)}`],
		    [t('inc.aware_at'), timeText(inc.aware_at)],
		    [t('inc.occurred_at'), inc.occurred_at ?
			timeText(inc.occurred_at) : t('common.none')],
		    [t('inc.category'), [label('cat', inc.category),
			...(inc.symptoms ?? []).map((s) => label('sym', s))]
			.join(t('common.list_sep'))],
		    [t('inc.proposed'), levelBadge(inc.proposed_level)],
		    [t('inc.reported_by'), inc.reported_by ?? ''],
		    [t('inc.platform_ref'), reportedEv?.platform_ref ??
			t('common.none')],
		    [t('inc.personal_data'), inc.personal_data_involved ?
			t('common.yes') : t('common.no')],
		    [t('inc.affected'), (inc.affected_agencies ?? [])
			.map((c) => agencyName(typeof c === 'string' ? c :
			c.code ?? c.agency)).join(t('common.list_sep')) ||
			t('common.none')],
		]);
		const description = inc.description ? el('p',
		    { class: 'description', text: inc.description }) : '';

		// The next step for this person, with its form.
		const step = nextStep(inc, me);
		let stepPanel = '';
		if (step?.type === 'damage_controlled') {
			// Its form is in the damage control panel, with the
			// record it makes; the step points there.
			stepPanel = el('section', { class: 'panel next-step',
			    'aria-labelledby': 'next-step-h' },
			    el('div', { class: 'panel-head' },
				el('h2', { id: 'next-step-h',
				    text: t('inc.next', { what:
				    label('event', step.type) }) }),
				clock(step.ob, { signal: sig,
				    start: startOf(step.ob) })),
			    el('p', {}, el('a', { href: '#damage-panel',
				text: t('inc.to_damage') })));
		} else if (step?.type) {
			const form = eventForm(step.type, inc, { me,
			    signal: sig, defaults: step.defaults,
			    onDone: done, submitText: step.type ===
			    'level_approved' ? t('inc.approve') : undefined });
			stepPanel = el('section', { class: 'panel next-step',
			    'aria-labelledby': 'next-step-h' },
			    el('div', { class: 'panel-head' },
				el('h2', { id: 'next-step-h',
				    text: t('inc.next', { what:
				    label('event', step.type) }) }),
				step.ob ? clock(step.ob, { signal: sig,
				    start: startOf(step.ob) }) : ''),
			    step.type === 'level_approved' ?
			    el('p', { class: 'hint', text: t('inc.approve_hint',
				{ n: inc.proposed_level }) }) : '',
			    form);
		} else if (step?.waiting) {
			const report = (inc.obligations ?? []).find((o) =>
			    o.name === 'report');
			stepPanel = el('section', { class: 'panel next-step',
			    'aria-labelledby': 'next-step-h' },
			    el('div', { class: 'panel-head' },
				el('h2', { id: 'next-step-h',
				    text: t('inc.waiting') }),
				report ? clock(report, { signal: sig,
				    start: startOf(report) }) : ''),
			    el('p', { text: step.waiting }));
		}

		// Any other event the person may record.
		const others = mine.filter((type) => eventFields(type) &&
		    type !== 'damage_controlled');
		const chooser = select('event-type', others.map((type) =>
		    ({ value: type, label: label('event', type) })),
		    { blank: t('inc.choose_event') });
		chooser.id = 'event-type';
		const formHolder = el('div', {});
		chooser.addEventListener('change', () => {
			formHolder.replaceChildren(chooser.value ?
			    eventForm(chooser.value, inc, { me, signal: sig,
			    onDone: done }) : '');
		});
		const recordPanel = others.length === 0 ? '' :
		    panel(t('inc.record'), [
			el('div', { class: 'field' },
			    el('label', { for: chooser.id,
				text: t('inc.event_type') }), chooser),
			formHolder]);

		// Damage control (P21-P22): the clock, the record, the form.
		const dcOb = (inc.obligations ?? []).find((o) =>
		    o.name === 'damage_control');
		const dcEvents = (inc.events ?? []).filter((e) =>
		    e.type === 'damage_controlled').sort(byTime);
		const dcParts = [
		    dcOb ? el('p', {}, clock(dcOb, { signal: sig,
			start: startOf(dcOb) }), ' ',
			dcOb.due_at ? el('span', { class: 'small muted' },
			    t('inc.due'), ' ', timeText(dcOb.due_at)) : '') :
		    '',
		    ...dcEvents.map((e) => el('div', { class: 'dc-record' },
			el('p', { class: 'small muted' }, t('inc.dc_at'), ' ',
			    timeText(e.at)), eventDetails(e)))];
		if (mine.includes('damage_controlled') &&
		    inc.state !== 'closed') {
			// Open when damage control is the person's next
			// step; otherwise one click away.
			const d = el('details', { class: 'dc-form' },
			    el('summary', { text: t('inc.dc_form') }),
			    el('p', { class: 'hint', text: t('inc.dc_hint') }),
			    eventForm('damage_controlled', inc, { me,
				signal: sig, onDone: done }));
			d.open = step?.type === 'damage_controlled';
			dcParts.push(d);
		}
		if (dcEvents.length === 0 && dcParts.length <= 2)
			dcParts.push(el('p', { class: 'empty',
			    text: t('inc.no_dc') }));

		const saved = el('p', { class: 'notice notice-ok',
		    role: 'status', tabindex: '-1', hidden: focusOn !== 'saved',
		    text: message ?? t('inc.saved') });

		body.replaceChildren(
		    saved, description, info,
		    stepPanel,
		    panel(t('inc.obligations'),
			[obligationsTable(inc, sig)]),
		    recordPanel,
		    el('div', { class: 'two-cols' },
			el('div', {}, panel(t('inc.timeline'),
			    [timeline(inc)])),
			el('div', {}, teamPanel(inc), meetingsPanel(inc),
			    panel(t('inc.damage'), dcParts,
			    { id: 'damage-h' }))),
		    platformPanel(inc, sig),
		    preservationPanel(inc, { me, signal: sig,
			onChanged: changed }),
		    evidencePanel(inc, { me, signal: sig,
			onChanged: changed }),
		    investigationPanel(inc, { me, signal: sig }),
		    improvementsPanel(inc, { me, signal: sig,
			onChanged: changed }),
		    lessonsPanel(inc, { me, signal: sig }),
		    recordsPanel(inc, { me, signal: sig,
			onChanged: changed }),
		    notificationsPanel(inc, { signal: sig }));
		if (focusOn === 'saved')
			saved.focus();
	}

	async function reload(focusOn, message) {
		try {
			const [inc] = await Promise.all([
			    get(`/api/v1/incidents/${encodeURIComponent(id)}`,
				{ signal }),
			    loadAgencies()]);
			draw(inc, focusOn, message);
		} catch (err) {
			if (signal.aborted)
				return;
			body.replaceChildren(
			    err instanceof ApiError && err.status === 404 ?
			    el('p', { class: 'notice', text: t('inc.not_found',
				{ id }) }) : errorBox(err));
		}
	}
	reload(null);
	return () => drawing?.abort();
}
