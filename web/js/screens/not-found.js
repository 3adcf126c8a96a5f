// screens/not-found.js: what a hash that names no screen shows.

import { el } from '../dom.js';
import { t } from '../i18n.js';

export const title = 'app.not_found_title';

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { path }) {
	root.append(
	    el('h1', { text: t('app.not_found_title') }),
	    el('p', { text: t('app.not_found_body', { path }) }),
	    el('p', {}, el('a', { href: '#/', text: t('app.back_home') })));
}
