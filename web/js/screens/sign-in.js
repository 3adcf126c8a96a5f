// screens/sign-in.js: signing in (POST /api/v1/session, issue 3).
//
// A wrong password says so without saying which of the two was wrong; a
// 429 says how long to wait, from Retry-After, and counts down until the
// button works again; a 422 points at the field the server named.  After
// signing in the person goes where they were sent from (?next=).

import { ApiError } from '../api.js';
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { safeNext } from '../router.js';
import { signIn } from '../session.js';
import { busy, clearFieldErrors, durationText, field, formAlert,
    setFieldError, showFormError } from '../ui.js';

export const title = 'signin.title';

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { query, navigate, signal }) {
	const username = el('input', { name: 'username', type: 'text',
	    autocomplete: 'username', autocapitalize: 'none',
	    spellcheck: 'false', maxlength: '63' });
	const password = el('input', { name: 'password', type: 'password',
	    autocomplete: 'current-password', maxlength: '256' });
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('signin.submit') });
	const alert = formAlert();
	// The wait, counted down: not a live region, which would speak every
	// second; focus goes to it once, so it is read once.
	const wait = el('p', { class: 'notice notice-warn', tabindex: '-1',
	    hidden: true });
	const form = el('form', { class: 'form signin-form', novalidate: '' },
	    alert, wait,
	    field({ label: t('signin.username'), control: username,
		required: true, hint: t('signin.username_hint') }),
	    field({ label: t('signin.password'), control: password,
		required: true }),
	    el('div', { class: 'actions' }, submit));

	root.append(
	    el('div', { class: 'signin' },
		el('h1', { text: t('signin.heading') }),
		el('p', { class: 'lead', text: t('signin.intro') }),
		el('div', { class: 'panel' }, form),
		el('p', { class: 'small' },
		    el('a', { href: '#/status', text: t('signin.status') }))));

	// While throttled the button waits, with the time left in words.
	let until = 0;
	let timer = 0;
	function showWait() {
		const left = until - Date.now();
		if (left <= 0) {
			wait.hidden = true;
			submit.disabled = false;
			clearInterval(timer);
			timer = 0;
			return;
		}
		// Whole seconds, rounded up: "0 s" would say it is over.
		const text = t('signin.throttled', { d: durationText(
		    Math.ceil(left / 1000) * 1000) });
		if (wait.textContent !== text)
			wait.textContent = text;
	}
	function throttle(seconds) {
		until = Date.now() + seconds * 1000;
		wait.hidden = false;
		submit.disabled = true;
		showWait();
		clearInterval(timer);
		timer = setInterval(showWait, 1000);
	}
	signal.addEventListener('abort', () => clearInterval(timer));

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		if (submit.disabled)
			return;
		clearFieldErrors(form);
		alert.hidden = true;
		// Say what is missing before asking the server.
		const missing = [[username, 'username'], [password, 'password']]
		    .filter(([c]) => c.value.trim() === '');
		if (missing.length > 0) {
			for (const [, name] of missing)
				setFieldError(form, name, t('form.missing'));
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			missing[0][0].focus();
			return;
		}
		try {
			await busy(submit, () => signIn(username.value.trim(),
			    password.value));
			navigate(safeNext(query.get('next')));
		} catch (err) {
			if (signal.aborted)
				return;
			password.value = '';
			if (err instanceof ApiError && err.status === 429) {
				throttle(err.retryAfter ?? 60);
				wait.focus();
				return;
			}
			if (err instanceof ApiError &&
			    err.code === 'invalid_credentials') {
				alert.hidden = false;
				alert.textContent = t('signin.wrong');
				setFieldError(form, 'password',
				    t('signin.wrong_field'));
				password.focus();
				return;
			}
			showFormError(form, alert, err);
		}
	});
}
