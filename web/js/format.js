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
