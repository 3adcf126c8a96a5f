// ui.js: the pieces every screen is built from, so that a level, a
// clock, a form field or an error looks and reads the same everywhere
// (CONVENTIONS.md, Screens).
//
// Colour never carries meaning alone: every badge and clock says in words
// what its colour shows.  Nothing here sets markup from data; see dom.js.

import { ApiError } from './api.js';
import { el } from './dom.js';
import { formatDateTime, formatMinute, splitDuration, toDate,
    toLocalInput } from './format.js';
import { label, t } from './i18n.js';

let nextId = 0;

// Returns a fresh id for an element, with PREFIX.
export function uid(prefix = 'u') {
	nextId += 1;
	return `${prefix}-${nextId}`;
}

// ------------------------------------------------------------------
// Badges

// The level badge: colour plus the number, the same on every screen
// (CONVENTIONS.md, Screens).  A missing level reads "not yet set".
export function levelBadge(level) {
	const n = Number.isInteger(level) ? level : null;
	return el('span', { class: `level-badge level-${n ?? 'none'}`,
	    text: n === null ? t('level.none') : t('level.badge', { n }) });
}

// The exercise mark every exercise incident carries (P37-P40).
export function exerciseMark() {
	return el('span', { class: 'mark-exercise', text: t('mark.exercise') });
}

// A small labelled badge for an API state (an incident's state, a flag).
export function stateBadge(kind, value, tone = 'neutral') {
	return el('span', { class: `badge badge-${tone}`,
	    text: label(kind, value) });
}

// A time in Taipei with seconds in its title: "2026-11-25 20:00".
export function timeText(value) {
	const shown = formatMinute(value);
	if (!shown)
		return el('span', { class: 'muted', text: t('common.none') });
	return el('time', { datetime: toDate(value).toISOString(),
	    title: formatDateTime(value), text: shown });
}

// ------------------------------------------------------------------
// Clocks

// Returns "1 小時 5 分" for a length of time in milliseconds: days and
// hours beyond a day, hours and minutes beyond an hour, minutes, and
// seconds only in the last minute.
export function durationText(ms) {
	const { days, hours, minutes, seconds } = splitDuration(ms);
	if (days > 0)
		return t('dur.days', { days, hours });
	if (hours > 0)
		return t('dur.hours', { hours, minutes });
	if (minutes > 0)
		return t('dur.minutes', { minutes });
	return t('dur.seconds', { seconds });
}

// A fifth of the period: less than this left turns a clock amber
// (CONVENTIONS.md, Screens).
const SOON_FRACTION = 0.2;

// Returns {tone, text} of obligation OB at the instant NOW (ms): tone is
// overdue (red), soon (amber), pending, open (no fixed time), met (green),
// late (met after its due time) or na (grey).  START is when its clock
// started (ob.start_at, or what the caller knows), to judge "a fifth of
// the period"; without one a clock is never amber.
export function clockState(ob, now, start = ob.start_at) {
	const due = toDate(ob.due_at)?.getTime() ?? null;
	const met = toDate(ob.met_at)?.getTime() ?? null;
	switch (ob.state) {
	case 'not_applicable':
		return { tone: 'na', text: t('clock.na') };
	case 'met':
		return { tone: 'met', text: t('clock.met') };
	case 'met_late':
		return { tone: 'late', text: due !== null && met !== null ?
		    t('clock.late_by', { d: durationText(met - due) }) :
		    t('clock.late') };
	default:
		break;
	}
	if (met !== null)
		return { tone: 'met', text: t('clock.met') };
	if (due === null)
		return { tone: 'open', text: t('clock.open') };
	if (now > due || ob.state === 'overdue')
		return { tone: 'overdue', text: t('clock.overdue',
		    { d: durationText(Math.max(0, now - due)) }) };
	const left = due - now;
	const from = toDate(start)?.getTime() ?? null;
	const soon = from !== null && due > from &&
	    left < (due - from) * SOON_FRACTION;
	return { tone: soon ? 'soon' : 'pending',
	    text: t('clock.left', { d: durationText(left) }) };
}

// One timer for every clock on the page, so a list of a hundred
// obligations costs one callback a second.
const ticking = new Set();
let ticker = 0;

function tick() {
	const now = Date.now();
	for (const fn of ticking)
		fn(now);
	if (ticking.size === 0) {
		clearInterval(ticker);
		ticker = 0;
	}
}

// Calls FN(now) at once and every second until SIGNAL aborts.
export function everySecond(fn, signal) {
	if (signal?.aborted)
		return;
	fn(Date.now());
	ticking.add(fn);
	signal?.addEventListener('abort', () => ticking.delete(fn));
	if (!ticker)
		ticker = setInterval(tick, 1000);
}

