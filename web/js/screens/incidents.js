// screens/incidents.js: the incidents in the person's scope (issue 4):
// GET /api/v1/incidents?agency=&level=&state=&from=&to=&q=&cursor=, newest
// awareness first, filtered by agency (with its subtree), level, state,
// awareness dates (Taipei days) and words in the title or description.
// The filters live in the address (#/incidents?level=3), so a filtered
// list can be bookmarked and the back button undoes a filter.

import { get, withQuery } from '../api.js';
import { agencyList, agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { currentUser, mayReport } from '../session.js';
import { busy, errorBox, exerciseMark, field, isMissingRoute, levelBadge,
    loading, missingRoute, panel, select, stateBadge, table, timeText }
    from '../ui.js';
import { INCIDENT_STATES } from '../vocab.js';

export const title = 'list.title';

const PAGE = 50;
const FILTERS = ['q', 'agency', 'level', 'state', 'from', 'to'];

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { query, signal, navigate }) {
	const me = currentUser();
	const now = Object.fromEntries(FILTERS.map((k) =>
	    [k, query.get(k) ?? '']));

	const q = el('input', { type: 'search', name: 'q', value: now.q });
	const agency = select('agency', [], { blank: t('common.all') });
	const level = select('level', [1, 2, 3, 4].map((n) => ({ value: n,
	    label: t('level.badge', { n }) })), { value: now.level,
	    blank: t('common.all') });
	const state = select('state', INCIDENT_STATES.map((s) => ({ value: s,
	    label: label('istate', s) })), { value: now.state,
	    blank: t('common.all') });
	const from = el('input', { type: 'date', name: 'from',
	    value: now.from });
	const to = el('input', { type: 'date', name: 'to', value: now.to });
	const apply = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('common.filter') });
	const clear = el('a', { href: '#/incidents', class: 'btn',
	    text: t('common.clear') });
	const form = el('form', { class: 'form filters',
	    role: 'search', 'aria-label': t('list.filters') },
	    field({ label: t('list.q'), control: q }),
	    field({ label: t('list.agency'), control: agency }),
	    field({ label: t('list.level'), control: level }),
	    field({ label: t('list.state'), control: state }),
	    field({ label: t('list.from'), control: from }),
	    field({ label: t('list.to'), control: to }),
	    el('div', { class: 'actions' }, apply, clear));
	form.addEventListener('submit', (event) => {
		event.preventDefault();
		const params = {};
		for (const k of FILTERS)
			params[k] = form.elements[k].value.trim();
		navigate(withQuery('/incidents', params));
	});

	const rows = [];
	let cursor = null;
	const list = el('div', {}, loading());
	const more = el('button', { type: 'button', class: 'btn',
	    text: t('common.more'), hidden: true });
	const failure = el('div', {});

	function draw() {
		list.replaceChildren(table({
			caption: t('list.caption'),
			captionHidden: true,
			columns: [
			    { label: t('list.no'), numeric: true,
				cell: (i) => String(i.id) },
			    { label: t('list.incident'), cell: (i) => el('span',
				{ class: 'badges' }, el('a', { href:
				`#/incidents/${encodeURIComponent(i.id)}`,
				text: i.title }),
				i.exercise ? exerciseMark() : '') },
			    { label: t('list.level'), cell: (i) =>
				levelBadge(i.level ?? i.proposed_level) },
			    { label: t('list.state'), cell: (i) =>
				stateBadge('istate', i.state) },
			    { label: t('list.agency'),
				cell: (i) => agencyName(i.agency) },
			    { label: t('list.category'),
				cell: (i) => label('cat', i.category) },
			    { label: t('list.aware'), class: 'nowrap',
				cell: (i) => timeText(i.aware_at) },
			],
			rows,
			empty: t('list.none'),
		}));
		more.hidden = cursor === null;
	}

	async function readPage() {
		failure.replaceChildren();
		try {
			const page = await get(withQuery('/api/v1/incidents', {
			    q: now.q, agency: now.agency, level: now.level,
			    state: now.state, from: now.from, to: now.to,
			    limit: PAGE, cursor }),
			    { signal });
			rows.push(...page.items);
			cursor = page.next_cursor ?? null;
			draw();
		} catch (err) {
			if (signal.aborted)
				return;
			if (isMissingRoute(err))
				list.replaceChildren(missingRoute(
				    t('list.missing')));
			else
				failure.replaceChildren(errorBox(err));
		}
	}
	more.addEventListener('click', () => busy(more, readPage));

	root.append(
	    el('div', { class: 'screen-head' },
		el('h1', { text: t('list.heading') }),
		mayReport(me) ? el('a', { href: '#/report',
		    class: 'btn btn-primary', text: t('work.report') }) : ''),
	    panel(t('list.filters'), [form]),
	    panel(t('list.caption'), [failure, list,
		el('div', { class: 'actions' }, more)]));

	loadAgencies().then(() => {
		for (const a of agencyList())
			agency.append(el('option', { value: a.code,
			    text: `${agencyName(a.code)} (${a.code})` }));
		agency.value = now.agency;
		if (rows.length)
			draw();
	});
	readPage();
}
