// screens/incident-evidence.js: the panels of the incident page for what
// was kept (issue 5 §2, P25-P27) and for what was sent about it (issue 6):
// the preservation path of each affected system with its steps, the
// evidence items with their chain of custody, downloads and the
// suspected-malware mark with its VirusCheck submission, and the messages
// with their delivery state.  Not a route of its own: incident.js draws
// these into its page.
//
// An upload is the raw file as the body of POST .../evidence?name=, sent
// with XMLHttpRequest for its upload progress events (fetch has none);
// the server streams it to disk and hashes it on the way.  A download is
// a plain link to the item's content_url, always an attachment.

import { ApiError, get, getAll, newKey, post, withQuery } from '../api.js';
import { el } from '../dom.js';
import { fromLocalInput } from '../format.js';
import { CATALOGUES, htmlLang, label, lang, t } from '../i18n.js';
import { hasRole } from '../session.js';
import { busy, clearFieldErrors, dateTimeField, errorBox, facts, field,
    formAlert, loading, panel, readDateTime, select, setFieldError,
    showFormError, stateBadge, table, timeText } from '../ui.js';

const PATHS = ['no_standby', 'standby', 'standby_hit'];

function incidentPath(inc, tail) {
	return `/api/v1/incidents/${encodeURIComponent(inc.id)}/${tail}`;
}

// Returns true when ME may add to the evidence of INC: its own agency's
// people (a vendor alone never) and DoIT's administrators; the server's
// scope rule decides in the end (404 outside it).
export function mayKeepEvidence(me, inc) {
	if (!me || vendorOnly(me))
		return false;
	return me.agency === inc.agency || me.roles.includes('doit_admin');
}

// A vendor alone sees no evidence (the server answers 404), so the page
// does not ask.
function vendorOnly(me) {
	return me.roles.length > 0 && me.roles.every((r) => r === 'vendor');
}

// Returns "1.5 MB" for N bytes (powers of 1024, as file managers count).
export function sizeText(n) {
	if (!Number.isInteger(n))
		return t('common.none');
	if (n < 1024)
		return t('ev.bytes', { n });
	const units = ['KB', 'MB', 'GB', 'TB'];
	let v = n / 1024;
	let i = 0;
	while (v >= 1024 && i < units.length - 1) {
		v /= 1024;
		i += 1;
	}
	return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

// The P27 warning in both languages at once, the page's language first:
// it must reach whoever handles the file, whichever language they read.
export function malwareWarning() {
	const other = lang() === 'zh-TW' ? 'en' : 'zh-TW';
	return el('div', { class: 'notice notice-warn p27-warning',
	    role: 'note', 'aria-label': t('ev.p27_label') },
	    el('p', { class: 'p27-head', text: t('ev.p27') }),
	    el('p', { lang: htmlLang(other),
		text: CATALOGUES[other]['ev.p27'] }));
}

// Reads dateTimeField NAME of FORM as RFC 3339 Taipei time: '' when left
// empty, null (after marking the field) when it is not a time.
function formTime(form, name) {
	const v = readDateTime(form, name);
	if (v === '')
		return '';
	const out = v === null ? null : fromLocalInput(v);
	if (out === null)
		setFieldError(form, name, t('form.bad_time'))?.focus();
	return out;
}

// A small form inside a <details>: SUMMARY, CONTROLS, SUBMIT text; SEND(form)
// does the request and returns a message for ONDONE, or null when it
// marked a field itself.
function detailsForm(summary, controls, submitText, send, onDone) {
	const alert = formAlert();
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: submitText });
	const form = el('form', { class: 'form', novalidate: '' }, alert,
	    ...controls, el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		try {
			const msg = await busy(submit, () => send(form));
			if (msg !== null)
				onDone(msg);
		} catch (err) {
			if (err?.name !== 'AbortError')
				showFormError(form, alert, err);
		}
	});
	return el('details', { class: 'dc-form' },
	    el('summary', { text: summary }), form);
}

// ------------------------------------------------------------------
// Preservation paths (P25)

