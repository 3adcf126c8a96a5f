// router.js: hash routes ("#/", "#/incidents/42?tab=team"), one screen
// module per route under screens/ (STYLE.md 24).
//
// A screen module exports
//   title            the catalogue key of its name, for document.title;
//   mount(root, ctx) which builds the screen into ROOT (an empty element)
//                    and may return a function to call when it goes away.
// ctx holds path (the route part of the hash), params (the :names of the
// pattern, decoded), query (a URLSearchParams), signal (an AbortSignal
// aborted when the screen goes away: pass it to api.request() and stop
// timers on it) and navigate(path).  A language change mounts the screen
// again, so a screen builds its text with t() and needs no listener.
//
// Hashes that do not start with "#/" are in-page anchors and are left to
// the browser, so the skip link and the ::: access keys keep working.

import { t } from './i18n.js';

// Returns {path, query} of a location hash.  A hash that is not a route
// ("", "#", "#main" left by the skip link) means "/".
export function parseHash(hash) {
	const raw = hash.startsWith('#/') ? hash.slice(1) : '/';
	const q = raw.indexOf('?');
	const path = q < 0 ? raw : raw.slice(0, q);
	const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
	return { path, query };
}

// Returns the params of PATH when it matches PATTERN ("/a/:id"), else
// null.  A parameter matches one non-empty segment; a segment that does
// not decode does not match, rather than throwing.
export function matchPath(pattern, path) {
	const want = pattern.split('/');
	const got = path.split('/');
	if (want.length !== got.length)
		return null;
	const params = {};
	for (let i = 0; i < want.length; i++) {
		if (want[i].startsWith(':')) {
			if (got[i] === '')
				return null;
			try {
				params[want[i].slice(1)] =
				    decodeURIComponent(got[i]);
			} catch {
				return null;
			}
		} else if (want[i] !== got[i]) {
			return null;
		}
	}
	return params;
}

// Returns PATH when it is a route of ours to go to after signing in, else
// '/': a "next" taken from the address must not lead anywhere else.
export function safeNext(path) {
	return typeof path === 'string' && path.startsWith('/') &&
	    !path.startsWith('//') && !path.startsWith('/sign-in') ?
	    path : '/';
}

// Starts routing into OUTLET.  ROUTES is a list of {path, load, ...},
// where load() returns a promise of the screen module (a dynamic import,
// so a screen's code is fetched only when first shown); NOT_FOUND is the
// load of the screen for everything else.  GUARD, when given, is called
// as guard(route, {path, query}) before a route's screen is loaded and
// resolves to null (show it), {redirect: path} (go there instead, in
// place of this address) or {load} (show that screen instead, as for a
// person whose roles do not reach this one).  Returns {refresh, navigate}:
// refresh() mounts the current screen again (after a language change),
// navigate(path) goes to "#" + path.
export function startRouter({ outlet, routes, notFound, guard }) {
	let current = null;	// {controller, cleanup} of the screen shown
	let generation = 0;	// later navigations win over slower loads

	function unmount() {
		if (!current)
			return;
		current.controller.abort();
		current.cleanup?.();
		current = null;
	}

	function showFailure() {
		const p = document.createElement('p');
		p.className = 'notice notice-error';
		p.setAttribute('role', 'alert');
		p.textContent = t('app.load_failed');
		outlet.replaceChildren(p);
	}

	async function render({ moveFocus }) {
		const { path, query } = parseHash(location.hash);
		let load = notFound;
		let params = {};
		let matched = null;
		for (const route of routes) {
			const m = matchPath(route.path, path);
			if (m) {
				load = route.load;
				params = m;
				matched = route;
				break;
			}
		}
		const mine = ++generation;
		let screen;
		try {
			const verdict = matched && guard ?
			    await guard(matched, { path, query }) : null;
			if (mine !== generation)
				return;
			if (verdict?.redirect) {
				location.replace('#' + verdict.redirect);
				return;
			}
			if (verdict?.load)
				load = verdict.load;
			screen = await load();
		} catch {
			if (mine === generation) {
				unmount();
				showFailure();
			}
			return;
		}
		if (mine !== generation)
			return;

		unmount();
		const controller = new AbortController();
		const root = document.createElement('div');
		root.className = 'screen';
		outlet.replaceChildren(root);
		let cleanup;
		try {
			cleanup = screen.mount(root, { params, query, path,
			    signal: controller.signal, navigate });
		} catch (err) {
			// A broken screen must not leave a half-built one; the
			// error still reaches the console for the developer.
			controller.abort();
			showFailure();
			throw err;
		}
		current = { controller, cleanup };
		document.title = `${t(screen.title)}｜${t('app.name')}`;

		// After a navigation, focus goes to the new screen's heading so
		// a screen reader announces where the person now is; the first
		// load and a language change leave focus where it was.
		const h1 = root.querySelector('h1');
		if (moveFocus && h1) {
			h1.tabIndex = -1;
			h1.focus();
		}
	}

	function navigate(to) {
		location.hash = '#' + to;
	}

	window.addEventListener('hashchange', () => {
		if (!location.hash.startsWith('#/') && location.hash !== '')
			return;
		render({ moveFocus: true });
	});

	render({ moveFocus: false });
	return {
		refresh: () => render({ moveFocus: false }),
		navigate,
	};
}