// A live clock for obligation OB, updated every second until SIGNAL
// aborts: the words ("還有 42 分", "逾期 5 分") with the tone as a class
// and a data attribute.  It is not a live region: a screen reader reads
// it when the person gets there, not every second.
export function clock(ob, { signal, start } = {}) {
	const text = el('span', { class: 'clock-text' });
	const e = el('span', { class: 'clock' },
	    el('span', { class: 'clock-dot', 'aria-hidden': 'true' }), text);
	everySecond((now) => {
		const s = clockState(ob, now, start ?? ob.start_at);
		if (e.dataset.tone !== s.tone)
			e.dataset.tone = s.tone;
		if (text.textContent !== s.text)
			text.textContent = s.text;
	}, signal);
	return e;
}

// ------------------------------------------------------------------
// Layout

// A panel with a heading (h2, or LEVEL) and CHILDREN.  ID names the
// heading; the panel itself is then ID without "-h" + "-panel", for
// in-page links ("damage-h" -> "#damage-panel").
export function panel(title, children, { level = 2, id, actions } = {}) {
	const hid = id ?? uid('h');
	const head = el('div', { class: 'panel-head' },
	    el(`h${level}`, { id: hid, text: title }));
	if (actions)
		head.append(actions);
	const section = el('section', { class: 'panel',
	    'aria-labelledby': hid }, head, ...children);
	if (id)
		section.id = `${id.replace(/-h$/, '')}-panel`;
	return section;
}

// A table of ROWS with COLUMNS [{label, cell(row) -> node or string,
// class, numeric, rowHeader}], captioned.  On a phone each row becomes a
// card with the column's name beside each value (data-label, drawn by
// the style sheet); the explicit roles keep it a table for screen
// readers, which drop table semantics once CSS changes the display.
export function table({ caption, columns, rows, empty, captionHidden }) {
	if (rows.length === 0 && empty)
		return el('p', { class: 'empty', text: empty });
	const cap = el('caption', { text: caption,
	    class: captionHidden ? 'visually-hidden' : '' });
	const head = el('tr', { role: 'row' }, ...columns.map((c) => el('th',
	    { scope: 'col', role: 'columnheader',
	    class: c.numeric ? 'num' : c.class ?? '' }, c.label)));
	const body = rows.map((r) => el('tr', { role: 'row' },
	    ...columns.map((c, i) => {
		const v = c.cell(r);
		const header = i === 0 && c.rowHeader;
		const cell = el(header ? 'th' : 'td', {
		    class: c.numeric ? 'num' : c.class ?? '',
		    role: header ? 'rowheader' : 'cell',
		    'data-label': c.label });
		if (header)
			cell.setAttribute('scope', 'row');
		cell.append(v ?? '');
		return cell;
	})));
	const id = uid('tbl');
	cap.id = id;
	return el('div', { class: 'table-wrap', role: 'region',
	    'aria-labelledby': id, tabindex: '0' },
	    el('table', { role: 'table' }, cap,
		el('thead', { role: 'rowgroup' }, head),
		el('tbody', { role: 'rowgroup' }, ...body)));
}

// A "label: value" list of PAIRS [[label, node or string], ...].
export function facts(pairs) {
	return el('dl', { class: 'facts' }, ...pairs.map(([k, v]) =>
	    el('div', {}, el('dt', { text: k }), el('dd', {}, v ?? ''))));
}

// The line a screen shows while its data is on its way.
export function loading() {
	return el('p', { class: 'loading', role: 'status',
	    text: t('app.loading') });
}

// An error box for ERR (an ApiError or anything else), as an alert.  An
// error that is not the server's is a fault of the page: it also goes to
// the console, where the developer and the browser tests see it.
export function errorBox(err) {
	if (!(err instanceof ApiError))
		console.error(err);
	const msg = err instanceof ApiError ? err.message :
	    t('app.unexpected');
	return el('p', { class: 'notice notice-error', role: 'alert',
	    text: msg });
}

// A notice that what a screen needs is not offered by this server yet
// (a 404 or 405 from a route another issue adds).
export function missingRoute(what) {
	return el('p', { class: 'notice', role: 'status',
	    text: t('app.missing_route', { what }) });
}

// Returns true when ERR says the route itself does not exist here.  Only
// for lists and other routes that never answer 404 for a record: the
// server says not_found for both, and a record outside one's scope is a
// 404 by design.
export function isMissingRoute(err) {
	return err instanceof ApiError && (err.status === 404 ||
	    err.status === 405);
}

// ------------------------------------------------------------------
// Forms