function stepsTable(p) {
	return table({
		caption: t('pres.steps_of', { system: p.system }),
		captionHidden: true,
		columns: [
		    { label: t('pres.stage'), numeric: true,
			cell: (s) => String(s.stage) },
		    { label: t('pres.step'), rowHeader: true, cell: (s) =>
			el('span', {}, s.label, s.any_of_stage ?
			el('span', { class: 'small muted',
			    text: ` ${t('pres.any_of')}` }) : '') },
		    { label: t('pres.done'), cell: (s) => el('span', {},
			stateBadge('pres_done', s.done ? 'yes' : 'no',
			    s.done ? 'ok' : 'neutral'),
			s.out_of_order ? el('span', { class: 'badge badge-warn',
			    text: t('pres.out_of_order') }) : '') },
		    { label: t('pres.at'), class: 'nowrap', cell: (s) =>
			s.at ? timeText(s.at) : '' },
		    { label: t('pres.by'), cell: (s) => s.recorded_by ?? '' },
		    { label: t('pres.note'), cell: (s) => s.note ?? '' }],
		rows: p.steps ?? [],
	});
}

function stepForm(inc, p, { signal, onDone }) {
	const open = (p.steps ?? []).filter((s) => !s.done);
	if (open.length === 0)
		return '';
	const step = select('step', open.map((s) => ({ value: s.step,
	    label: s.label })), { value: p.next ?? open[0].step });
	const note = el('textarea', { name: 'note', rows: '2',
	    maxlength: '2000' });
	return detailsForm(t('pres.record_step', { system: p.system }), [
	    field({ label: t('pres.step'), control: step, required: true }),
	    dateTimeField({ name: 'at', label: t('pres.at'),
		hint: t('pres.at_hint') }),
	    field({ label: t('pres.note'), control: note, wide: true })],
	    t('pres.record'), async (form) => {
		const at = formTime(form, 'at');
		if (at === null)
			return null;
		const body = { step: step.value };
		if (at)
			body.at = at;
		if (note.value.trim())
			body.note = note.value.trim();
		await post(incidentPath(inc, `preservation/${
		    encodeURIComponent(p.id)}/steps`), body,
		    { signal, idempotencyKey: newKey() });
		return t('pres.recorded', { step: step.selectedOptions[0]
		    ?.textContent ?? step.value, system: p.system });
	}, onDone);
}

function pathForm(inc, { signal, onDone }) {
	const system = el('input', { type: 'text', name: 'system',
	    maxlength: '200' });
	const path = select('path', PATHS.map((x) => ({ value: x,
	    label: label('pres_path', x) })));
	return detailsForm(t('pres.add'), [
	    field({ label: t('pres.system'), control: system, required: true,
		hint: t('pres.system_hint') }),
	    field({ label: t('pres.path'), control: path, required: true,
		hint: t('pres.path_hint') })],
	    t('pres.add_submit'), async (form) => {
		if (system.value.trim() === '') {
			setFieldError(form, 'system', t('form.missing'))
			    ?.focus();
			return null;
		}
		const made = await post(incidentPath(inc, 'preservation'),
		    { system: system.value.trim(), path: path.value },
		    { signal, idempotencyKey: newKey() });
		return t('pres.added', { system: made.system });
	}, onDone);
}

