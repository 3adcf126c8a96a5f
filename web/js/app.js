// app.js: the entry module.  Fills the page shell in the chosen language,
// wires the language toggle and the in-page links, keeps the signed-in
// person's frame (shell.js) and starts the router.
//
// A new screen is one module under screens/, one row in ROUTES and one
// line in web/meson.build (every embedded file is listed there).  A route
// is for signed-in people unless it says public; allow(person) narrows it
// to some roles, and everyone else gets the "not for your role" screen
// (the server refuses them anyway; this only spares them the attempt).

import { onUnauthenticated } from './api.js';
import { forgetAgencies } from './agencies.js';
import { htmlLang, lang, onLangChange, setLang, translateTree } from
    './i18n.js';
import { parseHash, safeNext, startRouter } from './router.js';
import { currentUser, forget, isDoit, loadUser, mayReport, onUserChange }
    from './session.js';
import { startShell } from './shell.js';

const ROUTES = [
	{ path: '/sign-in', public: true,
	    load: () => import('./screens/sign-in.js') },
	{ path: '/status', public: true,
	    load: () => import('./screens/home.js') },
	{ path: '/', load: () => import('./screens/my-work.js') },
	{ path: '/report', allow: mayReport,
	    load: () => import('./screens/report.js') },
	{ path: '/incidents', load: () => import('./screens/incidents.js') },
	{ path: '/incidents/:id', load: () => import('./screens/incident.js') },
	{ path: '/city', allow: isDoit,
	    load: () => import('./screens/city.js') },
	{ path: '/agencies', load: () => import('./screens/agencies.js') },
	{ path: '/agencies/:code', load: () => import('./screens/agency.js') },
	{ path: '/users/:username', load: () => import('./screens/user.js') },
	{ path: '/improvements', allow: isDoit,
	    load: () => import('./screens/improvements.js') },
	{ path: '/compliance',
	    load: () => import('./screens/compliance.js') },
	{ path: '/roster', allow: isDoit,
	    load: () => import('./screens/roster.js') },
	{ path: '/notifications', allow: isDoit,
	    load: () => import('./screens/notifications.js') },
	{ path: '/audit', load: () => import('./screens/audit.js') },
	{ path: '/account', load: () => import('./screens/account.js') },
];
const NOT_FOUND = () => import('./screens/not-found.js');
const DENIED = () => import('./screens/denied.js');

const toggle = document.getElementById('lang-toggle');

function otherLang() {
	return lang() === 'zh-TW' ? 'en' : 'zh-TW';
}

// The toggle names the other language in that language, so its lang
// attribute is the other language's too.
function applyLang() {
	document.documentElement.lang = htmlLang();
	translateTree(document);
	toggle.lang = htmlLang(otherLang());
}

toggle.addEventListener('click', () => setLang(otherLang()));

// The skip link and the ::: access keys (U, C, Z, the convention of Taipei
// City sites) are in-page links.  Following them natively would put
// "#main" in place of the route, so they move focus themselves and leave
// the address alone.  Without JavaScript they still work as plain anchors.
document.addEventListener('click', (event) => {
	const a = event.target.closest?.('a[href^="#"]');
	if (!a)
		return;
	const href = a.getAttribute('href');
	if (href.startsWith('#/'))
		return;
	const target = document.getElementById(href.slice(1));
	if (!target)
		return;
	event.preventDefault();
	if (!target.hasAttribute('tabindex'))
		target.tabIndex = -1;
	target.focus();
});

function hereAsNext() {
	const { path, query } = parseHash(location.hash);
	const q = query.toString();
	return path + (q ? '?' + q : '');
}

// Signed-in people pass; others go to sign in and come back after.
async function guard(route, { path, query }) {
	const me = await loadUser();
	if (route.public) {
		if (route.path === '/sign-in' && me)
			return { redirect: safeNext(query.get('next')) };
		return null;
	}
	if (!me) {
		const q = query.toString();
		return { redirect: '/sign-in?next=' +
		    encodeURIComponent(path + (q ? '?' + q : '')) };
	}
	if (route.allow && !route.allow(me))
		return { load: DENIED };
	return null;
}

function navigate(to) {
	location.hash = '#' + to;
}

applyLang();
const shell = startShell({
	nav: document.getElementById('site-nav'),
	list: document.getElementById('site-nav-list'),
	who: document.getElementById('who'),
	navigate,
});
onUserChange(() => shell.update());

// A session that ends while the person works (idle or absolute expiry,
// signed out elsewhere) sends them to sign in and back to where they
// were; what they typed in the report wizard is kept as a draft.
onUnauthenticated(() => {
	if (!currentUser())
		return;
	forget();
	forgetAgencies();
	location.replace('#/sign-in?next=' + encodeURIComponent(hereAsNext()));
});

const router = startRouter({
	outlet: document.getElementById('view'),
	routes: ROUTES,
	notFound: NOT_FOUND,
	guard,
});
onLangChange(() => {
	applyLang();
	shell.update();
	router.refresh();
});
