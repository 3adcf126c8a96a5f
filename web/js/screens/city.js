// screens/city.js: DoIT's view of the city (issue 7): the open incidents
// by level and agency, the review queue with its clocks (P15, P17), what
// is overdue, the on-time rates per obligation and per agency, and a
// trend of incidents by month drawn as SVG with a table of the same
// numbers beside it (CONVENTIONS.md, Screens).
//
// It reads the lists of issue 4 (GET /api/v1/incidents, GET
// /api/v1/obligations?state=) and sums them here.  Exercise incidents run
// the same clocks but are never counted with real ones (P37-P40): they
// are counted apart.  Sums over more records than MAX say so.

import { getAll, withQuery } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el, svg } from '../dom.js';
import { taipeiMonth } from '../format.js';
import { label, t } from '../i18n.js';
import { clock, errorBox, exerciseMark, isMissingRoute, levelBadge,
    loading, missingRoute, panel, table, timeText } from '../ui.js';
import { obligationLabel } from './incident.js';

export const title = 'city.title';

const MAX = 5000;
const MONTHS = 12;
const LEVELS = [1, 2, 3, 4];

const levelOf = (i) => i.level ?? i.proposed_level;
const incidentOf = (o) => o.incident;

function pct(n, d) {
	return d === 0 ? t('common.none') :
	    `${Math.round((n / d) * 1000) / 10}%`;
}

function incidentLink(o) {
	const id = incidentOf(o);
	return el('span', { class: 'badges' },
	    el('a', { href: `#/incidents/${encodeURIComponent(id)}`,
		text: o.title ?? t('work.incident', { id }) }),
	    o.exercise ? exerciseMark() : '');
}

// Open incidents: one row per agency, one column per level.
function openTable(incidents) {
	const open = incidents.filter((i) => i.state !== 'closed' &&
	    !i.exercise);
	const rows = new Map();
	for (const i of open) {
		const r = rows.get(i.agency) ?? { agency: i.agency, total: 0,
		    1: 0, 2: 0, 3: 0, 4: 0 };
		r[levelOf(i)] = (r[levelOf(i)] ?? 0) + 1;
		r.total += 1;
		rows.set(i.agency, r);
	}
	const sorted = [...rows.values()].sort((a, b) => b[4] - a[4] ||
	    b[3] - a[3] || b.total - a.total ||
	    a.agency.localeCompare(b.agency));
	const totals = { agency: null, total: open.length };
	for (const n of LEVELS)
		totals[n] = open.filter((i) => levelOf(i) === n).length;
	const exercises = incidents.filter((i) => i.state !== 'closed' &&
	    i.exercise).length;
	return [
	    el('ul', { class: 'counts' }, ...LEVELS.map((n) => el('li', {},
		el('strong', { text: String(totals[n]) }), levelBadge(n))),
		el('li', {}, el('strong', { text: String(totals.total) }),
		    t('city.total')),
		el('li', {}, el('strong', { text: String(exercises) }),
		    exerciseMark())),
	    table({
		caption: t('city.open_caption'),
		columns: [
		    { label: t('roster.agency'), rowHeader: true, cell: (r) =>
			r.agency === null ? t('city.total') :
			el('a', { href: withQuery('#/incidents',
			{ agency: r.agency, state: '' }),
			text: agencyName(r.agency) }) },
		    ...LEVELS.map((n) => ({ label: t('level.badge', { n }),
			numeric: true, cell: (r) => String(r[n] ?? 0) })),
		    { label: t('city.total'), numeric: true,
			cell: (r) => String(r.total) },
		],
		rows: sorted.length ? [...sorted, totals] : [],
		empty: t('city.none_open'),
	    })];
}

function queueTable(items, signal, caption, empty) {
	return table({
		caption,
		captionHidden: true,
		columns: [
		    { label: t('inc.ob_clock'), cell: (o) => clock(o,
			{ signal }) },
		    { label: t('inc.ob_name'), cell: obligationLabel },
		    { label: t('list.incident'), cell: incidentLink },
		    { label: t('list.level'), cell: (o) =>
			levelBadge(o.level ?? null) },
		    { label: t('roster.agency'),
			cell: (o) => agencyName(o.agency) },
		    { label: t('inc.ob_due'), class: 'nowrap',
			cell: (o) => timeText(o.due_at) },
		],
		rows: items,
		empty,
	});
}

