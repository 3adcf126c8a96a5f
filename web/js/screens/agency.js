// screens/agency.js: one agency (P2, P5-P9, issue 3): its record and
// roster summary (GET /api/v1/agencies/{code}), its people (GET
// /api/v1/users?agency=), its contact window and deputies; for DoIT's
// administrator, changing the record (PATCH with If-Match, so a change
// made meanwhile is refused rather than overwritten), adding people (POST
// /api/v1/users) and appointing the window or a deputy (POST
// /api/v1/agencies/{code}/contacts), which the server refuses with the
// rule named (P6: never a vendor's employee; dedicated staff first).

import { ApiError, del, get, getAll, patch, post, withQuery } from
    '../api.js';
import { agencyName, forgetAgencies, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { fromLocalInput, toLocalInput } from '../format.js';
import { label, t } from '../i18n.js';
import { currentUser, hasRole } from '../session.js';
import { busy, choices, clearFieldErrors, dateTimeField, errorBox, facts,
    field, formAlert, isMissingRoute, loading, panel, readDateTime, select,
    setFieldError, showFormError, stateBadge, table, timeText, uid } from
    '../ui.js';
import { EMPLOYMENT, ROLES } from '../vocab.js';
import { agencyFields, flagBadges, readAgencyForm } from './agencies.js';
import { contractsPanel, systemsPanel } from './agency-registry.js';

export const title = 'agency.title';

const yes = (b) => (b ? t('common.yes') : t('common.no'));

function editPanel(record, etag, { signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('common.save') });
	const activeId = uid('c');
	const active = el('input', { type: 'checkbox', name: 'active',
	    id: activeId });
	active.checked = record.active !== false;
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    ...agencyFields(record),
	    el('div', { class: 'choice wide' }, active,
		el('label', { for: activeId, text: t('agency.active') }),
		el('span', { class: 'hint', text: t('agency.active_hint') })),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = readAgencyForm(form, record);
		if (active.checked !== (record.active !== false))
			body.active = active.checked;
		if (Object.keys(body).length === 0) {
			alert.hidden = false;
			alert.textContent = t('agency.nothing_changed');
			alert.focus();
			return;
		}
		try {
			await busy(submit, () => patch(
			    `/api/v1/agencies/${encodeURIComponent(
			    record.code)}`, body, { signal,
			    headers: etag ? { 'If-Match': etag } : {} }));
			forgetAgencies();
			onSaved();
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'panel' },
	    el('summary', { text: t('agency.edit') }), form);
}

function userPanel(code, { signal, onSaved }) {
	const text = (name, type = 'text') => el('input', { type, name });
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('agency.user_create') });
	const dedId = uid('c');
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    field({ label: t('user.username'), required: true,
		hint: t('user.username_hint'), control: text('username') }),
	    field({ label: t('user.name'), required: true,
		control: text('name') }),
	    field({ label: t('user.employment'), control: select('employment',
		EMPLOYMENT.map((x) => ({ value: x,
		label: label('employ', x) })), { value: 'civil_servant' }) }),
	    field({ label: t('user.email'), control: text('email', 'email') }),
	    field({ label: t('user.phone'), control: text('phone', 'tel') }),
	    field({ label: t('user.taipeion'), control: text('taipeion_id') }),
	    field({ label: t('user.password'), hint: t('user.password_hint'),
		control: el('input', { type: 'password', name: 'password',
		autocomplete: 'new-password' }) }),
	    el('div', { class: 'choice wide' },
		el('input', { type: 'checkbox', name: 'dedicated_staff',
		    id: dedId }),
		el('label', { for: dedId, text: t('user.dedicated') })),
	    choices({ name: 'roles', type: 'checkbox',
		legend: t('user.roles'), options: ROLES.map((r) =>
		({ value: r, label: label('role', r) })) }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const v = (n) => form.elements[n].value.trim();
		const body = {
			username: v('username'), name: v('name'), agency: code,
			employment: v('employment'),
			dedicated_staff: form.elements.dedicated_staff.checked,
			roles: [...form.querySelectorAll(
			    'input[name="roles"]:checked')].map((i) =>
			    i.value),
		};
		for (const k of ['email', 'phone', 'taipeion_id'])
			if (v(k))
				body[k] = v(k);
		if (form.elements.password.value)
			body.password = form.elements.password.value;
		const missing = ['username', 'name'].filter((k) => !body[k]);
		if (missing.length) {
			missing.map((k) => setFieldError(form, k,
			    t('form.missing')))[0]?.focus();
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			return;
		}
		try {
			await busy(submit, () => post('/api/v1/users', body,
			    { signal }));
			form.reset();
			onSaved();
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'panel' },
	    el('summary', { text: t('agency.user_heading') }), form);
}

