// format.js: times as people in Taipei read them.
//
// Screens show Taipei time on the 24-hour clock whatever the zone of the
// computer (CONVENTIONS.md, Screens); ISO-like dates are allowed on screen
// (REQUIREMENTS.md, Facts), the ROC calendar is for printed records.

const TZ = 'Asia/Taipei';

const PARTS = new Intl.DateTimeFormat('en-US', {
	timeZone: TZ, hourCycle: 'h23',
	year: 'numeric', month: '2-digit', day: '2-digit',
	hour: '2-digit', minute: '2-digit', second: '2-digit',
});

function parts(date) {
	const out = {};
	for (const p of PARTS.formatToParts(date))
		out[p.type] = p.value;
	return out;
}

// Returns a Date for VALUE (a Date, an RFC 3339 string or epoch
// milliseconds), or null when it is not a valid time.
export function toDate(value) {
	if (value === null || value === undefined || value === '')
		return null;
	const d = value instanceof Date ? value : new Date(value);
	return Number.isNaN(d.getTime()) ? null : d;
}

// Returns "2026-11-25 20:00:05" in Taipei time, or null for an invalid
// time.
export function formatDateTime(value) {
	const d = toDate(value);
	if (!d)
		return null;
	const p = parts(d);
	return `${p.year}-${p.month}-${p.day} ` +
	    `${p.hour}:${p.minute}:${p.second}`;
}

// Returns "20:00:05" in Taipei time, or null for an invalid time.
export function formatTime(value) {
	const d = toDate(value);
	if (!d)
		return null;
	const p = parts(d);
	return `${p.hour}:${p.minute}:${p.second}`;
}

// Returns "2026-11-25 20:00" in Taipei time, or null for an invalid time:
// the form most screens show, where seconds would only be noise.
export function formatMinute(value) {
	const d = toDate(value);
	if (!d)
		return null;
	const p = parts(d);
	return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// Returns "2026-11" of a time in Taipei (the month a chart counts it in).
export function taipeiMonth(value) {
	const d = toDate(value);
	if (!d)
		return null;
	const p = parts(d);
	return `${p.year}-${p.month}`;
}

// Returns the value for an <input type="datetime-local"> that shows the
// Taipei time of VALUE ("2026-11-25T20:00"), or '' for an invalid time.
// The input has no zone of its own; the screens label it Taipei time and
// read it back with fromLocalInput(), whatever the computer's zone.
export function toLocalInput(value) {
	const d = toDate(value);
	if (!d)
		return '';
	const p = parts(d);
	return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// Returns the RFC 3339 time, with the Taipei offset, of the value of a
// datetime-local input read as Taipei time ("2026-11-25T20:00" ->
// "2026-11-25T20:00:00+08:00"), or null when it is not a time.
export function fromLocalInput(text) {
	const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?$/
	    .exec(text ?? '');
	if (!m)
		return null;
	const s = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}` +
	    '+08:00';
	// Date rolls 02-29 of a common year over to 03-01; a time that does
	// not read back as typed does not exist.
	const d = toDate(s);
	return d && toLocalInput(d) === `${m[1]}-${m[2]}-${m[3]}T${m[4]}:` +
	    `${m[5]}` ? s : null;
}

// Splits a length of time in milliseconds (its absolute value) into
// {days, hours, minutes, seconds}.
export function splitDuration(ms) {
	let s = Math.floor(Math.abs(ms) / 1000);
	const days = Math.floor(s / 86400);
	s -= days * 86400;
	const hours = Math.floor(s / 3600);
	s -= hours * 3600;
	const minutes = Math.floor(s / 60);
	return { days, hours, minutes, seconds: s - minutes * 60 };
}

// Returns "中華民國115年11月25日 16時30分" in Taipei time, the form of
// official printouts (REQUIREMENTS.md, Facts), or null.
export function formatRoc(value) {
	const d = toDate(value);
	if (!d)
		return null;
	const p = parts(d);
	return `中華民國${Number(p.year) - 1911}年${Number(p.month)}月` +
	    `${Number(p.day)}日 ${Number(p.hour)}時${Number(p.minute)}分`;
}