// A form field: a label (with "required" in words when it is), CONTROL,
// a hint and a place for the error, tied to the control with
// aria-describedby so a screen reader reads them with it.
export function field({ label: text, control, required = false, hint,
    wide = false }) {
	const id = control.id || uid('f');
	control.id = id;
	const describedBy = [];
	const parts = [el('label', { for: id }, text,
	    required ? el('span', { class: 'req', text: t('form.required') }) :
	    '')];
	if (required)
		control.required = true;
	parts.push(control);
	if (hint) {
		const h = el('p', { class: 'hint', id: `${id}-hint`,
		    text: hint });
		describedBy.push(h.id);
		parts.push(h);
	}
	const err = el('p', { class: 'field-error', id: `${id}-error`,
	    hidden: true });
	describedBy.push(err.id);
	parts.push(err);
	control.setAttribute('aria-describedby', describedBy.join(' '));
	return el('div', { class: wide ? 'field field-wide' : 'field' },
	    ...parts);
}

// A group of radio buttons or checkboxes named NAME: a fieldset with
// LEGEND and one labelled input per option {value, label, hint}.
export function choices({ name, legend, type = 'radio', options,
    value = [], required = false, hint, inline = false }) {
	const chosen = new Set(Array.isArray(value) ? value : [value]);
	const errId = uid('f');
	const items = options.map((o) => {
		const id = uid('c');
		const input = el('input', { type, name, id, value: o.value });
		input.checked = chosen.has(o.value);
		return el('div', { class: 'choice' }, input,
		    el('label', { for: id, text: o.label }),
		    o.hint ? el('span', { class: 'hint', text: o.hint }) :
		    '');
	});
	const legendEl = el('legend', {}, legend, required ?
	    el('span', { class: 'req', text: t('form.required') }) : '');
	const fs = el('fieldset', { class: inline ? 'choices inline' :
	    'choices', 'aria-describedby': errId, 'data-name': name },
	    legendEl);
	if (hint)
		fs.append(el('p', { class: 'hint', text: hint }));
	fs.append(...items, el('p', { class: 'field-error', id: errId,
	    hidden: true }));
	if (required && type === 'radio')
		items[0]?.querySelector('input').setAttribute('required', '');
	return fs;
}

// Returns the values checked in group NAME of FORM.
export function checkedValues(form, name) {
	return [...form.querySelectorAll(`input[name="${name}"]:checked`)]
	    .map((i) => i.value);
}

// The wrapper of the field named NAME in FORM (a .field or a fieldset).
function holderOf(form, name) {
	const group = form.querySelector(`fieldset[data-name="${name}"]`);
	if (group)
		return group;
	const control = form.querySelector(`[name="${name}"]`);
	return control?.closest('.field, fieldset') ?? null;
}

// Marks the field named NAME of FORM as wrong with MESSAGE and returns
// the control to focus, or null when the form has no such field.  In a
// group, the message goes to the group's own error line and the marks
// to the controls of that name (or all of them, for a date and time).
export function setFieldError(form, name, message) {
	const holder = holderOf(form, name);
	if (!holder)
		return null;
	const err = holder.querySelector(':scope > .field-error') ??
	    holder.querySelector('.field-error');
	if (err) {
		err.textContent = message;
		err.hidden = false;
	}
	holder.classList.add('has-error');
	let controls = [holder.querySelector('input, select, textarea')];
	if (holder.matches('fieldset')) {
		const named = [...holder.querySelectorAll(`[name="${name}"]`)];
		controls = named.length ? named : [...holder.querySelectorAll(
		    'input, select, textarea')];
	}
	for (const c of controls)
		c?.setAttribute('aria-invalid', 'true');
	return controls[0] ?? null;
}

// Clears every field error of FORM.
export function clearFieldErrors(form) {
	for (const h of form.querySelectorAll('.has-error'))
		h.classList.remove('has-error');
	for (const e of form.querySelectorAll('.field-error')) {
		e.textContent = '';
		e.hidden = true;
	}
	for (const c of form.querySelectorAll('[aria-invalid]'))
		c.removeAttribute('aria-invalid');
}

// Shows ERR on FORM: in the field the server named, focused, when the
// form has it, and always in the form's alert line ALERT.  Everything
// typed stays (CONVENTIONS.md, Screens).  Returns the field's control.
export function showFormError(form, alert, err) {
	if (!(err instanceof ApiError))
		console.error(err);
	clearFieldErrors(form);
	const msg = err instanceof ApiError ? err.message :
	    t('app.unexpected');
	let control = null;
	if (err instanceof ApiError && err.field)
		control = setFieldError(form, err.field, msg);
	alert.hidden = false;
	alert.textContent = control ? t('form.fix_field',
	    { message: msg }) : msg;
	if (control)
		control.focus();
	else
		alert.focus();
	return control;
}

