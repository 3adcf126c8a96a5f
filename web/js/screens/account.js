// screens/account.js: the person's own account (issue 3): who they are,
// changing the password (POST /api/v1/me/password, which ends their other
// sessions) and API tokens for programs (POST /api/v1/tokens, shown once;
// DELETE /api/v1/tokens/{id}) and the notification preferences (issue 6,
// GET and PATCH /api/v1/me/notification-preferences).
//
// The server keeps no list of a person's tokens that it will show, so the
// screen lists those made here and revokes any other by its number, which
// the creating program or `tongbao token create` printed.

import { ApiError, del, get, patch, post } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { currentUser } from '../session.js';
import { busy, choices, clearFieldErrors, copyButton, errorBox, facts,
    field, formAlert, loading, panel, select, setFieldError, showFormError,
    table, timeText } from '../ui.js';

export const title = 'account.title';

// The server's rule (issue 3): at least 12 characters.
const PASSWORD_MIN = 12;

function passwordPanel(signal) {
	const current = el('input', { name: 'current_password',
	    type: 'password', autocomplete: 'current-password' });
	const next = el('input', { name: 'new_password', type: 'password',
	    autocomplete: 'new-password', minlength: String(PASSWORD_MIN),
	    maxlength: '256' });
	const again = el('input', { name: 'new_password_again',
	    type: 'password', autocomplete: 'new-password' });
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('account.change') });
	const alert = formAlert();
	const done = el('p', { class: 'notice notice-ok', role: 'status',
	    hidden: true });
	const form = el('form', { class: 'form', novalidate: '' }, alert, done,
	    field({ label: t('account.current'), control: current,
		required: true }),
	    field({ label: t('account.new'), control: next, required: true,
		hint: t('account.new_hint', { n: PASSWORD_MIN }) }),
	    field({ label: t('account.again'), control: again,
		required: true }),
	    el('div', { class: 'actions' }, submit));

	// As the person types the repeat, say at once whether it matches.
	function checkAgain() {
		const holder = again.closest('.field');
		const err = holder.querySelector('.field-error');
		const bad = again.value !== '' && again.value !== next.value;
		holder.classList.toggle('has-error', bad);
		err.hidden = !bad;
		err.textContent = bad ? t('account.mismatch') : '';
		if (bad)
			again.setAttribute('aria-invalid', 'true');
		else
			again.removeAttribute('aria-invalid');
	}
	again.addEventListener('input', checkAgain);
	next.addEventListener('input', () => {
		if (again.value !== '')
			checkAgain();
	});

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		done.hidden = true;
		const problems = [];
		if (current.value === '')
			problems.push(['current_password', t('form.missing')]);
		if (next.value.length < PASSWORD_MIN)
			problems.push(['new_password', t('account.too_short',
			    { n: PASSWORD_MIN })]);
		if (again.value !== next.value)
			problems.push(['new_password_again',
			    t('account.mismatch')]);
		if (problems.length > 0) {
			const first = problems.map(([n, m]) =>
			    setFieldError(form, n, m))[0];
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			first?.focus();
			return;
		}
		try {
			await busy(submit, () => post('/api/v1/me/password', {
			    current_password: current.value,
			    new_password: next.value }, { signal }));
			form.reset();
			done.hidden = false;
			done.textContent = t('account.changed');
		} catch (err) {
			if (signal.aborted)
				return;
			// The server names new_password for a weak one; a
			// wrong current password comes back as a 401 or 403.
			if (err instanceof ApiError && !err.field &&
			    (err.status === 401 || err.status === 403) &&
			    err.code !== 'csrf') {
				alert.hidden = false;
				alert.textContent = err.message;
				setFieldError(form, 'current_password',
				    err.message)?.focus();
				return;
			}
			showFormError(form, alert, err);
		}
	});
	return panel(t('account.password_heading'), [form]);
}