// On-time rates: met on time over everything whose time has come (met,
// met late, overdue), grouped by KEY and named by NAMEOF.
function rates(done, key, caption, name, nameOf) {
	const groups = new Map();
	for (const o of done) {
		if (o.exercise)
			continue;
		const k = key(o);
		const g = groups.get(k) ?? { key: k, met: 0, late: 0,
		    overdue: 0 };
		if (o.state === 'met')
			g.met += 1;
		else if (o.state === 'met_late')
			g.late += 1;
		else
			g.overdue += 1;
		groups.set(k, g);
	}
	const rows = [...groups.values()].map((g) => ({ ...g,
	    all: g.met + g.late + g.overdue })).sort((a, b) =>
	    a.met / a.all - b.met / b.all || b.all - a.all);
	return table({
		caption,
		captionHidden: true,
		columns: [
		    { label: name, rowHeader: true,
			cell: (g) => nameOf(g.key) },
		    { label: t('city.rate'), numeric: true, cell: (g) =>
			el('span', { class: 'rate',
			text: pct(g.met, g.all) }) },
		    { label: t('ostate.met'), numeric: true,
			cell: (g) => String(g.met) },
		    { label: t('ostate.met_late'), numeric: true,
			cell: (g) => String(g.late) },
		    { label: t('ostate.overdue'), numeric: true,
			cell: (g) => String(g.overdue) },
		],
		rows,
		empty: t('city.no_rates'),
	});
}

// The last MONTHS Taipei months, oldest first, as "2026-11".
function lastMonths(now = new Date()) {
	const [y, m] = taipeiMonth(now).split('-').map(Number);
	const out = [];
	for (let k = MONTHS - 1; k >= 0; k--) {
		const total = y * 12 + (m - 1) - k;
		out.push(`${Math.floor(total / 12)}-${String(total % 12 + 1)
		    .padStart(2, '0')}`);
	}
	return out;
}