// The preservation panel of incident INC for person ME.  ONCHANGED(msg)
// is called after something was recorded.
export function preservationPanel(inc, { me, signal, onChanged }) {
	const holder = el('div', {}, loading());
	const mayAct = mayKeepEvidence(me, inc) && inc.state !== 'closed';
	const ctx = { signal, onDone: (msg) => onChanged?.(msg) };

	function draw(items) {
		holder.replaceChildren(...(items.length === 0 ?
		    [el('p', { class: 'empty', text: t('pres.none') })] :
		    items.map((p) => el('article', { class: 'pres-path' },
			el('h3', {}, `${p.system}：${p.path_label ??
			    label('pres_path', p.path)}`),
			el('p', { class: 'small' },
			    stateBadge('pres_complete', p.complete ? 'yes' :
				'no', p.complete ? 'ok' : 'warn'), ' ',
			    p.next ? t('pres.next', { step: p.steps.find(
				(s) => s.step === p.next)?.label ?? p.next }) :
				''),
			stepsTable(p),
			mayAct ? stepForm(inc, p, ctx) : ''))),
		    mayAct ? pathForm(inc, ctx) : '');
	}

	if (vendorOnly(me))
		return '';
	(async () => {
		try {
			const { items } = await getAll(incidentPath(inc,
			    'preservation'), { signal });
			draw(items);
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	return panel(t('pres.title'), [
	    el('p', { class: 'hint', text: t('pres.hint') }), holder],
	    { id: 'preservation-h' });
}

// ------------------------------------------------------------------
// Evidence items (P26, P27)

// Sends FILE as the raw body of an upload to incident INC under NAME,
// calling ONPROGRESS(fraction) as it goes.  Resolves to the item made;
// rejects with ApiError as request() does (status 0 when no answer came).
// IDEMPOTENCYKEY, when given, goes as Idempotency-Key: the same upload
// sent again after its answer was lost stores the file once.
export function uploadFile(inc, file, { name, what, malware, onProgress,
    signal, idempotencyKey }) {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const url = withQuery(incidentPath(inc, 'evidence'),
		    { name, what, suspected_malware: malware ? 'true' :
		    undefined });
		xhr.open('POST', url);
		xhr.setRequestHeader('Accept', 'application/json');
		xhr.setRequestHeader('Accept-Language', lang());
		xhr.setRequestHeader('Content-Type',
		    'application/octet-stream');
		if (idempotencyKey)
			xhr.setRequestHeader('Idempotency-Key',
			    idempotencyKey);
		xhr.upload.addEventListener('progress', (e) => {
			if (e.lengthComputable && e.total > 0)
				onProgress?.(e.loaded / e.total);
		});
		const abort = () => xhr.abort();
		signal?.addEventListener('abort', abort);
		xhr.addEventListener('loadend', () => {
			signal?.removeEventListener('abort', abort);
		});
		xhr.addEventListener('load', () => {
			let body = null;
			try {
				body = JSON.parse(xhr.responseText);
			} catch {
				// Not JSON: judged by the status below.
			}
			if (xhr.status >= 200 && xhr.status < 300 && body) {
				resolve(body);
				return;
			}
			const e = body?.error;
			reject(new ApiError(xhr.status, e?.code ??
			    `http_${xhr.status}`, e?.message ??
			    t('error.http', { status: xhr.status }),
			    typeof e?.field === 'string' ? e.field : null,
			    body));
		});
		xhr.addEventListener('error', () => reject(new ApiError(0,
		    'network_error', t('error.network'))));
		xhr.addEventListener('abort', () => reject(new DOMException(
		    'aborted', 'AbortError')));
		xhr.send(file);
	});
}

function uploadForm(inc, { signal, onDone }) {
	const alert = formAlert();
	const file = el('input', { type: 'file', name: 'file' });
	const name = el('input', { type: 'text', name: 'name',
	    maxlength: '255', autocomplete: 'off' });
	const what = el('input', { type: 'text', name: 'what',
	    maxlength: '500' });
	const malware = el('input', { type: 'checkbox',
	    name: 'suspected_malware', id: 'ev-upload-malware' });
	const bar = el('progress', { max: '100', value: '0',
	    'aria-label': t('ev.progress') });
	const said = el('p', { class: 'small', role: 'status' });
	const progress = el('div', { class: 'upload-progress', hidden: true },
	    bar, said);
	const submit = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('ev.upload') });
	file.addEventListener('change', () => {
		if (file.files[0] && name.value === '')
			name.value = file.files[0].name;
	});
	// One Idempotency-Key per upload: sending the same file, name and
	// description again (after a network error: the answer may have been
	// lost while the file was stored) reuses it, so the server answers
	// with the item it already has; anything changed is a new upload.
	let key = null;
	let keyFor = null;
	const form = el('form', { class: 'form evidence-upload',
	    novalidate: '' }, alert,
	    field({ label: t('ev.file'), control: file, required: true,
		hint: t('ev.file_hint') }),
	    field({ label: t('ev.name'), control: name, required: true,
		hint: t('ev.name_hint') }),
	    field({ label: t('ev.what'), control: what,
		hint: t('ev.what_hint') }),
	    el('div', { class: 'choice' }, malware, el('label',
		{ for: malware.id, text: t('ev.mark_on_upload') })),
	    progress,
	    el('div', { class: 'actions' }, submit));
	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		clearFieldErrors(form);
		alert.hidden = true;
		const f = file.files[0];
		const missing = [!f && 'file', name.value.trim() === '' &&
		    'name'].filter(Boolean);
		if (missing.length) {
			const first = missing.map((n) => setFieldError(form,
			    n, t('form.missing'))).find(Boolean);
			alert.hidden = false;
			alert.textContent = t('form.check_fields');
			first?.focus();
			return;
		}
		progress.hidden = false;
		bar.value = 0;
		said.textContent = t('ev.uploading', { pct: 0 });
		const sent = [f.name, f.size, f.lastModified, name.value.trim(),
		    what.value.trim(), malware.checked].join('\u0000');
		if (sent !== keyFor) {
			key = newKey();
			keyFor = sent;
		}
		try {
			const made = await busy(submit, () => uploadFile(inc, f,
			    { name: name.value.trim(), what: what.value.trim(),
			    malware: malware.checked, signal,
			    idempotencyKey: key,
			    onProgress: (x) => {
				bar.value = Math.round(x * 100);
				said.textContent = t('ev.uploading',
				    { pct: Math.round(x * 100) });
			    } }));
			key = keyFor = null;
			onDone(t('ev.uploaded', { name: made.name }));
		} catch (err) {
			if (signal.aborted || err?.name === 'AbortError')
				return;
			progress.hidden = true;
			// The server names the query parameter; a file too
			// large belongs to the file field.
			const shown = err instanceof ApiError &&
			    err.status === 413 ? new ApiError(413, err.code,
			    t('ev.too_large'), 'file', err.body) :
			    err instanceof ApiError && err.field === 'what' ?
			    err : err instanceof ApiError &&
			    err.status === 422 && !err.field ?
			    new ApiError(422, err.code, err.message, 'name',
			    err.body) : err;
			showFormError(form, alert, shown);
		}
	});
	return el('details', { class: 'dc-form', id: 'evidence-upload' },
	    el('summary', { text: t('ev.upload_title') }), form);
}

