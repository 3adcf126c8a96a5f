// screens/my-work.js: the first thing each person sees, what they must do
// next across their scope, ordered by due time (CONVENTIONS.md, Screens).
//
// It reads GET /api/v1/obligations (issue 4: the open obligations of the
// incidents in the caller's scope, each with its incident's id, title,
// agency and exercise flag) and, for a person who approves levels,
// the incidents still waiting for that approval (GET /api/v1/incidents
// ?state=new), whose report clock runs meanwhile (P10).  Each line has a
// live clock: time left, overdue in red, amber with less than a fifth of
// the period left.  What falls to the person's own roles comes first;
// the rest of their scope follows, so nothing due is hidden from them.
// The lists are read again every minute.

import { getAll, withQuery } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { formatTime } from '../format.js';
import { label, t } from '../i18n.js';
import { allowedEvents, currentUser, hasRole, mayReport } from
    '../session.js';
import { clock, clockState, errorBox, everySecond, exerciseMark,
    isMissingRoute, levelBadge, loading, missingRoute, panel, timeText }
    from '../ui.js';
import { obligationLabel } from './incident.js';

export const title = 'work.title';

const REFRESH_MS = 60000;
const MAX_ITEMS = 2000;

// The event that meets each obligation, to tell whose work it is.
const MEETS = {
	report: 'reported', backfill_report: 'backfilled',
	notify_affected: 'agency_notified', cc_doit: 'doit_copied',
	level_review: 'level_reviewed', team_formed: 'team_formed',
	response_meeting: 'meeting_held', damage_control: 'damage_controlled',
	effectiveness_report: 'effectiveness_reported',
	pdpa_assessment: 'pdpa_assessed', root_cause: 'root_cause_recorded',
	closure_report: 'closure_reported',
	progress_report: 'progress_reported',
};

function incidentOf(ob) {
	return ob.incident;
}

function dueMs(item) {
	return item.due_at ? Date.parse(item.due_at) : Infinity;
}

// One line of work: the clock, what and on which incident, the due time.
function workItem(item, signal) {
	const id = incidentOf(item);
	const start = item.start_at;
	const c = clock(item, { signal, start });
	const li = el('li', { class: 'work-item' });
	everySecond((now) => {
		const tone = clockState(item, now, start).tone;
		if (li.dataset.tone !== tone)
			li.dataset.tone = tone;
	}, signal);
	const what = item.approval ? t('work.approve') : obligationLabel(item);
	li.append(
	    el('div', { class: 'work-clock' }, c),
	    el('div', { class: 'work-what' },
		el('a', { href: `#/incidents/${encodeURIComponent(id)}` },
		    `${what}｜${item.title ?? t('work.incident', { id })}`),
		el('div', { class: 'work-meta' },
		    el('span', { class: 'badges' },
			levelBadge(item.level ?? null),
			item.exercise ? exerciseMark() : ''),
		    el('span', { text: agencyName(item.agency) }),
		    el('span', { text: t('work.incident_no', { id }) }))),
	    el('div', { class: 'work-due' }, item.due_at ?
		el('span', {}, t('work.due'), ' ', timeText(item.due_at)) :
		t('work.no_due')));
	return li;
}

function counts(items) {
	const now = Date.now();
	const tally = { overdue: 0, soon: 0, pending: 0, open: 0 };
	for (const it of items) {
		const tone = clockState(it, now, it.start_at).tone;
		if (tone in tally)
			tally[tone] += 1;
	}
	return el('ul', { class: 'counts', 'aria-label': t('work.summary') },
	    el('li', {}, el('strong', { text: String(tally.overdue) }),
		t('work.n_overdue')),
	    el('li', {}, el('strong', { text: String(tally.soon) }),
		t('work.n_soon')),
	    el('li', {}, el('strong', { text: String(tally.pending) }),
		t('work.n_pending')),
	    el('li', {}, el('strong', { text: String(tally.open) }),
		t('work.n_open')));
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const me = currentUser();
	const mine = new Set(allowedEvents(me));
	const body = el('div', {}, loading());
	const updated = el('p', { class: 'panel-note' });
	root.append(
	    el('div', { class: 'screen-head' },
		el('h1', { text: t('work.heading') }),
		mayReport(me) ? el('a', { href: '#/report',
		    class: 'btn btn-primary', text: t('work.report') }) : ''),
	    el('p', { class: 'lead', text: t('work.intro') }),
	    updated, body);

	let drawing = null;
	let last = null;	// what the last drawing showed

	function draw(items, approvals) {
		drawing?.abort();
		drawing = new AbortController();
		const sig = AbortSignal.any([signal, drawing.signal]);
		const all = [...approvals, ...items].sort((a, b) =>
		    dueMs(a) - dueMs(b));
		const forMe = all.filter((it) => it.approval ||
		    mine.has(MEETS[it.name]));
		const rest = all.filter((it) => !forMe.includes(it));
		const list = (rows, empty) => rows.length === 0 ?
		    el('p', { class: 'empty', text: empty }) :
		    el('ol', { class: 'work-list' },
			...rows.map((it) => workItem(it, sig)));
		body.replaceChildren(
		    counts(all),
		    panel(t('work.mine'), [list(forMe, t('work.none_mine'))]),
		    rest.length ? panel(t('work.scope'), [
			el('p', { class: 'hint', text: t('work.scope_hint') }),
			list(rest, '')]) : '');
	}

	// The incidents waiting for the person's approval of their level,
	// each on the clock of its report obligation (P10: the report is due
	// an hour after awareness and cannot be made before the approval).
	async function readApprovals() {
		if (!hasRole(me, 'ciso'))
			return [];
		const { items } = await getAll(withQuery('/api/v1/incidents',
		    { state: 'new' }), { signal, max: MAX_ITEMS });
		return items;
	}

	async function read() {
		try {
			// The list answers the open ones (pending or
			// overdue) by default, by due time.
			const [obs, waiting] = await Promise.all([
			    getAll('/api/v1/obligations', { signal,
				max: MAX_ITEMS }),
			    readApprovals(), loadAgencies()]);
			const approvals = waiting.map((inc) => {
				const report = obs.items.find((o) =>
				    o.incident === inc.id &&
				    o.name === 'report');
				return { ...(report ?? { name: 'report',
				    due_at: null, start_at: null,
				    state: 'pending' }),
				    approval: true, incident: inc.id,
				    title: inc.title, agency: inc.agency,
				    level: inc.level, exercise: inc.exercise };
			});
			// A refresh that changed nothing leaves the screen
			// alone; one that did keeps focus on the same link,
			// so a keyboard user is not thrown back to the top.
			updated.textContent = t('work.updated',
			    { time: formatTime(new Date()) });
			const seen = JSON.stringify([obs.items, approvals]);
			if (seen === last)
				return;
			last = seen;
			const had = body.contains(document.activeElement) ?
			    document.activeElement.getAttribute('href') : null;
			draw(obs.items, approvals);
			if (had)
				[...body.querySelectorAll('a')].find((a) =>
				    a.getAttribute('href') === had)?.focus();
		} catch (err) {
			if (signal.aborted)
				return;
			body.replaceChildren(isMissingRoute(err) ?
			    missingRoute(t('work.missing')) : errorBox(err));
		}
	}

	read();
	const timer = setInterval(read, REFRESH_MS);
	return () => {
		clearInterval(timer);
		drawing?.abort();
	};
}