function tokenPanel(signal) {
	const made = [];	// {id, name, expires_at, revoked}
	const name = el('input', { name: 'name', type: 'text',
	    maxlength: '100' });
	const days = el('input', { name: 'expires_in_days', type: 'number',
	    min: '1', max: '366', value: '90', inputmode: 'numeric' });
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('account.token_create') });
	const alert = formAlert();
	const shown = el('div', { class: 'token-once', hidden: true });
	const form = el('form', { class: 'form form-row', novalidate: '' },
	    alert,
	    field({ label: t('account.token_name'), control: name,
		required: true, hint: t('account.token_name_hint') }),
	    field({ label: t('account.token_days'), control: days,
		hint: t('account.token_days_hint') }),
	    el('div', { class: 'actions' }, submit));
	const list = el('div', {});

	const revokeId = el('input', { name: 'id', type: 'text',
	    inputmode: 'numeric', pattern: '[0-9]+' });
	const revokeSubmit = el('button', { type: 'submit', class: 'btn',
	    text: t('account.token_revoke') });
	const revokeAlert = formAlert();
	const revokeDone = el('p', { class: 'notice notice-ok', role: 'status',
	    hidden: true });
	const revokeForm = el('form', { class: 'form form-row',
	    novalidate: '' }, revokeAlert, revokeDone,
	    field({ label: t('account.token_id'), control: revokeId,
		required: true, hint: t('account.token_id_hint') }),
	    el('div', { class: 'actions' }, revokeSubmit));

	async function revoke(id) {
		await del(`/api/v1/tokens/${encodeURIComponent(id)}`,
		    { signal });
		const m = made.find((x) => String(x.id) === String(id));
		if (m)
			m.revoked = true;
		drawList();
	}

	function drawList() {
		list.replaceChildren(table({
			caption: t('account.tokens_made'),
			columns: [
			    { label: t('account.token_id'),
				cell: (r) => String(r.id), numeric: true },
			    { label: t('account.token_name'),
				cell: (r) => r.name },
			    { label: t('account.token_expires'),
				cell: (r) => timeText(r.expires_at) },
			    { label: t('common.actions'), cell: (r) => {
				if (r.revoked)
					return t('account.token_revoked');
				const b = el('button', { type: 'button',
				    class: 'btn btn-small',
				    text: t('account.token_revoke') });
				b.setAttribute('aria-label',
				    t('account.token_revoke_named',
				    { name: r.name }));
				b.addEventListener('click', () => busy(b,
				    () => revoke(r.id)).catch((err) => {
					if (!signal.aborted)
						list.prepend(
						    el('p', { class:
						    'notice notice-error',
						    role: 'alert',
						    text: err.message }));
				    }));
				return b;
			    } },
			],
			rows: made,
			empty: t('account.tokens_none'),
		}));
	}

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		if (name.value.trim() === '') {
			setFieldError(form, 'name', t('form.missing'))?.focus();
			return;
		}
		const n = Number(days.value);
		if (!Number.isInteger(n) || n < 1 || n > 366) {
			setFieldError(form, 'expires_in_days',
			    t('account.token_days_bad'))?.focus();
			return;
		}
		try {
			const tok = await busy(submit, () => post(
			    '/api/v1/tokens', { name: name.value.trim(),
			    expires_in_days: n }, { signal }));
			made.push({ id: tok.id, name: tok.name,
			    expires_at: tok.expires_at });
			const code = el('code', { class: 'secret',
			    text: tok.token });
			shown.replaceChildren(
			    el('p', { class: 'notice notice-warn',
				role: 'status', text: t('account.token_once',
				{ name: tok.name }) }),
			    el('div', { class: 'secret-row' }, code,
				copyButton(() => tok.token)));
			shown.hidden = false;
			form.reset();
			days.value = '90';
			drawList();
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});

	revokeForm.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(revokeForm);
		revokeAlert.hidden = true;
		revokeDone.hidden = true;
		const id = revokeId.value.trim();
		if (!/^[0-9]+$/.test(id)) {
			setFieldError(revokeForm, 'id',
			    t('account.token_id_bad'))?.focus();
			return;
		}
		try {
			await busy(revokeSubmit, () => revoke(id));
			revokeDone.hidden = false;
			revokeDone.textContent = t('account.token_revoked_n',
			    { id });
			revokeForm.reset();
		} catch (err) {
			if (!signal.aborted)
				showFormError(revokeForm, revokeAlert,
				    err instanceof ApiError &&
				    err.status === 404 ? new ApiError(404,
				    err.code, t('account.token_unknown'),
				    'id') : err);
		}
	});

	drawList();
	return panel(t('account.tokens_heading'), [
	    el('p', { class: 'lead', text: t('account.tokens_intro') }),
	    form, shown, list,
	    el('h3', { text: t('account.revoke_heading') }), revokeForm]);
}