function contactPanel(code, people, { admin, signal, onSaved }) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('agency.contact_save') });
	const person = select('username', people.map((p) => ({
	    value: p.username, label: `${p.name} (${p.username})${
	    p.employment === 'vendor' ? `｜${label('employ', 'vendor')}` :
	    ''}${p.dedicated_staff ? `｜${t('user.dedicated_short')}` : ''}`
	    })), { blank: t('report.choose') });
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    field({ label: t('agency.contact_person'), control: person,
		required: true, hint: t('agency.contact_person_hint') }),
	    choices({ name: 'role', legend: t('agency.contact_role'),
		inline: true, required: true, options: [
		{ value: 'window', label: t('agency.window') },
		{ value: 'deputy', label: t('agency.deputy') }],
		value: ['window'] }),
	    dateTimeField({ name: 'effective_from', required: true,
		label: t('agency.effective_from'),
		hint: t('agency.effective_hint'),
		value: toLocalInput(new Date()) }),
	    // Only DoIT's administrator may say when DoIT was told (P8);
	    // for anyone else it is the moment of appointing.
	    admin ? dateTimeField({ name: 'notified_at',
		label: t('agency.notified_at'),
		hint: t('agency.notified_hint') }) : '',
	    dateTimeField({ name: 'access_ready_at',
		label: t('agency.access_ready_at'),
		hint: t('agency.access_ready_hint') }),
	    field({ label: t('agency.appointed_by'),
		hint: t('agency.appointed_by_hint'),
		control: el('input', { type: 'text', name: 'appointed_by' }) }),
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const body = { username: person.value,
		    role: form.querySelector('input[name="role"]:checked')
		    ?.value };
		const problems = [];
		if (!body.username)
			problems.push(['username', t('form.missing')]);
		for (const k of ['effective_from', 'notified_at',
		    'access_ready_at']) {
			if (!form.elements[`${k}_date`])
				continue;
			const raw = readDateTime(form, k);
			if (raw === '') {
				if (k === 'effective_from')
					problems.push([k, t('form.missing')]);
				continue;
			}
			const v = raw === null ? null : fromLocalInput(raw);
			if (!v)
				problems.push([k, t('form.bad_time')]);
			else
				body[k] = v;
		}
		const by = form.elements.appointed_by.value.trim();
		if (by)
			body.appointed_by = by;
		if (problems.length) {
			problems.map(([n, m]) => setFieldError(form, n, m))[0]
			    ?.focus();
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			return;
		}
		try {
			await busy(submit, () => post(
			    `/api/v1/agencies/${encodeURIComponent(code)}` +
			    '/contacts', body, { signal }));
			onSaved();
		} catch (err) {
			if (!signal.aborted)
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'panel' },
	    el('summary', { text: t('agency.contact_heading') }),
	    el('p', { class: 'hint', text: t('agency.contact_hint') }), form);
}

// The agency's window and deputy assignments: those in force first, the
// window before its deputies, then those to come and those ended, each
// with how to reach the person (P7); those who may appoint can also end
// one (it stays in the history).
const STATUS_ORDER = { in_force: 0, pending: 1, ended: 2 };