// The alert line of a form: hidden until something goes wrong.
export function formAlert() {
	return el('p', { class: 'notice notice-error form-alert',
	    role: 'alert', tabindex: '-1', hidden: true });
}

// Runs FN while BUTTON says it is busy and cannot be pressed twice.
export async function busy(button, fn) {
	const text = button.textContent;
	button.disabled = true;
	button.setAttribute('aria-busy', 'true');
	button.textContent = t('form.working');
	try {
		return await fn();
	} finally {
		button.disabled = false;
		button.removeAttribute('aria-busy');
		button.textContent = text;
	}
}

// A button that copies what GETTEXT returns, and says so in a status
// line beside it.
export function copyButton(getText, text = t('common.copy')) {
	const said = el('span', { class: 'copy-said', role: 'status' });
	const b = el('button', { type: 'button', class: 'btn',
	    text });
	b.addEventListener('click', async () => {
		try {
			await navigator.clipboard.writeText(getText());
			said.textContent = t('common.copied');
		} catch {
			said.textContent = t('common.copy_failed');
		}
	});
	return el('span', { class: 'copy' }, b, said);
}

// A select of OPTIONS [{value, label}] with VALUE chosen; BLANK adds a
// first empty option with that text.
export function select(name, options, { value = '', blank } = {}) {
	const s = el('select', { name });
	if (blank !== undefined)
		s.append(el('option', { value: '', text: blank }));
	for (const o of options) {
		const opt = el('option', { value: String(o.value),
		    text: o.label });
		if (String(o.value) === String(value))
			opt.selected = true;
		s.append(opt);
	}
	return s;
}

// A date and a time of day in Taipei time on the 24-hour clock, whatever
// the browser's locale: a date input and an "HH:MM" text field, grouped
// under LABEL as field NAME, with a button that fills in the present.
// (A datetime-local input would show a 12-hour clock on many computers.)
// VALUE is "2026-11-25T14:30" or ''.  Read it with readDateTime().
export function dateTimeField({ name, label: text, required = false, hint,
    value = '' }) {
	const errId = uid('f');
	const hintId = uid('f');
	const described = hint ? `${hintId} ${errId}` : errId;
	const date = el('input', { type: 'date', name: `${name}_date`,
	    'aria-label': t('form.date'), 'aria-describedby': described });
	const time = el('input', { type: 'text', name: `${name}_time`,
	    class: 'time-input', inputmode: 'numeric', autocomplete: 'off',
	    placeholder: t('form.time_placeholder'), maxlength: '8',
	    'aria-label': t('form.time'), 'aria-describedby': described });
	const now = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('form.now') });
	const fs = el('fieldset', { class: 'datetime', 'data-name': name },
	    el('legend', {}, text, required ? el('span', { class: 'req',
		text: t('form.required') }) : ''),
	    el('div', { class: 'datetime-row' }, date, time, now));
	if (hint)
		fs.append(el('p', { class: 'hint', id: hintId, text: hint }));
	fs.append(el('p', { class: 'field-error', id: errId, hidden: true }));
	now.addEventListener('click', () => {
		writeDateTime(fs, name, toLocalInput(new Date()));
		time.dispatchEvent(new Event('input', { bubbles: true }));
		time.dispatchEvent(new Event('change', { bubbles: true }));
	});
	writeDateTime(fs, name, value);
	return fs;
}

// Returns the value of dateTimeField NAME inside ROOT as
// "2026-11-25T14:30", '' when both parts are empty, or null when what was
// typed is not a time ("25:00", a date without a time).
export function readDateTime(root, name) {
	const d = root.querySelector(`[name="${name}_date"]`)?.value ?? '';
	const raw = (root.querySelector(`[name="${name}_time"]`)?.value ?? '')
	    .trim().replace('：', ':');
	if (d === '' && raw === '')
		return '';
	const m = /^(\d{1,2}):?(\d\d)(?::\d\d)?$/.exec(raw);
	if (!/^\d{4}-\d\d-\d\d$/.test(d) || !m || Number(m[1]) > 23 ||
	    Number(m[2]) > 59)
		return null;
	return `${d}T${m[1].padStart(2, '0')}:${m[2]}`;
}

// Sets dateTimeField NAME inside ROOT to VALUE ("2026-11-25T14:30" or
// '').
export function writeDateTime(root, name, value) {
	const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(value ?? '');
	const d = root.querySelector(`[name="${name}_date"]`);
	const tm = root.querySelector(`[name="${name}_time"]`);
	if (d)
		d.value = m ? m[1] : '';
	if (tm)
		tm.value = m ? m[2] : '';
}
