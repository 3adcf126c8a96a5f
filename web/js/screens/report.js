// screens/report.js: the report wizard (P10-P13, issue 4, 7).  Five
// steps: when the agency became aware, what happened (category and
// symptoms), the level with the helper's reasons, the agencies affected,
// and a last look before sending.  Sending files the incident (POST
// /api/v1/incidents) and opens its page, where the CISO approves the
// level and the window reports it on the national platform or by another
// channel with the reason (P11).
//
// Everything typed is kept in localStorage as it is typed, per person, so
// a reload or a lost connection loses nothing; the draft also keeps the
// Idempotency-Key, so sending again after an answer was lost files the
// incident once.  A refused send keeps everything and opens the step of
// the field the server named, pointing at it.

import { ApiError, newKey, post } from '../api.js';
import { agencyList, agencyName, loadAgencies } from '../agencies.js';
import { el } from '../dom.js';
import { formatMinute, fromLocalInput, toLocalInput } from '../format.js';
import { label, t } from '../i18n.js';
import { currentUser } from '../session.js';
import { busy, checkedValues, choices, clearFieldErrors, dateTimeField,
    facts, field, formAlert, levelBadge, readDateTime, select, setFieldError,
    showFormError, uid, writeDateTime } from '../ui.js';
import { ANY_SYMPTOMS, CATEGORIES, LEVEL_ASSETS, LEVEL_EFFECTS, SECTORS,
    SOURCES, SYMPTOMS } from '../vocab.js';

export const title = 'report.title';

const STEPS = ['when', 'what', 'level', 'affected', 'send'];

// The step of each field the server may name.
const FIELD_STEP = {
	agency: 0, aware_at: 0, occurred_at: 0, exercise: 0, source: 0,
	source_ref: 0, vendor_aware_at: 0, vendor_reported_at: 0,
	title: 1, description: 1, category: 1, symptoms: 1,
	category_other: 1, personal_data_involved: 1, affected_systems: 1,
	impact_other_agencies: 1, critical_sectors: 1,
	level: 2, answers: 2,
	affected_agencies: 3,
};

// The level table's "—" cells: operations cannot be "affected" for
// secrets (REQUIREMENTS.md, Judging the level).
const NO_A_EFFECT = new Set(['official_secret_or_sensitive',
    'national_secret']);

const draftKey = (me) => `tongbao.draft.report.${me.username}`;

function loadDraft(me) {
	try {
		const d = JSON.parse(localStorage.getItem(draftKey(me)) ??
		    'null');
		return d && typeof d === 'object' && d.values ? d : null;
	} catch {
		return null;
	}
}

function saveDraft(me, draft) {
	try {
		localStorage.setItem(draftKey(me), JSON.stringify(draft));
		return true;
	} catch {
		// Storage full or refused: the form still works, the note
		// below says the draft is not kept.
		return false;
	}
}

function dropDraft(me) {
	try {
		localStorage.removeItem(draftKey(me));
	} catch {
		// Nothing kept, nothing to drop.
	}
}

