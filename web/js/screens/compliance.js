// screens/compliance.js: where the registry falls short (P24, P26, P13):
// GET /api/v1/compliance/logs (core systems short of 6 months of logs or
// missing a log type) and GET /api/v1/compliance/contracts (outsourcing
// contracts missing a clause), each with its counts per agency.  DoIT
// sees the city; an agency's people see their own scope (the server
// decides); ?agency=CODE narrows both to that agency and those below it.

import { get, withQuery } from '../api.js';
import { agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { t } from '../i18n.js';
import { errorBox, facts, isMissingRoute, loading, missingRoute, panel,
    table } from '../ui.js';
import { contractColumns, problemsText, systemState } from
    './agency-registry.js';

export const title = 'comp.title';

const agencyLink = (code) => el('a', { href:
    `#/agencies/${encodeURIComponent(code)}`, text: agencyName(code) });

function logsPart(r) {
	return [
	    facts([
		[t('comp.systems'), String(r.summary?.systems ?? 0)],
		[t('comp.compliant'), String(r.summary?.compliant ?? 0)],
		[t('comp.non_compliant'), String(r.summary?.non_compliant ??
		    0)]]),
	    table({
		caption: t('comp.logs_by_agency'),
		columns: [
		    { label: t('con.agency'), rowHeader: true,
			cell: (a) => agencyLink(a.agency) },
		    { label: t('comp.systems'), numeric: true,
			cell: (a) => String(a.systems) },
		    { label: t('comp.compliant'), numeric: true,
			cell: (a) => String(a.compliant) },
		    { label: t('comp.non_compliant'), numeric: true,
			cell: (a) => String(a.non_compliant) },
		    { label: t('comp.missing_type'), numeric: true,
			cell: (a) => String(a.missing_type) },
		    { label: t('comp.short_retention'), numeric: true,
			cell: (a) => String(a.short_retention) }],
		rows: r.agencies ?? [],
		empty: t('comp.no_agencies'),
	    }),
	    table({
		caption: t('comp.logs_items'),
		columns: [
		    { label: t('con.agency'), cell: (s) =>
			agencyLink(s.agency) },
		    { label: t('sys.name'),
			cell: (s) => s.name },
		    { label: t('sys.state'), cell: systemState },
		    { label: t('comp.problems'), cell: problemsText }],
		rows: r.items ?? [],
		empty: t('comp.logs_all_ok'),
	    }),
	    r.truncated ? el('p', { class: 'hint',
		text: t('sys.truncated') }) : ''];
}

function contractsPart(r) {
	const n = (a, k) => String(a[k] ?? 0);
	return [
	    facts([
		[t('comp.contracts'), String(r.summary?.contracts ?? 0)],
		[t('comp.complete'), String(r.summary?.complete ?? 0)],
		[t('comp.missing_clauses'), String(r.summary?.missing_clauses ??
		    0)]]),
	    table({
		caption: t('comp.contracts_by_agency'),
		columns: [
		    { label: t('con.agency'), rowHeader: true,
			cell: (a) => agencyLink(a.agency) },
		    { label: t('comp.contracts'), numeric: true,
			cell: (a) => n(a, 'contracts') },
		    { label: t('comp.complete'), numeric: true,
			cell: (a) => n(a, 'complete') },
		    { label: t('comp.missing_clauses'), numeric: true,
			cell: (a) => n(a, 'missing_clauses') },
		    ...['reporting', 'log_retention', 'evidence_preservation',
			'backup'].map((x) => ({ numeric: true,
			label: t(`comp.missing_${x}`),
			cell: (a) => n(a, `missing_${x}`) }))],
		rows: r.agencies ?? [],
		empty: t('comp.no_agencies'),
	    }),
	    table({
		caption: t('comp.contracts_items'),
		columns: contractColumns((c) => agencyLink(c.agency)),
		rows: r.items ?? [],
		empty: t('comp.contracts_all_ok'),
	    }),
	    r.truncated ? el('p', { class: 'hint',
		text: t('sys.truncated') }) : ''];
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { query, signal }) {
	const agency = query.get('agency') ?? '';
	const h1 = el('h1', { text: t('comp.title') });
	const logs = el('div', {}, loading());
	const contracts = el('div', {}, loading());
	root.append(h1,
	    el('p', { class: 'hint', text: agency ? t('comp.hint_agency',
		{ agency }) : t('comp.hint') }),
	    panel(t('comp.logs_title'), [logs], { id: 'comp-logs-h' }),
	    panel(t('comp.contracts_title'), [contracts],
		{ id: 'comp-contracts-h' }));

	const params = agency ? { agency } : {};
	async function fill(holder, path, draw, what) {
		try {
			const [r] = await Promise.all([get(withQuery(path,
			    params), { signal }), loadAgencies()]);
			holder.replaceChildren(...draw(r));
		} catch (err) {
			if (!signal.aborted)
				holder.replaceChildren(isMissingRoute(err) ?
				    missingRoute(what) : errorBox(err));
		}
	}
	fill(logs, '/api/v1/compliance/logs', logsPart, t('comp.logs_title'));
	fill(contracts, '/api/v1/compliance/contracts', contractsPart,
	    t('comp.contracts_title'));
}
