// vocab.js: the API's lists of names the screens offer as choices, in the
// server's order (src/domain/form.c, domain.h, roster.h; REQUIREMENTS.md).
// Their labels are in the catalogues under the prefix named beside each,
// read with label(prefix, name).  Names are API: they are added to, never
// renamed, so a name missing here still shows (as itself) when the server
// sends it.

// "cat." The national platform's categories.
export const CATEGORIES = ['web_attack', 'intrusion', 'denial_of_service',
    'equipment', 'other'];

// "sym." Symptoms by category; ANY_SYMPTOMS (the newer forms') go with
// every category.
export const SYMPTOMS = {
	web_attack: ['defacement', 'malicious_comment', 'malicious_page',
	    'phishing_page', 'web_trojan', 'website_data_leak'],
	intrusion: ['system_compromised', 'malware_planted',
	    'abnormal_connection', 'spam_sending', 'data_leak'],
	denial_of_service: ['service_outage', 'performance_degraded'],
	equipment: ['damaged_device', 'power_fault', 'network_outage',
	    'lost_device'],
	other: [],
};
export const ANY_SYMPTOMS = ['abnormal_login', 'outbound_attack',
    'unauthorized_access', 'service_failure'];

// "src." Where the agency learned of it.
export const SOURCES = ['self_found', 'alert', 'external_intel', 'media'];

// "sector." Critical sectors an incident may reach.
export const SECTORS = ['water', 'energy', 'communications', 'transport',
    'finance', 'emergency_medical', 'government', 'science_parks'];

// "cause." Causes the closure report asks for.
export const CAUSES = ['os_vulnerability', 'weak_password',
    'application_vulnerability', 'poor_web_design', 'human_error',
    'misconfiguration', 'social_engineering', 'other'];

// "team." The response team's default roles (P19).
export const TEAM_ROLES = ['commander', 'deputy_commander',
    'contact_window', 'technical', 'administrative', 'public_relations'];

// "channel." How an affected agency's window was told (P12).
export const NOTIFY_CHANNELS = ['phone', 'taipeion', 'email', 'in_person',
    'other'];

// "istate." An incident's state.
export const INCIDENT_STATES = ['new', 'approved', 'reported', 'closed'];

// "obl." Obligation names, in the order of the deadline table.
export const OBLIGATIONS = ['report', 'backfill_report', 'notify_affected',
    'cc_doit', 'level_review', 'team_formed', 'response_meeting',
    'damage_control', 'effectiveness_report', 'pdpa_assessment',
    'root_cause', 'closure_report', 'progress_report'];

// "ostate." Obligation states.
export const OBLIGATION_STATES = ['pending', 'met', 'met_late', 'overdue',
    'not_applicable'];

// "asset." and "effect." The rows and columns of the level table (P10).
export const LEVEL_ASSETS = ['non_core', 'core',
    'core_critical_infrastructure', 'official_secret_or_sensitive',
    'national_secret'];
export const LEVEL_EFFECTS = ['ci_minor', 'ci_serious',
    'a_restored_in_time', 'a_not_restored_in_time'];

// "atype." Agency types (P2), "rlevel." responsibility levels.
export const AGENCY_TYPES = ['city_agency', 'district_office',
    'subordinate', 'legal_person', 'school', 'doit'];
export const RESPONSIBILITY_LEVELS = ['A', 'B', 'C', 'D', 'E'];

// "role." Roles, "employ." kinds of employment (issue 3).
export const ROLES = ['reporter', 'contact_window', 'ciso', 'commander',
    'responder', 'doit_reviewer', 'doit_admin', 'superior_viewer',
    'vendor'];
export const EMPLOYMENT = ['civil_servant', 'contract', 'temporary',
    'vendor'];

// "flag." Roster flags (P5-P9).
export const ROSTER_FLAGS = ['no_window', 'no_deputy', 'deputy_not_ready',
    'dedicated_vacant', 'window_change_late'];