function custodyTable(item) {
	return table({
		caption: t('ev.custody_of', { name: item.name ?? item.what }),
		captionHidden: true,
		columns: [
		    { label: t('ev.c_seq'), numeric: true,
			cell: (k) => String(k.seq) },
		    { label: t('ev.c_kind'), cell: (k) =>
			label('custody', k.kind) },
		    { label: t('ev.c_from'), cell: (k) => k.from ?? '' },
		    { label: t('ev.c_to'), cell: (k) => k.to },
		    { label: t('ev.c_at'), class: 'nowrap',
			cell: (k) => timeText(k.at) },
		    { label: t('ev.c_purpose'), cell: (k) => k.purpose ?? '' },
		    { label: t('ev.c_by'), cell: (k) => k.recorded_by ?? '' }],
		rows: item.custody ?? [],
		empty: t('ev.no_custody'),
	});
}

function handoverForm(item, { signal, onDone }) {
	const to = el('input', { type: 'text', name: 'to', maxlength: '200' });
	const purpose = el('input', { type: 'text', name: 'purpose',
	    maxlength: '500' });
	return detailsForm(t('ev.handover'), [
	    el('p', { class: 'hint', text: t('ev.handover_from',
		{ who: item.holder ?? t('common.none') }) }),
	    field({ label: t('ev.c_to'), control: to, required: true,
		hint: t('ev.to_hint') }),
	    dateTimeField({ name: 'at', label: t('ev.c_at'),
		hint: t('ev.at_hint') }),
	    field({ label: t('ev.c_purpose'), control: purpose,
		required: true })],
	    t('ev.handover_submit'), async (form) => {
		const missing = [to.value.trim() === '' && 'to',
		    purpose.value.trim() === '' && 'purpose']
		    .filter(Boolean);
		if (missing.length) {
			missing.map((n) => setFieldError(form, n,
			    t('form.missing'))).find(Boolean)?.focus();
			return null;
		}
		// Left empty it is now, to the millisecond: a time typed to
		// the minute, or cut to the second, could fall before a
		// download or hand-over made a moment ago.
		let at = formTime(form, 'at');
		if (at === null)
			return null;
		if (at === '')
			at = new Date().toISOString();
		await post(`/api/v1/evidence/${encodeURIComponent(item.id)}/` +
		    'custody', { to: to.value.trim(), at,
		    purpose: purpose.value.trim() },
		    { signal, idempotencyKey: newKey() });
		return t('ev.handed_over', { name: item.name ?? item.what,
		    to: to.value.trim() });
	}, onDone);
}