// Builds the screen into ROOT; the contract is router.js's.
export function mount(root, { signal, navigate }) {
	const me = currentUser();
	const saved = loadDraft(me);
	const draft = saved ?? { step: 0, key: newKey(), values: {},
	    answers: [{ asset: '', effect: '' }] };
	draft.systems ??= [];
	if (!draft.values.aware_at)
		draft.values.aware_at = toLocalInput(new Date());
	if (!draft.values.agency)
		draft.values.agency = me.agency;

	const alert = formAlert();
	const note = el('p', { class: 'draft-note', role: 'status' });
	const form = el('form', { class: 'wizard', novalidate: '' });
	const stepButtons = STEPS.map((s, i) => {
		const b = el('button', { type: 'button',
		    text: t(`report.step_${s}`) });
		b.addEventListener('click', () => go(i));
		return b;
	});
	const nav = el('ol', { class: 'steps',
	    'aria-label': t('report.steps') },
	    ...stepButtons.map((b) => el('li', {}, b)));

	// ---- step 1: when ------------------------------------------------
	const agency = select('agency', [{ value: me.agency,
	    label: agencyName(me.agency) }], { value: me.agency });
	const source = select('source', SOURCES.map((s) => ({ value: s,
	    label: label('src', s) })), { blank: t('report.source_unknown') });
	const sourceRef = el('input', { type: 'text', name: 'source_ref',
	    maxlength: '500' });
	const exerciseId = uid('c');
	const exercise = el('input', { type: 'checkbox', name: 'exercise',
	    id: exerciseId });
	// P13: a vendor's own awareness and report times are kept; the
	// clocks still start when the agency became aware.
	const vendor = me.roles.includes('vendor');
	const step1 = el('fieldset', { class: 'step form' },
	    el('legend', { class: 'visually-hidden',
		text: t('report.step_when') }),
	    field({ label: t('report.agency'), control: agency,
		required: true, hint: t('report.agency_hint') }),
	    dateTimeField({ name: 'aware_at', label: t('report.aware_at'),
		required: true, hint: t('report.aware_hint') }),
	    dateTimeField({ name: 'occurred_at',
		label: t('report.occurred_at'),
		hint: t('report.occurred_hint') }),
	    field({ label: t('report.source'), control: source }),
	    field({ label: t('report.source_ref'), control: sourceRef,
		hint: t('report.source_ref_hint') }),
	    vendor ? dateTimeField({ name: 'vendor_aware_at',
		label: t('report.vendor_aware_at'),
		hint: t('report.vendor_hint') }) : '',
	    vendor ? dateTimeField({ name: 'vendor_reported_at',
		label: t('report.vendor_reported_at') }) : '',
	    el('div', { class: 'choice wide' }, exercise,
		el('label', { for: exerciseId, text: t('report.exercise') }),
		el('span', { class: 'hint',
		    text: t('report.exercise_hint') })));

	// ---- step 2: what --------------------------------------------------
	const titleInput = el('input', { type: 'text', name: 'title',
	    maxlength: '200' });
	const description = el('textarea', { name: 'description', rows: '5' });
	const categoryBox = el('div', { class: 'wide' });
	const symptomBox = el('div', { class: 'wide' });
	const otherText = el('input', { type: 'text', name: 'category_other' });
	const otherField = field({ label: t('report.category_other'),
	    control: otherText, required: true });
	const pdId = uid('c');
	const personal = el('input', { type: 'checkbox',
	    name: 'personal_data_involved', id: pdId });
	const impactId = uid('c');
	const impact = el('input', { type: 'checkbox',
	    name: 'impact_other_agencies', id: impactId });
	const sectorBox = el('div', { class: 'wide' });
	const systemRows = el('div', { class: 'helper-rows' });
	const addSystem = el('button', { type: 'button',
	    class: 'btn btn-small', text: t('report.system_add') });
	const systemsBox = el('fieldset', { class: 'choices wide',
	    'data-name': 'affected_systems' },
	    el('legend', { text: t('report.systems') }),
	    el('p', { class: 'hint', text: t('report.systems_hint') }),
	    systemRows, el('div', { class: 'actions' }, addSystem),
	    el('p', { class: 'field-error', hidden: true }));
	const step2 = el('fieldset', { class: 'step form' },
	    el('legend', { class: 'visually-hidden',
		text: t('report.step_what') }),
	    field({ label: t('report.title_field'), control: titleInput,
		required: true, wide: true, hint: t('report.title_hint') }),
	    field({ label: t('report.description'), control: description,
		wide: true, hint: t('report.description_hint') }),
	    categoryBox, otherField, symptomBox,
	    el('div', { class: 'choice wide' }, personal,
		el('label', { for: pdId, text: t('report.personal_data') }),
		el('span', { class: 'hint',
		    text: t('report.personal_data_hint') })),
	    systemsBox,
	    el('div', { class: 'choice wide' }, impact,
		el('label', { for: impactId, text: t('report.impact') })),
	    sectorBox);

	// The systems hit (the platform's form asks each one's name, whether
	// it is core or critical infrastructure, and its tolerable downtime).
	function drawSystems() {
		systemRows.replaceChildren(...draft.systems.map((x, i) => {
			const nameIn = el('input', { type: 'text',
			    name: `system_name_${i}`, value: x.name ?? '' });
			const hours = el('input', { type: 'number', min: '0',
			    step: 'any', inputmode: 'decimal',
			    name: `system_hours_${i}`, value: x.hours ?? '' });
			const box = (key, text) => {
				const id = uid('c');
				const c = el('input', { type: 'checkbox', id,
				    name: `system_${key}_${i}` });
				c.checked = Boolean(x[key]);
				c.addEventListener('change', () => {
					x[key] = c.checked;
				});
				return el('div', { class: 'choice' }, c,
				    el('label', { for: id, text }));
			};
			nameIn.addEventListener('input', () => {
				x.name = nameIn.value;
			});
			hours.addEventListener('input', () => {
				x.hours = hours.value;
			});
			const remove = el('button', { type: 'button',
			    class: 'btn btn-small',
			    text: t('report.remove_answer') });
			remove.setAttribute('aria-label',
			    t('report.system_remove', { n: i + 1 }));
			remove.addEventListener('click', () => {
				draft.systems.splice(i, 1);
				drawSystems();
				addSystem.focus();
				changed();
			});
			return el('div', { class: 'system-row' },
			    field({ label: t('report.system_name',
				{ n: i + 1 }), control: nameIn }),
			    field({ label: t('report.system_hours'),
				control: hours }),
			    box('core', t('report.system_core')),
			    box('ci', t('report.system_ci')), remove);
		}));
	}
	addSystem.addEventListener('click', () => {
		draft.systems.push({ name: '', core: false, ci: false,
		    hours: '' });
		drawSystems();
		systemRows.querySelector(
		    `[name="system_name_${draft.systems.length - 1}"]`)
		    ?.focus();
		changed();
	});

	function drawSectors() {
		const group = choices({ name: 'critical_sectors',
		    type: 'checkbox', legend: t('report.sectors'),
		    hint: t('report.sectors_hint'),
		    options: SECTORS.map((x) => ({ value: x,
		    label: label('sector', x) })),
		    value: draft.values.critical_sectors ?? [] });
		group.classList.add('columns');
		sectorBox.replaceChildren(group);
	}

	function drawCategory() {
		const v = draft.values.category ?? '';
		categoryBox.replaceChildren(choices({ name: 'category',
		    legend: t('report.category'), required: true,
		    inline: true, options: CATEGORIES.map((c) =>
		    ({ value: c, label: label('cat', c) })), value: [v] }));
		const names = [...(SYMPTOMS[v] ?? []), ...ANY_SYMPTOMS];
		const chosen = new Set(draft.values.symptoms ?? []);
		const group = choices({ name: 'symptoms', type: 'checkbox',
		    legend: t('report.symptoms'),
		    hint: v ? undefined : t('report.symptoms_hint'),
		    options: names.map((s) => ({ value: s,
		    label: label('sym', s) })),
		    value: names.filter((s) => chosen.has(s)) });
		group.classList.add('columns');
		symptomBox.replaceChildren(group);
		otherField.hidden = v !== 'other';
	}

	// ---- step 3: level --------------------------------------------------
	const helperRows = el('div', { class: 'helper-rows' });
	const proposal = el('div', { class: 'proposal', role: 'status',
	    'aria-live': 'polite' });
	const levelBox = el('div', {});
	const addAnswer = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('report.add_answer') });
	const step3 = el('fieldset', { class: 'step' },
	    el('legend', { class: 'visually-hidden',
		text: t('report.step_level') }),
	    el('p', { class: 'hint', text: t('report.helper_intro') }),
	    helperRows,
	    el('div', { class: 'actions' }, addAnswer),
	    proposal, levelBox);

	function drawAnswers() {
		helperRows.replaceChildren(...draft.answers.map((a, i) => {
			const asset = select(`answer_asset_${i}`,
			    LEVEL_ASSETS.map((x) => ({ value: x,
			    label: label('asset', x) })), { value: a.asset,
			    blank: t('report.choose') });
			const effects = LEVEL_EFFECTS.filter((e) =>
			    !(NO_A_EFFECT.has(a.asset) && e.startsWith('a_')));
			const effect = select(`answer_effect_${i}`,
			    effects.map((x) => ({ value: x,
			    label: label('effect', x) })), { value: a.effect,
			    blank: t('report.choose') });
			asset.addEventListener('change', () => {
				a.asset = asset.value;
				if (NO_A_EFFECT.has(a.asset) &&
				    a.effect.startsWith('a_'))
					a.effect = '';
				drawAnswers();
				helperRows.querySelector(
				    `[name="answer_asset_${i}"]`)?.focus();
				propose();
				changed();
			});
			effect.addEventListener('change', () => {
				a.effect = effect.value;
				propose();
				changed();
			});
			const remove = el('button', { type: 'button',
			    class: 'btn btn-small',
			    text: t('report.remove_answer') });
			remove.setAttribute('aria-label',
			    t('report.remove_answer_n', { n: i + 1 }));
			remove.disabled = draft.answers.length === 1;
			remove.addEventListener('click', () => {
				draft.answers.splice(i, 1);
				drawAnswers();
				addAnswer.focus();
				propose();
				changed();
			});
			return el('div', { class: 'helper-row' },
			    field({ label: t('report.asset', { n: i + 1 }),
				control: asset }),
			    field({ label: t('report.effect', { n: i + 1 }),
				control: effect }),
			    remove);
		}));
		drawProposal();
	}
	addAnswer.addEventListener('click', () => {
		draft.answers.push({ asset: '', effect: '' });
		drawAnswers();
		helperRows.querySelector(
		    `[name="answer_asset_${draft.answers.length - 1}"]`)
		    ?.focus();
		changed();
	});

	// The server's level helper judges the answers by the level table
	// of the policy in force at the awareness time (P10), and says which
	// answer, row and column gave the level; the latest question wins.
	let asked = 0;
	async function propose() {
		const complete = draft.answers.filter((a) => a.asset &&
		    a.effect);
		const mine = ++asked;
		if (complete.length === 0) {
			draft.proposal = null;
			drawProposal();
			return;
		}
		proposal.replaceChildren(el('p', { class: 'muted',
		    text: t('report.judging') }));
		const aware = draft.values.aware_at ?
		    fromLocalInput(draft.values.aware_at) : null;
		try {
			const r = await post('/api/v1/level-helper', {
			    answers: complete.map((a) => ({ asset: a.asset,
			    effect: a.effect })),
			    ...(aware && Date.parse(aware) <= Date.now() ?
			    { aware_at: aware } : {}) }, { signal });
			if (mine !== asked)
				return;
			draft.proposal = { level: r.level, asset: r.row,
			    effect: r.column, policy: r.policy,
			    index: draft.answers.indexOf(complete[r.index]) };
		} catch (err) {
			if (signal.aborted || mine !== asked)
				return;
			draft.proposal = { error: err.message };
		}
		drawProposal();
		changed();
	}

	function drawProposal() {
		const best = draft.proposal?.level ? draft.proposal : null;
		const school = agencyOf(draft.values.agency)?.type === 'school';
		if (draft.proposal?.error) {
			proposal.replaceChildren(el('p', { class: 'field-error',
			    text: draft.proposal.error }));
		} else if (!best) {
			proposal.replaceChildren(el('p', { class: 'muted',
			    text: t('report.no_proposal') }));
		} else {
			proposal.replaceChildren(
			    el('strong', {}, t('report.proposed'), ' ',
				levelBadge(best.level)),
			    el('p', { text: t('report.reason', {
				asset: label('asset', best.asset),
				effect: label('effect', best.effect),
				n: best.index + 1, level: best.level }) }),
			    el('p', { class: 'small muted', text:
				t('report.policy', { policy: best.policy }) }));
		}
		const levels = school ? [0, 1, 2, 3, 4] : [1, 2, 3, 4];
		const current = draft.values.level ??
		    (best ? String(best.level) : '');
		levelBox.replaceChildren(choices({ name: 'level',
		    legend: t('report.level'), required: true, inline: true,
		    hint: t('report.level_hint'),
		    options: levels.map((n) => ({ value: String(n),
		    label: t('level.badge', { n }) })), value: [current] }));
		if (best && draft.values.level &&
		    draft.values.level !== String(best.level))
			levelBox.append(el('p', { class: 'notice notice-warn',
			    text: t('report.level_differs', { chosen:
			    draft.values.level, proposed: best.level }) }));
	}

	// ---- step 4: affected agencies -------------------------------------
	// The list offers the agencies the person can see; another agency,
	// outside their part of the tree, is added by its code, which the
	// server checks.
	const filter = el('input', { type: 'search', name: 'agency_filter' });
	const pick = el('div', { class: 'pick-list', role: 'group',
	    'aria-label': t('report.affected') });
	const chosenList = el('ul', { class: 'chips', 'aria-live': 'polite' });
	const byCode = el('input', { type: 'text', name: 'agency_code',
	    autocapitalize: 'none', spellcheck: 'false' });
	const addCode = el('button', { type: 'button', class: 'btn btn-small',
	    text: t('report.affected_add') });
	const step4 = el('fieldset', { class: 'step', 'data-name':
	    'affected_agencies' },
	    el('legend', { text: t('report.affected') }),
	    el('p', { class: 'hint', text: t('report.affected_hint') }),
	    el('h3', { class: 'h-small', text: t('report.affected_chosen') }),
	    chosenList,
	    field({ label: t('report.affected_filter'), control: filter }),
	    pick,
	    el('div', { class: 'inline-add' },
		field({ label: t('report.affected_code'), control: byCode,
		    hint: t('report.affected_code_hint') }), addCode),
	    el('p', { class: 'field-error', hidden: true }));

	function setChosen(codes) {
		draft.values.affected_agencies = [...new Set(codes)];
		drawPick();
		changed();
	}
	addCode.addEventListener('click', () => {
		const code = byCode.value.trim().toLowerCase();
		if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(code)) {
			setFieldError(form, 'agency_code',
			    t('report.affected_code_bad'))?.focus();
			return;
		}
		clearFieldErrors(form);
		byCode.value = '';
		setChosen([...(draft.values.affected_agencies ?? []), code]);
		byCode.focus();
	});
	byCode.addEventListener('keydown', (event) => {
		if (event.key === 'Enter') {
			event.preventDefault();
			addCode.click();
		}
	});

	function drawPick() {
		const chosen = new Set(draft.values.affected_agencies ?? []);
		chosenList.replaceChildren(...(chosen.size === 0 ?
		    [el('li', { class: 'muted',
			text: t('report.affected_none') })] :
		    [...chosen].map((code) => {
			const b = el('button', { type: 'button',
			    class: 'btn-link',
			    text: t('report.remove_answer') });
			b.setAttribute('aria-label', t('report.affected_remove',
			    { name: agencyName(code) }));
			b.addEventListener('click', () => {
				setChosen([...chosen].filter((c) =>
				    c !== code));
				(chosenList.querySelector('button') ?? filter)
				    .focus();
			});
			return el('li', { class: 'chip' },
			    `${agencyName(code)} (${code})`, ' ', b);
		    })));
		const words = filter.value.trim().toLowerCase();
		const rows = agencyList().filter((a) => a.code !==
		    draft.values.agency && a.active !== false &&
		    (words === '' || `${a.code} ${a.name} ${a.name_en ?? ''}`
		    .toLowerCase().includes(words)));
		pick.replaceChildren(...rows.map((a) => {
			const id = uid('c');
			const box = el('input', { type: 'checkbox', id,
			    name: 'affected_agencies', value: a.code });
			box.checked = chosen.has(a.code);
			return el('div', { class: 'choice' }, box,
			    el('label', { for: id, text:
			    `${agencyName(a.code)} (${a.code})` }));
		}));
	}
	filter.addEventListener('input', drawPick);

	// ---- step 5: send -------------------------------------------------
	const summary = el('div', {});
	const send = el('button', { type: 'submit', class: 'btn btn-primary',
	    text: t('report.send') });
	const step5 = el('fieldset', { class: 'step' },
	    el('legend', { class: 'visually-hidden',
		text: t('report.step_send') }),
	    el('p', { text: t('report.send_intro') }),
	    summary);

	function drawSummary() {
		const v = draft.values;
		const best = draft.proposal?.level ? draft.proposal : null;
		summary.replaceChildren(facts([
		    [t('report.agency'), agencyName(v.agency)],
		    [t('report.aware_at'), formatMinute(fromLocalInput(
			v.aware_at)) ?? t('common.none')],
		    [t('report.occurred_at'), formatMinute(fromLocalInput(
			v.occurred_at)) ?? t('common.none')],
		    [t('report.title_field'), v.title || t('common.none')],
		    [t('report.category'), v.category ? label('cat',
			v.category) : t('common.none')],
		    [t('report.symptoms'), (v.symptoms ?? []).map((s) =>
			label('sym', s)).join(t('common.list_sep')) ||
			t('common.none')],
		    [t('report.level'), v.level ? levelBadge(Number(v.level)) :
			t('common.none')],
		    [t('report.proposed'), best ? levelBadge(best.level) :
			t('common.none')],
		    [t('report.exercise'), v.exercise ? t('common.yes') :
			t('common.no')],
		    [t('report.personal_data'), v.personal_data_involved ?
			t('common.yes') : t('common.no')],
		    [t('report.systems'), draft.systems.filter((x) =>
			x.name?.trim()).map((x) => x.name.trim())
			.join(t('common.list_sep')) || t('common.none')],
		    [t('report.sectors'), (v.critical_sectors ?? []).map((x) =>
			label('sector', x)).join(t('common.list_sep')) ||
			t('common.none')],
		    [t('report.affected'), (v.affected_agencies ?? [])
			.map(agencyName).join(t('common.list_sep')) ||
			t('common.none')],
		]));
	}

	const steps = [step1, step2, step3, step4, step5];
	const back = el('button', { type: 'button', class: 'btn',
	    text: t('report.back') });
	const next = el('button', { type: 'button', class: 'btn btn-primary',
	    text: t('report.next') });
	const discard = el('button', { type: 'button', class: 'btn btn-danger',
	    text: t('report.discard') });
	const actions = el('div', { class: 'actions' }, back, next, send,
	    discard);
	form.append(alert, ...steps, actions);

	// ---- the draft ------------------------------------------------------
	function readForm() {
		const v = draft.values;
		v.agency = agency.value;
		// What was typed is kept as typed, even half a time; the
		// checks below say what is wrong with it.
		for (const name of ['aware_at', 'occurred_at']) {
			v[`${name}_typed`] = [
			    form.elements[`${name}_date`].value,
			    form.elements[`${name}_time`].value];
			v[name] = readDateTime(form, name);
		}
		v.source = source.value;
		v.exercise = exercise.checked;
		v.title = titleInput.value;
		v.description = description.value;
		v.category = checkedValues(form, 'category')[0] ??
		    v.category ?? '';
		v.category_other = otherText.value;
		// Symptoms of another category are dropped when it changes.
		const shown = new Set([...(SYMPTOMS[v.category] ?? []),
		    ...ANY_SYMPTOMS]);
		v.symptoms = checkedValues(form, 'symptoms').filter((s) =>
		    shown.has(s));
		v.personal_data_involved = personal.checked;
		v.impact_other_agencies = impact.checked;
		v.critical_sectors = checkedValues(form, 'critical_sectors');
		v.source_ref = sourceRef.value;
		for (const name of ['vendor_aware_at', 'vendor_reported_at'])
			if (form.elements[`${name}_date`])
				v[name] = readDateTime(form, name);
		v.level = checkedValues(form, 'level')[0] ?? v.level;
		const inList = new Set([...pick.querySelectorAll('input')]
		    .map((i) => i.value));
		v.affected_agencies = [
		    ...(v.affected_agencies ?? []).filter((c) =>
			!inList.has(c)),
		    ...checkedValues(form, 'affected_agencies')];
	}

	function fillForm() {
		const v = draft.values;
		agency.value = v.agency;
		for (const name of ['aware_at', 'occurred_at']) {
			const typed = v[`${name}_typed`];
			if (Array.isArray(typed)) {
				form.elements[`${name}_date`].value = typed[0];
				form.elements[`${name}_time`].value = typed[1];
			} else {
				writeDateTime(form, name, v[name] ?? '');
			}
		}
		source.value = v.source ?? '';
		exercise.checked = Boolean(v.exercise);
		titleInput.value = v.title ?? '';
		description.value = v.description ?? '';
		otherText.value = v.category_other ?? '';
		personal.checked = Boolean(v.personal_data_involved);
		impact.checked = Boolean(v.impact_other_agencies);
		sourceRef.value = v.source_ref ?? '';
		for (const name of ['vendor_aware_at', 'vendor_reported_at'])
			if (form.elements[`${name}_date`])
				writeDateTime(form, name, v[name] ?? '');
		drawSystems();
		drawSectors();
		drawCategory();
		drawAnswers();
		drawPick();
	}

	function changed() {
		draft.savedAt = new Date().toISOString();
		note.textContent = saveDraft(me, draft) ?
		    t('report.draft_saved', { time: formatMinute(
		    draft.savedAt) }) : t('report.draft_not_kept');
	}

	form.addEventListener('input', (event) => {
		if (event.target.name === 'agency_filter' ||
		    event.target.name === 'agency_code')
			return;
		readForm();
		changed();
	});
	form.addEventListener('change', (event) => {
		const name = event.target.name;
		if (name === 'agency_filter' || name === 'agency_code' ||
		    name?.startsWith('answer_'))
			return;
		readForm();
		if (name === 'category')
			drawCategory();
		if (name?.startsWith('aware_at') && draft.proposal)
			propose();
		if (name === 'level' || name === 'agency')
			drawProposal();
		if (name === 'affected_agencies' || name === 'agency')
			drawPick();
		changed();
	});

	// ---- checks ---------------------------------------------------------
	// Returns [field, message] pairs of what step I lacks.
	function problemsOf(i) {
		const v = draft.values;
		const out = [];
		if (i === 0) {
			const aware = v.aware_at ? fromLocalInput(v.aware_at) :
			    null;
			const occurred = v.occurred_at ?
			    fromLocalInput(v.occurred_at) : null;
			if (v.aware_at === '' || v.aware_at === undefined)
				out.push(['aware_at', t('form.missing')]);
			else if (!aware)
				out.push(['aware_at', t('form.bad_time')]);
			else if (Date.parse(aware) > Date.now() + 60000)
				out.push(['aware_at', t('form.future_time')]);
			for (const name of ['vendor_aware_at',
			    'vendor_reported_at'])
				if (v[name] === null)
					out.push([name, t('form.bad_time')]);
			if (v.vendor_aware_at && v.vendor_reported_at &&
			    v.vendor_reported_at < v.vendor_aware_at)
				out.push(['vendor_reported_at',
				    t('report.vendor_order')]);
			if (v.occurred_at === null)
				out.push(['occurred_at', t('form.bad_time')]);
			else if (occurred && aware &&
			    Date.parse(occurred) > Date.parse(aware))
				out.push(['occurred_at',
				    t('report.occurred_after')]);
		}
		if (i === 1) {
			if (!v.title?.trim())
				out.push(['title', t('form.missing')]);
			if (!v.category)
				out.push(['category', t('report.pick_one')]);
			else if (v.category === 'other' &&
			    !v.category_other?.trim())
				out.push(['category_other', t('form.missing')]);
		}
		if (i === 1 && draft.systems.some((x) => x.hours !== '' &&
		    x.hours !== undefined && !(Number(x.hours) >= 0)))
			out.push(['affected_systems', t('report.system_bad')]);
		if (i === 2 && !v.level)
			out.push(['level', t('report.pick_level')]);
		return out;
	}

	function showProblems(problems) {
		clearFieldErrors(form);
		const first = problems.map(([n, m]) =>
		    setFieldError(form, n, m)).find(Boolean);
		alert.hidden = false;
		alert.textContent = t('form.check_fields');
		first?.focus();
	}

	let current = 0;
	function go(i, { focus = true } = {}) {
		readForm();
		current = Math.max(0, Math.min(STEPS.length - 1, i));
		draft.step = current;
		steps.forEach((s, k) => {
			s.hidden = k !== current;
		});
		stepButtons.forEach((b, k) => {
			if (k === current)
				b.setAttribute('aria-current', 'step');
			else
				b.removeAttribute('aria-current');
			b.classList.toggle('done', k < STEPS.length - 1 &&
			    k !== current && problemsOf(k).length === 0 &&
			    k < current);
		});
		back.hidden = current === 0;
		next.hidden = current === STEPS.length - 1;
		send.hidden = current !== STEPS.length - 1;
		if (current === STEPS.length - 1)
			drawSummary();
		changed();
		if (focus)
			steps[current].querySelector('input, select, ' +
			    'textarea, button')?.focus();
	}

	back.addEventListener('click', () => go(current - 1));
	next.addEventListener('click', () => {
		readForm();
		const problems = problemsOf(current);
		if (problems.length > 0) {
			showProblems(problems);
			return;
		}
		clearFieldErrors(form);
		alert.hidden = true;
		go(current + 1);
	});
	discard.addEventListener('click', () => {
		// A confirm() is a modal the keyboard handles; losing a
		// half-written report by a slip is worse than one more click.
		if (!window.confirm(t('report.discard_confirm')))
			return;
		dropDraft(me);
		navigate('/');
	});

	form.addEventListener('submit', async (event) => {
		event.preventDefault();
		readForm();
		for (let i = 0; i < STEPS.length; i++) {
			const problems = problemsOf(i);
			if (problems.length > 0) {
				go(i, { focus: false });
				showProblems(problems);
				return;
			}
		}
		const v = draft.values;
		const body = {
			agency: v.agency,
			title: v.title.trim(),
			category: v.category,
			aware_at: fromLocalInput(v.aware_at),
			level: Number(v.level),
			exercise: Boolean(v.exercise),
			personal_data_involved: Boolean(
			    v.personal_data_involved),
			affected_agencies: v.affected_agencies ?? [],
			symptoms: v.symptoms ?? [],
		};
		if (v.occurred_at)
			body.occurred_at = fromLocalInput(v.occurred_at);
		if (v.description?.trim())
			body.description = v.description.trim();
		if (v.category === 'other')
			body.category_other = v.category_other.trim();
		if (v.source)
			body.source = v.source;
		if (v.source_ref?.trim())
			body.source_ref = v.source_ref.trim();
		for (const name of ['vendor_aware_at', 'vendor_reported_at'])
			if (v[name])
				body[name] = fromLocalInput(v[name]);
		if (v.impact_other_agencies)
			body.impact_other_agencies = true;
		if (v.critical_sectors?.length)
			body.critical_sectors = v.critical_sectors;
		const systems = draft.systems.filter((x) => x.name?.trim());
		if (systems.length)
			body.affected_systems = systems.map((x) => ({
			    name: x.name.trim(), core: Boolean(x.core),
			    critical_infrastructure: Boolean(x.ci),
			    ...(x.hours !== '' && x.hours !== undefined ?
			    { tolerable_downtime: Math.round(Number(x.hours) *
			    3600) } : {}) }));
		try {
			const inc = await busy(send, () => post(
			    '/api/v1/incidents', body, { signal,
			    idempotencyKey: draft.key }));
			dropDraft(me);
			navigate(`/incidents/${encodeURIComponent(inc.id)}`);
		} catch (err) {
			if (signal.aborted)
				return;
			// "affected_systems[0].name" belongs to its list.
			const base = err instanceof ApiError && err.field ?
			    err.field.split(/[.[]/)[0] : null;
			const step = base ? FIELD_STEP[base] : undefined;
			if (step !== undefined)
				go(step, { focus: false });
			showFormError(form, alert, base && base !== err.field ?
			    new ApiError(err.status, err.code, err.message,
			    base,
			    err.body) : err);
		}
	});

	root.append(
	    el('h1', { text: t('report.heading') }),
	    el('p', { class: 'lead', text: t('report.intro') }),
	    saved ? el('p', { class: 'notice', role: 'status',
		text: t('report.draft_restored', { time: formatMinute(
		saved.savedAt) ?? '' }) }) : '',
	    nav,
	    el('div', { class: 'panel' }, form, note));

	const agencyOf = (code) => agencyList().find((a) => a.code === code);
	fillForm();
	go(draft.step ?? 0, { focus: false });
	loadAgencies().then(() => {
		if (signal.aborted)
			return;
		// The agencies one may report for: one's own and those
		// below it (DoIT: any).  The list the server gives is the
		// scope already.
		const list = agencyList();
		agency.replaceChildren(...(list.length ? list : [{ code:
		    me.agency }]).map((a) => el('option', { value: a.code,
		    text: `${agencyName(a.code)} (${a.code})` })));
		agency.value = draft.values.agency;
		drawPick();
		drawProposal();
		if (current === STEPS.length - 1)
			drawSummary();
	});
}