// The channels a person is told on and the language of what they are
// sent; the server holds them, null locale meaning the site's default.
function prefsPanel(signal) {
	const holder = el('div', {}, loading());

	function draw(prefs) {
		const alert = formAlert();
		const done = el('p', { class: 'notice notice-ok',
		    role: 'status', hidden: true });
		const channels = choices({ name: 'channels', type: 'checkbox',
		    legend: t('account.prefs_channels'),
		    options: ['email', 'webhook'].map((c) => ({ value: c,
			label: t(`account.prefs_${c}`) })),
		    value: ['email', 'webhook'].filter((c) => prefs[c]) });
		const locale = select('locale', [
		    { value: '', label: t('account.prefs_locale_default') },
		    { value: 'zh-TW', label: '中文（臺灣）' },
		    { value: 'en', label: 'English' }],
		    { value: prefs.locale ?? '' });
		const submit = el('button', { type: 'submit',
		    class: 'btn btn-primary', text: t('common.save') });
		const when = el('p', { class: 'small muted' });
		const stamp = (p) => when.replaceChildren(p.updated_at ?
		    el('span', {}, t('account.prefs_updated'), ' ',
		    timeText(p.updated_at)) : '');
		stamp(prefs);
		const form = el('form', { class: 'form', novalidate: '' },
		    alert, done, channels,
		    field({ label: t('account.prefs_locale'), control: locale,
			hint: t('account.prefs_locale_hint') }),
		    when,
		    el('div', { class: 'actions' }, submit));
		form.addEventListener('submit', async (event) => {
			event.preventDefault();
			clearFieldErrors(form);
			alert.hidden = true;
			done.hidden = true;
			const on = (c) => form.querySelector(
			    `input[name="channels"][value="${c}"]`).checked;
			try {
				const saved = await busy(submit, () => patch(
				    '/api/v1/me/notification-preferences',
				    { email: on('email'),
				    webhook: on('webhook'),
				    locale: locale.value || null },
				    { signal }));
				stamp(saved);
				done.hidden = false;
				done.textContent = t('account.prefs_saved');
			} catch (err) {
				if (!signal.aborted)
					showFormError(form, alert, err);
			}
		});
		holder.replaceChildren(form);
	}

	(async () => {
		try {
			draw(await get('/api/v1/me/notification-preferences',
			    { signal }));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	return panel(t('account.prefs_heading'), [
	    el('p', { class: 'lead', text: t('account.prefs_intro') }),
	    holder], { id: 'prefs-h' });
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const me = currentUser();
	const agency = el('span', { text: agencyName(me.agency) });
	loadAgencies().then(() => {
		agency.textContent = `${agencyName(me.agency)} (${me.agency})`;
	});
	root.append(
	    el('h1', { text: t('account.heading') }),
	    panel(t('account.me_heading'), [facts([
		[t('account.name'), me.name],
		[t('account.username'), me.username],
		[t('account.agency'), agency],
		[t('account.roles'), me.roles.map((r) => label('role', r))
		    .join(t('common.list_sep'))],
	    ])]),
	    passwordPanel(signal),
	    prefsPanel(signal),
	    tokenPanel(signal));
}