function malwareForm(item, { signal, onDone }) {
	const ref = el('input', { type: 'text', name: 'reference',
	    maxlength: '200' });
	const marked = item.suspected_malware;
	return detailsForm(marked ? t('ev.vc_record') : t('ev.mark'), [
	    el('p', { class: 'hint', text: marked ? t('ev.vc_hint') :
		t('ev.mark_hint') }),
	    dateTimeField({ name: 'submitted_at', label: t('ev.vc_at') }),
	    field({ label: t('ev.vc_ref'), control: ref })],
	    marked ? t('ev.vc_submit') : t('ev.mark_submit'), async (form) => {
		const at = formTime(form, 'submitted_at');
		if (at === null)
			return null;
		const r = ref.value.trim();
		// The two together record the submission (MalwareInput).
		if ((at === '') !== (r === '')) {
			setFieldError(form, at === '' ? 'submitted_at' :
			    'reference', t('ev.vc_both'))?.focus();
			return null;
		}
		if (marked && at === '') {
			setFieldError(form, 'submitted_at', t('form.missing'))
			    ?.focus();
			return null;
		}
		await post(`/api/v1/evidence/${encodeURIComponent(item.id)}/` +
		    'suspected-malware', at ? { submitted_at: at,
		    reference: r } : {}, { signal });
		return t(at ? 'ev.vc_recorded' : 'ev.marked',
		    { name: item.name ?? item.what });
	}, onDone);
}

// One evidence item as a card: what it is, its hash, the download, the
// malware mark, and (opened on demand) its chain of custody.
function itemCard(item, { mayAct, signal, onDone }) {
	const title = item.name ?? item.what;
	const vc = item.virus_check;
	const marks = el('span', { class: 'badges' });
	if (item.suspected_malware)
		marks.append(el('span', { class: 'badge badge-bad',
		    text: t('ev.malware') }));
	const download = item.stored && item.content_url ? el('a', {
	    class: 'btn btn-small', href: item.content_url, download: '',
	    text: t('ev.download'),
	    'aria-label': t('ev.download_named', { name: title }) }) :
	    el('span', { class: 'small muted', text: t('ev.not_stored') });
	const chain = el('div', {});
	const custody = el('details', { class: 'custody' },
	    el('summary', { text: t('ev.custody') }), chain);
	let loaded = false;
	custody.addEventListener('toggle', async () => {
		if (!custody.open || loaded)
			return;
		loaded = true;
		chain.replaceChildren(loading());
		try {
			const full = await get(`/api/v1/evidence/${
			    encodeURIComponent(item.id)}`, { signal });
			chain.replaceChildren(
			    facts([[t('ev.holder'), full.holder ??
				t('common.none')]]),
			    custodyTable(full),
			    mayAct ? handoverForm(full, { signal, onDone }) :
			    '');
		} catch (err) {
			loaded = false;
			if (!signal.aborted)
				chain.replaceChildren(errorBox(err));
		}
	});
	const hid = `ev-item-${item.id}`;
	return el('article', { class: 'evidence-item',
	    'aria-labelledby': hid },
	    el('div', { class: 'evidence-head' },
		el('h3', { id: hid, text: title }), marks, download),
	    item.suspected_malware && item.warning ? el('p',
		{ class: 'notice notice-warn', text: item.warning }) : '',
	    facts([
		[t('ev.what'), item.what],
		[t('ev.size'), sizeText(item.size)],
		[t('ev.sha256'), el('code', { class: 'hash',
		    text: item.sha256 })],
		[t('ev.collected'), el('span', {}, item.collected_by, ' ',
		    timeText(item.collected_at))],
		[t('ev.where'), item.where],
		[t('ev.malware_mark'), item.suspected_malware ? (vc ?
		    el('span', {}, t('ev.vc_done', { ref: vc.reference }),
			' ', timeText(vc.submitted_at)) :
		    t('ev.vc_not_yet')) : t('common.no')],
	    ]),
	    custody,
	    mayAct && !(item.suspected_malware && vc) ?
	    malwareForm(item, { signal, onDone }) : '');
}

