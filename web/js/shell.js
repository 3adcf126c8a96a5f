// shell.js: the frame around every screen once a person has signed in:
// who they are (name, agency, roles), the screens their roles reach, and
// signing out.  The language toggle is app.js's and stays in the header
// for everyone.

import { agencyName, forgetAgencies, loadAgencies } from './agencies.js';
import { el } from './dom.js';
import { label, t } from './i18n.js';
import { parseHash } from './router.js';
import { currentUser, isDoit, mayReport, signOut } from './session.js';

// The screens in the menu, with who sees them.  Every signed-in person
// sees their work, incidents, agencies, the audit trail and their
// account; the city view and the roster are DoIT's.
const MENU = [
	{ path: '/', key: 'nav.work' },
	{ path: '/report', key: 'nav.report', allow: mayReport },
	{ path: '/incidents', key: 'nav.incidents' },
	{ path: '/city', key: 'nav.city', allow: isDoit },
	{ path: '/agencies', key: 'nav.agencies' },
	{ path: '/improvements', key: 'nav.improvements', allow: isDoit },
	{ path: '/compliance', key: 'nav.compliance', allow: isDoit },
	{ path: '/roster', key: 'nav.roster', allow: isDoit },
	{ path: '/notifications', key: 'nav.notifications', allow: isDoit },
	{ path: '/audit', key: 'nav.audit' },
	{ path: '/account', key: 'nav.account' },
];

// Returns the menu entries PERSON may use.
export function menuFor(person) {
	return MENU.filter((m) => !m.allow || m.allow(person));
}

// The path of the menu entry that the route PATH belongs to.
function sectionOf(path) {
	let best = '/';
	for (const m of MENU)
		if (m.path !== '/' && (path === m.path ||
		    path.startsWith(m.path + '/')) &&
		    m.path.length > best.length)
			best = m.path;
	if (best === '/' && path.startsWith('/incidents/'))
		best = '/incidents';
	return best;
}

// Starts the shell in NAV (the menu's <nav>, its entries drawn into
// LIST) and WHO (the person's box): drawn
// now and on every call of the returned update().
export function startShell({ nav, list, who, navigate }) {
	function markCurrent() {
		const { path } = parseHash(location.hash);
		const here = sectionOf(path);
		for (const a of nav.querySelectorAll('a')) {
			if (a.dataset.path === here)
				a.setAttribute('aria-current', 'page');
			else
				a.removeAttribute('aria-current');
		}
	}

	function draw() {
		const me = currentUser();
		nav.hidden = !me;
		who.hidden = !me;
		if (!me) {
			list.replaceChildren();
			who.replaceChildren();
			return;
		}
		nav.setAttribute('aria-label', t('nav.label'));
		list.replaceChildren(el('ul', {}, ...menuFor(me).map((m) =>
		    el('li', {}, el('a', { href: '#' + m.path,
			'data-path': m.path, text: t(m.key) })))));
		markCurrent();

		const out = el('button', { type: 'button', class: 'btn-link',
		    text: t('nav.sign_out') });
		out.addEventListener('click', async () => {
			out.disabled = true;
			try {
				await signOut();
			} catch {
				// Forgotten here all the same (session.js).
			}
			forgetAgencies();
			navigate('/sign-in');
		});
		const agency = el('span', { class: 'who-agency',
		    text: agencyName(me.agency) });
		who.replaceChildren(
		    el('span', { class: 'who-name' },
			el('span', { class: 'visually-hidden',
			    text: t('nav.signed_in_as') }),
			el('a', { href: '#/account', text: me.name })),
		    agency,
		    el('span', { class: 'who-roles',
			text: me.roles.map((r) => label('role', r))
			    .join(t('common.list_sep')) }),
		    out);
		// The agency's name arrives after the first drawing.
		loadAgencies().then(() => {
			if (currentUser() === me)
				agency.textContent = agencyName(me.agency);
		});
	}

	window.addEventListener('hashchange', markCurrent);
	draw();
	return { update: draw };
}
