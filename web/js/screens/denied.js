// screens/denied.js: what a route shows to a person whose roles do not
// reach it (the city view and the roster are DoIT's).  The server would
// refuse the requests anyway; this says so before any is made.

import { el } from '../dom.js';
import { t } from '../i18n.js';

export const title = 'app.denied_title';

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root) {
	root.append(
	    el('h1', { text: t('app.denied_title') }),
	    el('p', { text: t('app.denied_body') }),
	    el('p', {}, el('a', { href: '#/', text: t('app.back_home') })));
}
