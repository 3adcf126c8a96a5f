// screens/home.js: the status screen (#/status, open to everyone), with
// the live health of the server.
//
// It asks GET /healthz every few seconds, which answers
// {"status":"ok","store":"ok","version":"0.1.0","time":"...+08:00"}, and an
// error status with the same shape when the store fails (issue 2, 3).
// Only the one-line summary is a live region, and it is written only when
// it changes, so a screen reader hears "正常" or "異常" once per change and
// not every poll.

import { get, ApiError } from '../api.js';
import { el } from '../dom.js';
import { formatDateTime, formatTime } from '../format.js';
import { t } from '../i18n.js';
import { currentUser } from '../session.js';

export const title = 'home.title';

// Often enough that an outage shows within seconds; the answer is tiny.
const POLL_MS = 5000;
// A health check that takes longer than this is itself a bad sign.
const HEALTH_TIMEOUT_MS = 4000;

function fact(label) {
	const dd = el('dd', { text: t('home.unknown') });
	return { row: el('div', {}, el('dt', { text: label }), dd), dd };
}

// Builds the home screen into ROOT and starts polling until SIGNAL aborts;
// the contract is router.js's.
export function mount(root, { signal }) {
	const summary = el('span', { class: 'status-text',
	    text: t('home.status_checking') });
	const live = el('p', { class: 'status', role: 'status',
	    'aria-live': 'polite', 'data-state': 'checking' },
	    el('span', { class: 'status-dot', 'aria-hidden': 'true' }),
	    summary);
	const store = fact(t('home.store'));
	const version = fact(t('home.version'));
	const serverTime = fact(t('home.server_time'));
	const checked = fact(t('home.checked_at'));
	const detail = el('p', { class: 'status-detail', hidden: true });

	root.append(
	    el('h1', { text: t('home.heading') }),
	    el('p', { class: 'lead', text: t('home.intro') }),
	    currentUser() ? '' : el('p', {}, el('a', { href: '#/sign-in',
		class: 'btn btn-primary', text: t('home.sign_in') })),
	    el('section', { class: 'panel',
		'aria-labelledby': 'status-heading' },
		el('div', { class: 'panel-head' },
		    el('h2', { id: 'status-heading',
			text: t('home.status_heading') }),
		    el('p', { class: 'panel-note', text: t('home.status_note',
			{ seconds: POLL_MS / 1000 }) })),
		live,
		el('dl', { class: 'facts' }, store.row, version.row,
		    serverTime.row, checked.row),
		detail));

	function show(state, health, problem) {
		const text = t(state === 'ok' ? 'home.status_ok' :
		    'home.status_bad');
		if (summary.textContent !== text)
			summary.textContent = text;
		live.dataset.state = state;
		const s = health?.store;
		store.dd.textContent = s === undefined ?
		    t('home.store_unknown') :
		    t(s === 'ok' ? 'home.store_ok' : 'home.store_bad');
		store.dd.dataset.state = s === undefined ? 'unknown' :
		    s === 'ok' ? 'ok' : 'bad';
		if (typeof health?.version === 'string')
			version.dd.textContent = health.version;
		serverTime.dd.textContent = formatDateTime(health?.time) ??
		    t('home.unknown');
		checked.dd.textContent = formatTime(new Date());
		detail.hidden = !problem;
		detail.textContent = problem ?? '';
	}

	async function check() {
		try {
			const h = await get('/healthz', { signal,
			    timeoutMs: HEALTH_TIMEOUT_MS });
			show(h?.status === 'ok' ? 'ok' : 'bad', h, null);
		} catch (err) {
			if (signal.aborted)
				return;
			if (!(err instanceof ApiError))
				throw err;
			// A 503 from /healthz carries the health shape; any
			// other failure says why in err.message.
			if (typeof err.body?.status === 'string')
				show('bad', err.body, null);
			else
				show('bad', null, err.message);
		}
	}

	let timer = 0;
	let busy = false;
	async function tick() {
		clearTimeout(timer);
		// A check already on its way schedules the next one itself.
		if (busy)
			return;
		busy = true;
		try {
			if (!document.hidden)
				await check();
		} finally {
			busy = false;
		}
		if (!signal.aborted)
			timer = setTimeout(tick, POLL_MS);
	}

	// A tab in the background does not poll; coming back checks at once
	// so what the person sees is never older than one answer.
	function onVisible() {
		if (document.hidden)
			return;
		tick();
	}
	document.addEventListener('visibilitychange', onVisible);
	tick();

	return () => {
		clearTimeout(timer);
		document.removeEventListener('visibilitychange', onVisible);
	};
}
