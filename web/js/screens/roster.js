// screens/roster.js: DoIT's city-wide roster of contact windows and
// deputies (P5-P9, issue 3): GET /api/v1/contacts/roster, one row per
// active agency with its window, deputies and flags, and the same roster
// as CSV (GET /api/v1/contacts/roster.csv, headers in the language asked
// for), saved as a file.  Windows are reachable 24/7 (P7), so their
// phone, e-mail and TaipeiON are on the row.

import { getAll, request, withQuery } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { busy, errorBox, field, isMissingRoute, loading, missingRoute,
    panel, select, table, timeText } from '../ui.js';
import { ROSTER_FLAGS } from '../vocab.js';
import { flagBadges } from './agencies.js';

export const title = 'roster.title';

function person(p) {
	if (!p)
		return el('span', { class: 'badge badge-warn',
		    text: t('roster.vacant') });
	return el('div', {},
	    el('a', { href: `#/users/${encodeURIComponent(p.username)}`,
		text: p.name ?? p.username }),
	    el('div', { class: 'small muted' }, [p.phone, p.email,
		p.taipeion_id].filter(Boolean).join('｜')));
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const list = el('div', {}, loading());
	const status = el('p', { class: 'panel-note', role: 'status' });
	const only = select('flag', ROSTER_FLAGS.map((f) => ({ value: f,
	    label: label('flag', f) })), { blank: t('roster.all') });
	only.id = 'roster-flag';
	const codeOf = (r) => r.agency?.code ?? r.agency;
	const download = el('button', { type: 'button', class: 'btn',
	    text: t('roster.csv') });
	const saidCsv = el('span', { class: 'copy-said', role: 'status' });
	let items = [];

	function draw() {
		const rows = only.value ? items.filter((r) =>
		    r.flags?.[only.value]) : items;
		status.textContent = t('roster.count', { n: rows.length,
		    all: items.length });
		list.replaceChildren(table({
			caption: t('roster.caption'),
			captionHidden: true,
			columns: [
			    { label: t('roster.agency'), cell: (r) => el('div',
				{}, el('a', { href: `#/agencies/${
				encodeURIComponent(codeOf(r))}`,
				text: agencyName(codeOf(r)) }),
				el('div', { class: 'small muted', text:
				`${codeOf(r)}｜${t('agencies.rlevel')} ${
				r.agency?.responsibility_level ?? ''}` })) },
			    { label: t('roster.window'),
				cell: (r) => person(r.window) },
			    { label: t('roster.deputies'), cell: (r) =>
				(r.deputies ?? []).length === 0 ?
				person(null) : el('div', {},
				...r.deputies.map((d) => el('div',
				{ class: 'deputy' }, person(d), d.ready ?
				el('span', { class: 'small muted' },
				t('roster.ready_at'), ' ',
				timeText(d.access_ready_at)) :
				el('span', { class: 'badge badge-warn',
				text: t('agency.not_ready') })))) },
			    { label: t('agencies.flags'), cell: flagBadges },
			],
			rows,
			empty: t('roster.none'),
		}));
	}
	only.addEventListener('input', draw);

	download.addEventListener('click', () => busy(download, async () => {
		saidCsv.textContent = '';
		try {
			const { text } = await request('GET', withQuery(
			    '/api/v1/contacts/roster.csv',
			    { flag: only.value }), { signal, raw: true,
			    accept: 'text/csv' });
			// Decoding dropped the byte order mark Excel needs to
			// read UTF-8; it goes back in front.
			const url = URL.createObjectURL(new Blob(['\ufeff' +
			    text.replace(/^\ufeff/, '')],
			    { type: 'text/csv;charset=utf-8' }));
			const a = el('a', { href: url,
			    download: 'tongbao-roster.csv' });
			document.body.append(a);
			a.click();
			a.remove();
			setTimeout(() => URL.revokeObjectURL(url), 10000);
			saidCsv.textContent = t('roster.csv_done');
		} catch (err) {
			if (!signal.aborted)
				saidCsv.textContent = err.message;
		}
	}));

	root.append(
	    el('h1', { text: t('roster.heading') }),
	    el('p', { class: 'lead', text: t('roster.intro') }),
	    panel(t('roster.list'), [
		el('div', { class: 'toolbar' },
		    field({ label: t('roster.only'), control: only }),
		    el('div', { class: 'copy' }, download, saidCsv), status),
		list]));

	Promise.all([getAll('/api/v1/contacts/roster', { signal,
	    max: 20000 }), loadAgencies()]).then(([r]) => {
		items = r.items;
		draw();
	}).catch((err) => {
		if (signal.aborted)
			return;
		list.replaceChildren(isMissingRoute(err) ?
		    missingRoute(t('roster.missing')) : errorBox(err));
	});
}