// The trend: incidents by month of awareness, levels 1-2 and 3-4
// stacked, as an SVG chart and a table of the same numbers.
function trend(incidents) {
	const months = lastMonths();
	const byMonth = new Map(months.map((m) => [m, { low: 0, high: 0,
	    exercise: 0 }]));
	for (const i of incidents) {
		const b = byMonth.get(taipeiMonth(i.aware_at));
		if (!b)
			continue;
		if (i.exercise)
			b.exercise += 1;
		else if (levelOf(i) >= 3)
			b.high += 1;
		else
			b.low += 1;
	}
	const W = 640;
	const H = 240;
	const left = 36;
	const bottom = 28;
	const top = 12;
	const max = Math.max(1, ...[...byMonth.values()].map((b) =>
	    b.low + b.high));
	const step = Math.max(1, Math.ceil(max / 4));
	const ceil = step * 4;
	const plotH = H - top - bottom;
	const slot = (W - left - 8) / months.length;
	const y = (v) => top + plotH - (v / ceil) * plotH;
	const parts = [];
	for (let v = 0; v <= ceil; v += step) {
		parts.push(svg('line', { class: 'grid', x1: left, x2: W - 8,
		    y1: y(v), y2: y(v) }),
		    svg('text', { x: left - 6, y: y(v) + 4,
			'text-anchor': 'end' }, String(v)));
	}
	months.forEach((m, k) => {
		const b = byMonth.get(m);
		const x = left + k * slot + slot * 0.2;
		const w = slot * 0.6;
		if (b.low)
			parts.push(svg('rect', { class: 'bar-real', x,
			    y: y(b.low), width: w,
			    height: y(0) - y(b.low) }));
		if (b.high)
			parts.push(svg('rect', { class: 'bar-high', x,
			    y: y(b.low + b.high), width: w,
			    height: y(b.low) - y(b.low + b.high) }));
		if (b.low + b.high)
			parts.push(svg('text', { class: 'value',
			    x: x + w / 2, y: y(b.low + b.high) - 3,
			    'text-anchor': 'middle' }, String(b.low + b.high)));
		parts.push(svg('text', { x: x + w / 2, y: H - bottom + 16,
		    'text-anchor': 'middle' }, m.slice(5)));
	});
	parts.push(svg('line', { class: 'axis', x1: left, x2: W - 8,
	    y1: y(0), y2: y(0) }));
	const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`,
	    role: 'img', 'aria-labelledby': 'trend-title' },
	    svg('title', { id: 'trend-title' }, t('city.trend_alt',
		{ from: months[0], to: months[months.length - 1] })),
	    ...parts);
	return el('div', { class: 'chart-pair' },
	    el('figure', { class: 'figure' }, chart,
		el('ul', { class: 'legend' },
		    el('li', {}, el('span', { class: 'swatch',
			'aria-hidden': 'true' }), t('city.low')),
		    el('li', {}, el('span', { class: 'swatch swatch-high',
			'aria-hidden': 'true' }), t('city.high')))),
	    table({
		caption: t('city.trend_table'),
		columns: [
		    { label: t('city.month'), rowHeader: true,
			cell: (r) => r.month },
		    { label: t('city.low'), numeric: true,
			cell: (r) => String(r.low) },
		    { label: t('city.high'), numeric: true,
			cell: (r) => String(r.high) },
		    { label: t('city.total'), numeric: true,
			cell: (r) => String(r.low + r.high) },
		    { label: t('city.exercises'), numeric: true,
			cell: (r) => String(r.exercise) },
		],
		rows: months.map((m) => ({ month: m, ...byMonth.get(m) })),
	    }));
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal }) {
	const body = el('div', {}, loading());
	root.append(
	    el('h1', { text: t('city.heading') }),
	    el('p', { class: 'lead', text: t('city.intro') }),
	    body);

	async function read() {
		const since = lastMonths()[0];
		const obligations = (state) => getAll(withQuery(
		    '/api/v1/obligations', { state }), { signal, max: MAX });
		const [open, recent, pending, overdue, met, late] =
		    await Promise.all([
			getAll(withQuery('/api/v1/incidents',
			    { state: 'new' }), { signal, max: MAX })
			    .then(async (a) => {
				const more = await Promise.all(['approved',
				    'reported'].map((s) => getAll(withQuery(
				    '/api/v1/incidents', { state: s }),
				    { signal, max: MAX })));
				return { items: [a, ...more].flatMap((x) =>
				    x.items), truncated: [a, ...more].some(
				    (x) => x.truncated) };
			    }),
			getAll(withQuery('/api/v1/incidents', { from:
			    `${since}-01T00:00:00+08:00` }),
			    { signal, max: MAX }),
			obligations('pending'), obligations('overdue'),
			obligations('met'), obligations('met_late'),
			loadAgencies()]);
		const partial = [open, recent, pending, overdue, met, late]
		    .some((x) => x.truncated);
		const review = [...pending.items, ...overdue.items].filter(
		    (o) => o.name === 'level_review').sort((a, b) =>
		    Date.parse(a.due_at ?? '9999-01-01') -
		    Date.parse(b.due_at ?? '9999-01-01'));
		const done = [...met.items, ...late.items, ...overdue.items];
		body.replaceChildren(
		    partial ? el('p', { class: 'notice notice-warn',
			text: t('common.partial', { n: MAX }) }) : '',
		    panel(t('city.open'), openTable(open.items)),
		    panel(t('city.queue'), [queueTable(review, signal,
			t('city.queue'), t('city.queue_empty'))]),
		    panel(t('city.overdue'), [queueTable(overdue.items.filter(
			(o) => !o.exercise), signal, t('city.overdue'),
			t('city.overdue_empty'))]),
		    el('div', { class: 'grid-cols' },
			panel(t('city.rates_obligation'), [rates(done,
			    (o) => o.name, t('city.rates_obligation'),
			    t('inc.ob_name'), (k) => label('obl', k))]),
			panel(t('city.rates_agency'), [rates(done,
			    (o) => o.agency, t('city.rates_agency'),
			    t('roster.agency'), agencyName)])),
		    panel(t('city.trend'), [trend(recent.items)]));
	}
	read().catch((err) => {
		if (signal.aborted)
			return;
		body.replaceChildren(isMissingRoute(err) ?
		    missingRoute(t('city.missing')) : errorBox(err));
	});
}
