// screens/user.js: one person (issue 3): GET /api/v1/users/{username}, and
// for DoIT's administrator, or a CISO within its agency's subtree, their
// roles, contacts and whether the account is active (PATCH
// /api/v1/users/{username} with If-Match).

import { ApiError, get, patch } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { label, t } from '../i18n.js';
import { currentUser, hasRole } from '../session.js';
import { busy, choices, clearFieldErrors, errorBox, facts, field,
    formAlert, loading, panel, select, showFormError, timeText, uid } from
    '../ui.js';
import { EMPLOYMENT, ROLES } from '../vocab.js';

export const title = 'user.title';

const yes = (b) => (b ? t('common.yes') : t('common.no'));

function editForm(u, etag, { signal, onSaved }) {
	const text = (name, type = 'text') => el('input', { type, name,
	    value: u[name] ?? '' });
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('common.save') });
	const dedId = uid('c');
	const activeId = uid('c');
	const ded = el('input', { type: 'checkbox', name: 'dedicated_staff',
	    id: dedId });
	ded.checked = Boolean(u.dedicated_staff);
	const active = el('input', { type: 'checkbox', name: 'active',
	    id: activeId });
	active.checked = u.active !== false;
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    field({ label: t('user.name'), required: true,
		control: text('name') }),
	    field({ label: t('user.employment'), control: select('employment',
		EMPLOYMENT.map((x) => ({ value: x,
		label: label('employ', x) })), { value: u.employment }) }),
	    field({ label: t('user.email'), control: text('email', 'email') }),
	    field({ label: t('user.phone'), control: text('phone', 'tel') }),
	    field({ label: t('user.taipeion'), control: text('taipeion_id') }),
	    el('div', { class: 'choice wide' }, ded,
		el('label', { for: dedId, text: t('user.dedicated') })),
	    el('div', { class: 'choice wide' }, active,
		el('label', { for: activeId, text: t('user.active') })),
	    choices({ name: 'roles', type: 'checkbox',
		legend: t('user.roles'), options: ROLES.map((r) =>
		({ value: r, label: label('role', r) })),
		value: u.roles ?? [] }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const v = (n) => form.elements[n].value.trim();
		const next = {
			name: v('name'), employment: v('employment'),
			// "" clears a contact (the API's UserPatch).
			email: v('email'), phone: v('phone'),
			taipeion_id: v('taipeion_id'),
			dedicated_staff: ded.checked, active: active.checked,
			roles: [...form.querySelectorAll(
			    'input[name="roles"]:checked')].map((i) =>
			    i.value),
		};
		const body = {};
		for (const [k, x] of Object.entries(next))
			if (JSON.stringify(x) !== JSON.stringify(u[k] ??
			    (typeof x === 'string' ? '' : null)))
				body[k] = x;
		if (Object.keys(body).length === 0) {
			alert.hidden = false;
			alert.textContent = t('agency.nothing_changed');
			alert.focus();
			return;
		}
		try {
			await busy(submit, () => patch(`/api/v1/users/${
			    encodeURIComponent(u.username)}`, body, { signal,
			    headers: etag ? { 'If-Match': etag } : {} }));
			onSaved();
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'panel' },
	    el('summary', { text: t('user.edit') }), form);
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { params, signal }) {
	const me = currentUser();
	const h1 = el('h1', { text: t('user.title') });
	const body = el('div', {}, loading());
	root.append(h1, body);

	async function read() {
		let u, etag;
		try {
			({ body: u, etag } = await get(`/api/v1/users/${
			    encodeURIComponent(params.username)}`,
			    { signal, etag: true }));
			await loadAgencies();
		} catch (err) {
			if (signal.aborted)
				return;
			body.replaceChildren(err instanceof ApiError &&
			    err.status === 404 ? el('p', { class: 'notice',
			    text: t('user.not_found',
			    { username: params.username }) }) : errorBox(err));
			return;
		}
		h1.textContent = `${u.name} (${u.username})`;
		body.replaceChildren(
		    el('p', { class: 'small' }, el('a', { href: `#/agencies/${
			encodeURIComponent(u.agency)}`,
			text: agencyName(u.agency) })),
		    panel(t('user.record'), [facts([
			[t('user.username'), u.username],
			[t('user.name'), u.name],
			[t('account.agency'), agencyName(u.agency)],
			[t('user.roles'), (u.roles ?? []).map((r) =>
			    label('role', r)).join(t('common.list_sep')) ||
			    t('common.none')],
			[t('user.employment'), label('employ', u.employment)],
			[t('user.dedicated'), yes(u.dedicated_staff)],
			[t('user.email'), u.email ?? t('common.none')],
			[t('user.phone'), u.phone ?? t('common.none')],
			[t('user.taipeion'), u.taipeion_id ??
			    t('common.none')],
			[t('user.active'), yes(u.active !== false)],
			[t('user.created'), timeText(u.created_at)],
		    ])]),
		    hasRole(me, 'ciso') ? editForm(u, etag,
			{ signal, onSaved: read }) : '');
	}
	read();
}
