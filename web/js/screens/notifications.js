// screens/notifications.js: DoIT's dead letters (issue 6): messages that
// could not be delivered, oldest first, each with its recipient, incident
// and last error, and for DoIT's administrators a button that tries it
// again with a new retry window (POST /api/v1/notifications/{id}/retry).
//
// GET /api/v1/notifications/dead is DoIT's; the route is guarded by
// isDoit in app.js.

import { ApiError, getAll, post } from '../api.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { currentUser } from '../session.js';
import { busy, errorBox, loading, table, timeText } from '../ui.js';
import { deliveryCell, mayRetry, recipientCell } from
    './incident-evidence.js';

export const title = 'ntd.title';

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const me = currentUser();
	const said = el('p', { class: 'notice notice-ok', role: 'status',
	    tabindex: '-1', hidden: true });
	const body = el('div', {}, loading());
	root.append(el('h1', { text: t('ntd.title') }),
	    el('p', { class: 'hint', text: t('ntd.hint') }), said, body);

	async function retry(m, button) {
		said.hidden = true;
		try {
			await busy(button, () => post(`/api/v1/notifications/${
			    encodeURIComponent(m.id)}/retry`, undefined,
			    { signal }));
			said.textContent = t('ntd.retried', { subject:
			    m.subject });
			said.className = 'notice notice-ok';
		} catch (err) {
			if (signal.aborted)
				return;
			said.textContent = err instanceof ApiError ?
			    err.message : t('app.unexpected');
			said.className = 'notice notice-error';
		}
		said.hidden = false;
		await load();
		said.focus();
	}

	function actions(m) {
		if (!mayRetry(me))
			return '';
		const b = el('button', { type: 'button',
		    class: 'btn btn-small', text: t('ntd.retry'),
		    'aria-label': t('ntd.retry_named', { subject: m.subject,
		    who: m.recipient?.username ?? '' }) });
		b.addEventListener('click', () => retry(m, b));
		return b;
	}

	async function load() {
		try {
			const { items, truncated } = await getAll(
			    '/api/v1/notifications/dead', { signal });
			body.replaceChildren(
			    truncated ? el('p', { class: 'notice',
				text: t('common.partial',
				{ n: items.length }) }) : '',
			    table({
				caption: t('ntd.caption', { n: items.length }),
				columns: [
				    { label: t('nt.created'), class: 'nowrap',
					cell: (m) => timeText(m.created_at) },
				    { label: t('nt.kind'), cell: (m) =>
					label('nkind', m.kind) },
				    { label: t('nt.subject'), cell: (m) =>
					m.incident_id ? el('a', { href:
					`#/incidents/${m.incident_id}`,
					text: m.subject }) : m.subject },
				    { label: t('nt.recipient'),
					cell: recipientCell },
				    { label: t('nt.state'),
					cell: deliveryCell },
				    { label: t('common.actions'),
					class: 'nowrap', cell: actions }],
				rows: items,
				empty: t('ntd.none'),
			    }),
			    mayRetry(me) ? '' : el('p', { class: 'small muted',
				text: t('ntd.admin_only') }));
		} catch (err) {
			if (!signal.aborted)
				body.replaceChildren(errorBox(err));
		}
	}
	load();
}
