// screens/audit.js: the audit trail within the person's scope (P32,
// issue 3): GET /api/v1/audit?after=&limit= answers entries oldest first,
// {"items": [{seq, at, actor, agency, remote, action, object_type,
// object_id, before, after, prev_hash, hash}], "next_cursor"}.
//
// Pages are read on demand ("more"); the action filter narrows what has
// been read, and reading on while it is set goes on until a page shows
// something or the trail ends.  The trail is read-only here as in the API.

import { get, withQuery } from '../api.js';
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { busy, errorBox, panel, select, table, timeText } from '../ui.js';

export const title = 'audit.title';

const PAGE = 100;
// Reading on for a filter stops after this many pages without a match,
// so a rare action does not read the whole trail in one click.
const MAX_EMPTY_PAGES = 20;

function changeCell(e) {
	if (e.before === null && e.after === null)
		return '';
	const pre = (v) => el('pre', { class: 'json',
	    text: v === null || v === undefined ? '—' :
	    JSON.stringify(v, null, 2) });
	return el('details', {},
	    el('summary', { text: t('audit.show_change') }),
	    el('div', { class: 'change' },
		el('div', {}, el('h3', { class: 'h-small',
		    text: t('audit.before') }), pre(e.before)),
		el('div', {}, el('h3', { class: 'h-small',
		    text: t('audit.after') }), pre(e.after))),
	    el('p', { class: 'hash small' }, t('audit.hash'), ' ',
		el('code', { text: e.hash })));
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal, query }) {
	const entries = [];
	let cursor = null;	// the next page's "after", null at the end
	let started = false;
	let wanted = query.get('action') ?? '';

	const status = el('p', { class: 'panel-note', role: 'status' });
	const list = el('div', {});
	const more = el('button', { type: 'button', class: 'btn',
	    text: t('audit.more') });
	const filterBox = el('div', { class: 'field' });
	const failure = el('div', {});

	function actions() {
		return [...new Set(entries.map((e) => e.action))].sort();
	}

	function drawFilter() {
		const s = select('action', actions().map((a) =>
		    ({ value: a, label: a })), { value: wanted,
		    blank: t('audit.all_actions') });
		s.id = 'audit-action';
		s.addEventListener('change', () => {
			wanted = s.value;
			draw();
		});
		filterBox.replaceChildren(el('label', { for: s.id,
		    text: t('audit.filter') }), s);
	}

	function draw() {
		const shown = wanted ? entries.filter((e) =>
		    e.action === wanted) : entries;
		list.replaceChildren(table({
			caption: t('audit.caption'),
			captionHidden: true,
			columns: [
			    { label: t('audit.seq'), numeric: true,
				cell: (e) => String(e.seq) },
			    { label: t('audit.at'), cell: (e) => timeText(e.at),
				class: 'nowrap' },
			    { label: t('audit.actor'), cell: (e) => e.actor },
			    { label: t('audit.agency'),
				cell: (e) => e.agency ?? '' },
			    { label: t('audit.remote'),
				cell: (e) => e.remote ?? '' },
			    { label: t('audit.action'), cell: (e) =>
				el('code', { text: e.action }) },
			    { label: t('audit.object'), cell: (e) =>
				`${e.object_type}${e.object_id ?
				` ${e.object_id}` : ''}` },
			    { label: t('audit.change'), cell: changeCell },
			],
			rows: shown,
			empty: started ? t('audit.none') : t('app.loading'),
		}));
		status.textContent = t('audit.count', { shown: shown.length,
		    read: entries.length }) + (cursor === null && started ?
		    t('audit.at_end') : '');
		more.hidden = cursor === null && started;
		drawFilter();
	}

	async function readPage() {
		const page = await get(withQuery('/api/v1/audit',
		    { after: cursor, limit: PAGE }), { signal });
		started = true;
		entries.push(...page.items);
		cursor = page.next_cursor;
		return page.items;
	}

	async function readOn() {
		failure.replaceChildren();
		try {
			let empty = 0;
			for (;;) {
				const items = await readPage();
				if (!wanted || cursor === null ||
				    items.some((e) => e.action === wanted) ||
				    ++empty >= MAX_EMPTY_PAGES)
					break;
			}
		} catch (err) {
			if (signal.aborted)
				return;
			failure.replaceChildren(errorBox(err));
		}
		draw();
	}

	more.addEventListener('click', () => busy(more, readOn));

	root.append(
	    el('h1', { text: t('audit.heading') }),
	    el('p', { class: 'lead', text: t('audit.intro') }),
	    panel(t('audit.entries'), [
		el('div', { class: 'toolbar' }, filterBox, status),
		failure, list,
		el('div', { class: 'actions' }, more)]));
	draw();
	readOn();
}
