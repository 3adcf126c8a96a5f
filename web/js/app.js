// app.js: the entry module.  Fills the page shell in the chosen language,
// wires the language toggle and the in-page links, and starts the router.
//
// A new screen is one module under screens/, one row in ROUTES and one
// line in web/meson.build (every embedded file is listed there).

import { htmlLang, lang, onLangChange, setLang, translateTree } from
    './i18n.js';
import { startRouter } from './router.js';

const ROUTES = [
	{ path: '/', load: () => import('./screens/home.js') },
];
const NOT_FOUND = () => import('./screens/not-found.js');

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

applyLang();
const router = startRouter({
	outlet: document.getElementById('view'),
	routes: ROUTES,
	notFound: NOT_FOUND,
});
onLangChange(() => {
	applyLang();
	router.refresh();
});