// The evidence panel of incident INC for person ME.  ONCHANGED(msg) is
// called after an upload, a hand-over or a mark.
export function evidencePanel(inc, { me, signal, onChanged }) {
	if (vendorOnly(me))
		return '';
	const holder = el('div', {}, loading());
	const mayAct = mayKeepEvidence(me, inc);
	const onDone = (msg) => onChanged?.(msg);

	(async () => {
		try {
			const { items, truncated } = await getAll(incidentPath(
			    inc, 'evidence'), { signal });
			holder.replaceChildren(
			    truncated ? el('p', { class: 'notice',
				text: t('common.partial',
				{ n: items.length }) }) : '',
			    ...(items.length === 0 ? [el('p',
				{ class: 'empty', text: t('ev.none') })] :
			    items.map((it) => itemCard(it, { mayAct, signal,
				onDone }))));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	return panel(t('ev.title'), [
	    malwareWarning(),
	    el('p', { class: 'hint', text: t('ev.hint') }),
	    mayAct ? uploadForm(inc, { signal, onDone }) : '',
	    holder], { id: 'evidence-h' });
}

// ------------------------------------------------------------------
// Messages about the incident (issue 6)

export const NOTIFY_TONE = { sent: 'ok', pending: 'neutral',
    sending: 'neutral', dead: 'bad' };

// The delivery of message M in words: its state, attempts, and the next
// try or the last error.
export function deliveryCell(m) {
	const parts = [stateBadge('nstate', m.state, NOTIFY_TONE[m.state])];
	if (m.state === 'sent' && m.sent_at)
		parts.push(' ', timeText(m.sent_at));
	parts.push(el('span', { class: 'small muted',
	    text: ` ${t('nt.attempts', { n: m.attempts })}` }));
	if (m.state === 'pending' && m.next_attempt_at && m.attempts > 0)
		parts.push(el('span', { class: 'small' }, ` ${t('nt.next')} `,
		    timeText(m.next_attempt_at)));
	if (m.last_error)
		parts.push(el('span', { class: 'small nt-error',
		    text: t('nt.error', { error: m.last_error }) }));
	return el('div', { class: 'delivery' }, ...parts);
}

// Who a message went to, and on which channel.
export function recipientCell(m) {
	const who = m.recipient ? (m.recipient.name ?
	    `${m.recipient.name} (${m.recipient.username})` :
	    m.recipient.username) : t('common.none');
	return el('span', {}, who, el('span', { class: 'small muted nt-addr',
	    text: `${label('nchannel', m.channel)}${m.address ?
	    `：${m.address}` : ''}` }));
}

// The messages panel of incident INC.
export function notificationsPanel(inc, { signal }) {
	const holder = el('div', {}, loading());
	(async () => {
		try {
			const { items, truncated } = await getAll(incidentPath(
			    inc, 'notifications'), { signal });
			holder.replaceChildren(
			    truncated ? el('p', { class: 'notice',
				text: t('common.partial',
				{ n: items.length }) }) : '',
			    table({
				caption: t('nt.title'),
				captionHidden: true,
				columns: [
				    { label: t('nt.created'), class: 'nowrap',
					cell: (m) => timeText(m.created_at) },
				    { label: t('nt.kind'), cell: (m) =>
					label('nkind', m.kind) },
				    { label: t('nt.subject'),
					cell: (m) => m.subject },
				    { label: t('nt.recipient'),
					cell: recipientCell },
				    { label: t('nt.state'),
					cell: deliveryCell }],
				rows: items,
				empty: t('nt.none'),
			    }));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(errorBox(err));
		}
	})();
	return panel(t('nt.title'), [
	    el('p', { class: 'hint', text: t('nt.hint') }), holder],
	    { id: 'notifications-h' });
}

// Returns true when ME may send a dead message again (doit_admin; the
// server's rule for POST /notifications/{id}/retry).
export function mayRetry(me) {
	return hasRole(me, 'doit_admin');
}