function contactsTable(items, { canEdit, code, signal, onSaved }) {
	const rows = [...items].sort((a, b) =>
	    (STATUS_ORDER[a.status] ?? 3) - (STATUS_ORDER[b.status] ?? 3) ||
	    (a.role === 'window' ? 0 : 1) - (b.role === 'window' ? 0 : 1) ||
	    Date.parse(b.effective_from) - Date.parse(a.effective_from));
	return table({
		caption: t('agency.contacts'),
		captionHidden: true,
		columns: [
		    { label: t('agency.contact_role'), class: 'nowrap',
			cell: (c) => c.role === 'window' ?
			t('agency.window') : t('agency.deputy') },
		    { label: t('user.name'), cell: (c) => el('a', { href:
			`#/users/${encodeURIComponent(c.username)}`,
			text: c.name ?? c.username }) },
		    { label: t('agency.reach'), cell: (c) => [c.phone, c.email,
			c.taipeion_id].filter(Boolean).join('｜') },
		    { label: t('agency.effective_from'), class: 'nowrap',
			cell: (c) => timeText(c.effective_from) },
		    // P9 asks it of deputies, who must be able to act.
		    { label: t('agency.access_ready_at'), cell: (c) =>
			c.access_ready ? timeText(c.access_ready_at) :
			c.role !== 'deputy' ? t('common.none') :
			el('span', { class: 'badge badge-warn',
			text: t('agency.not_ready') }) },
		    { label: t('agency.contact_status'), cell: (c) =>
			el('span', { class: 'badges' },
			    stateBadge('cstatus', c.status, c.status ===
				'in_force' ? 'ok' : 'neutral'),
			    c.late ? stateBadge('flag', 'window_change_late',
				'warn') : '',
			    c.dedicated_vacant ? stateBadge('flag',
				'dedicated_vacant', 'warn') : '',
			    c.appointed_by ? el('span', { class: 'small',
				text: t('agency.appointed_by_n',
				{ who: c.appointed_by }) }) : '') },
		    ...(canEdit ? [{ label: t('common.actions'),
			class: 'nowrap', cell: (c) => {
			if (c.status === 'ended')
				return c.ended_at ? timeText(c.ended_at) : '';
			const b = el('button', { type: 'button',
			    class: 'btn btn-small', text: t('agency.end') });
			b.setAttribute('aria-label', t('agency.end_named',
			    { name: c.name ?? c.username }));
			b.addEventListener('click', () => busy(b, async () => {
				await del(`/api/v1/agencies/${
				    encodeURIComponent(code)}/contacts/${
				    encodeURIComponent(c.id)}`, { signal });
				onSaved();
			}).catch((err) => {
				if (!signal.aborted)
					b.after(el('p', {
					    class: 'field-error',
					    role: 'alert',
					    text: err.message }));
			}));
			return b;
		    } }] : []),
		],
		rows,
		empty: t('agency.no_contacts'),
	});
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { params, signal }) {
	const me = currentUser();
	const admin = hasRole(me, 'doit_admin');
	// People and the roster: DoIT's administrator, or a CISO within its
	// agency's subtree (the server checks the subtree).
	const keeper = hasRole(me, 'ciso');
	const code = params.code;
	const h1 = el('h1', { text: t('agency.title') });
	const body = el('div', {}, loading());
	root.append(el('p', { class: 'small' }, el('a', { href: '#/agencies',
	    text: t('agency.back') })), h1, body);

	async function read() {
		let record, etag;
		try {
			({ body: record, etag } = await get(
			    `/api/v1/agencies/${encodeURIComponent(code)}`,
			    { signal, etag: true }));
			await loadAgencies();
		} catch (err) {
			if (signal.aborted)
				return;
			body.replaceChildren(err instanceof ApiError &&
			    err.status === 404 ? el('p', { class: 'notice',
			    text: t('agency.not_found', { code }) }) :
			    errorBox(err));
			return;
		}
		h1.textContent = agencyName(code) === code ? record.name :
		    agencyName(code);
		const reread = () => read();

		const summary = panel(t('agency.record'), [facts([
		    [t('agencies.code'), record.code],
		    [t('agencies.name'), record.name],
		    [t('agencies.name_en'), record.name_en ?? t('common.none')],
		    [t('agencies.type'), label('atype', record.type)],
		    [t('agencies.rlevel'), record.responsibility_level],
		    [t('agencies.superior'), record.superior ? el('a', {
			href: `#/agencies/${encodeURIComponent(
			record.superior)}`,
			text: agencyName(record.superior) }) :
			t('common.none')],
		    [t('agencies.supervisor'), record.supervisor ?
			agencyName(record.supervisor) : t('common.none')],
		    [t('agencies.reports_to_central'),
			yes(record.reports_to_central)],
		    [t('agencies.uses_city_mail'), yes(record.uses_city_mail)],
		    [t('agency.active'), yes(record.active !== false)],
		])]);
		const roster = panel(t('agency.roster'), [
		    el('p', {}, flagBadges(record)),
		    facts([
			[t('agency.has_window'), yes(record.has_window)],
			[t('agency.deputies'), t('agency.deputies_n', {
			    n: record.deputy_count ?? 0,
			    ready: record.deputy_ready_count ?? 0 })],
			[t('agency.dedicated'), t('agency.dedicated_n', {
			    n: record.dedicated_staff_count ?? 0,
			    required: record.dedicated_staff_required ?? 0 })],
		    ]),
		    el('div', { class: 'contacts' }, loading())]);
		const people = el('div', {}, loading());
		const adminParts = el('div', {});
		body.replaceChildren(summary, roster,
		    panel(t('agency.people'), [people]),
		    systemsPanel(code, { me, signal }),
		    contractsPanel(code, { me, signal }), adminParts);

		// The people of the agency, then what depends on them.
		let persons = [];
		try {
			persons = (await getAll(withQuery('/api/v1/users',
			    { agency: code }), { signal, max: 2000 })).items;
			people.replaceChildren(table({
				caption: t('agency.people'),
				captionHidden: true,
				columns: [
				    { label: t('user.name'), cell: (p) =>
					el('a', { href: `#/users/${
					encodeURIComponent(p.username)}`,
					text: p.name }) },
				    { label: t('user.username'),
					cell: (p) => p.username },
				    { label: t('user.roles'), cell: (p) =>
					(p.roles ?? []).map((r) => label('role',
					r)).join(t('common.list_sep')) },
				    { label: t('user.employment'), cell: (p) =>
					label('employ', p.employment) },
				    { label: t('user.dedicated_short'),
					cell: (p) => yes(p.dedicated_staff) },
				    { label: t('user.phone'),
					cell: (p) => p.phone ?? '' },
				],
				rows: persons,
				empty: t('agency.no_people'),
			}));
		} catch (err) {
			if (signal.aborted)
				return;
			people.replaceChildren(isMissingRoute(err) ?
			    el('p', { class: 'empty',
			    text: t('agency.people_missing') }) :
			    errorBox(err));
		}

		// The window and deputies in force, from the roster.
		const contacts = roster.querySelector('.contacts');
		try {
			const r = await getAll(`/api/v1/agencies/${
			    encodeURIComponent(code)}/contacts`, { signal });
			contacts.replaceChildren(contactsTable(r.items, {
			    canEdit: keeper, code, signal, onSaved: reread }));
		} catch (err) {
			if (signal.aborted)
				return;
			contacts.replaceChildren(isMissingRoute(err) ? '' :
			    errorBox(err));
		}

		adminParts.replaceChildren(
		    keeper ? contactPanel(code, persons, { admin, signal,
			onSaved: reread }) : '',
		    keeper ? userPanel(code, { signal, onSaved: reread }) : '',
		    admin ? editPanel(record, etag, { signal,
			onSaved: reread }) : '');
	}
	read();
}
