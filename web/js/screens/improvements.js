// screens/improvements.js: DoIT's oversight of improvement actions city
// wide (P31: after closure, open actions stay tracked), by due date, with
// the same list as CSV and XLSX downloads.
//
// GET /api/v1/improvements?state=&closed= answers a page of actions with
// their incident, agency and state at now; .csv and .xlsx take the same
// filters and answer an attachment, so plain links download them.

import { getAll, withQuery } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { errorBox, exerciseMark, field, loading, select, stateBadge, table }
    from '../ui.js';

export const title = 'impx.title';

const TONE = { overdue: 'bad', pending: 'neutral', met: 'ok',
    met_late: 'warn' };

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const state = select('state', ['open', 'done', 'all'].map((x) =>
	    ({ value: x, label: t(`impx.state_${x}`) })), { value: 'open' });
	const closed = select('closed', [
	    { value: '', label: t('common.all') },
	    { value: 'true', label: t('impx.closed_true') },
	    { value: 'false', label: t('impx.closed_false') }]);
	const csv = el('a', { class: 'btn', download: '',
	    text: t('impx.csv') });
	const xlsx = el('a', { class: 'btn', download: '',
	    text: t('impx.xlsx') });
	const body = el('div', {}, loading());
	root.append(el('h1', { text: t('impx.title') }),
	    el('p', { class: 'hint', text: t('impx.hint') }),
	    el('div', { class: 'toolbar' },
		field({ label: t('impx.state'), control: state }),
		field({ label: t('impx.closed'), control: closed }),
		csv, xlsx),
	    body);

	let current = null;
	async function load() {
		current?.abort();
		current = new AbortController();
		const sig = AbortSignal.any([signal, current.signal]);
		const q = { state: state.value, closed: closed.value };
		csv.href = withQuery('/api/v1/improvements.csv', q);
		xlsx.href = withQuery('/api/v1/improvements.xlsx', q);
		body.replaceChildren(loading());
		try {
			const [{ items, truncated }] = await Promise.all([
			    getAll(withQuery('/api/v1/improvements', q),
				{ signal: sig }), loadAgencies()]);
			body.replaceChildren(truncated ? el('p',
			    { class: 'notice', text: t('common.partial',
			    { n: items.length }) }) : '', table({
				caption: t('impx.caption', { n: items.length }),
				columns: [
				    { label: t('imp.due'), class: 'nowrap',
					cell: (a) => el('span', {}, a.due_on,
					' ', stateBadge('ostate', a.state,
					TONE[a.state])) },
				    { label: t('inc.agency'), cell: (a) =>
					a.agency_name ?? agencyName(a.agency) },
				    { label: t('impx.incident'), cell: (a) =>
					el('span', {}, el('a', { href:
					`#/incidents/${a.incident}`,
					text: a.incident_title ??
					String(a.incident) }), ' ',
					a.exercise ? exerciseMark() : '',
					a.incident_state === 'closed' ?
					el('span', { class: 'small muted',
					text: ` ${label('istate', 'closed')}` })
					: '') },
				    { label: t('imp.term'), cell: (a) =>
					label('term', a.term) },
				    { label: t('imp.item'), cell: (a) =>
					a.title },
				    { label: t('imp.owner'), cell: (a) =>
					a.owner },
				    { label: t('imp.status'), cell: (a) =>
					label('imp_status', a.status) }],
				rows: items,
				empty: t('imp.none'),
			    }));
		} catch (err) {
			if (!sig.aborted)
				body.replaceChildren(errorBox(err));
		}
	}
	state.addEventListener('change', load);
	closed.addEventListener('change', load);
	load();
	return () => current?.abort();
}
