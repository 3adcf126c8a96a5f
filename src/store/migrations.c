/*
 * migrations.c: the built-in, numbered schema migrations and their runner.
 *
 * Rules (docs/internals/store.md):
 * - Append only.  A migration that has shipped is never edited, renumbered
 *   or removed; a change is a new migration.
 * - Version N is the N-th entry: 1, 2, 3 ... without gaps.
 * - Portable SQL only, run unchanged by SQLite and PostgreSQL: INTEGER,
 *   BIGINT, TEXT, booleans as INTEGER with CHECK (x IN (0, 1)), times as
 *   BIGINT microseconds since the epoch (UTC), ids as BIGINT made by the
 *   application (store_new_id()), never AUTOINCREMENT, SERIAL, IDENTITY or a
 *   function only one of the two has.  A primary key column is declared
 *   NOT NULL because SQLite, unlike PostgreSQL, would otherwise accept NULL.
 * - Each migration runs in its own transaction together with its row in
 *   schema_migrations (both databases have transactional DDL), so it is
 *   either wholly applied or not at all.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/util.h"
#include "internal.h"

/* Migration 1: agencies, the people who work for them and their roles. */
static const char sql_m0001_foundation[] =
    "CREATE TABLE agencies ("
    " code TEXT NOT NULL PRIMARY KEY CHECK (code <> ''),"
    " name TEXT NOT NULL,"
    " name_en TEXT,"
    " type TEXT NOT NULL CHECK (type IN ('city_agency', 'district_office',"
    "  'subordinate', 'legal_person', 'school', 'doit')),"
    " superior TEXT REFERENCES agencies(code),"
    " supervisor TEXT REFERENCES agencies(code),"
    " responsibility_level TEXT NOT NULL"
    "  CHECK (responsibility_level IN ('A', 'B', 'C', 'D', 'E')),"
    " reports_to_central INTEGER NOT NULL DEFAULT 0"
    "  CHECK (reports_to_central IN (0, 1)),"
    " uses_city_mail INTEGER NOT NULL DEFAULT 1"
    "  CHECK (uses_city_mail IN (0, 1)),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX agencies_superior_idx ON agencies (superior);"
    "CREATE TABLE users ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " username TEXT NOT NULL UNIQUE CHECK (username <> ''),"
    " name TEXT NOT NULL,"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " email TEXT,"
    " phone TEXT,"
    " taipeion_id TEXT,"
    " employment TEXT NOT NULL CHECK (employment IN ('civil_servant',"
    "  'contract', 'temporary', 'vendor')),"
    " dedicated_staff INTEGER NOT NULL DEFAULT 0"
    "  CHECK (dedicated_staff IN (0, 1)),"
    " password_hash TEXT,"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " lang TEXT NOT NULL DEFAULT 'zh-TW' CHECK (lang IN ('zh-TW', 'en')),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX users_agency_idx ON users (agency);"
    "CREATE TABLE user_roles ("
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " role TEXT NOT NULL CHECK (role IN ('reporter', 'contact_window',"
    "  'ciso', 'commander', 'responder', 'doit_reviewer', 'doit_admin',"
    "  'superior_viewer', 'vendor')),"
    " granted_by BIGINT,"
    " granted_at BIGINT NOT NULL,"
    " PRIMARY KEY (user_id, role)"
    ")";

/*
 * Migration 2: sign-in sessions, API tokens and the audit trail (issue 3,
 * P32).  Tokens are stored only as hashes.  audit_log is append-only and
 * hash-chained; audit_head repeats the newest entry's seq and hash so that
 * removing the newest entries is caught too.
 */
static const char sql_m0002_access[] =
    "CREATE TABLE sessions ("
    " id BIGINT NOT NULL PRIMARY KEY,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " created_at BIGINT NOT NULL,"
    " last_seen_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " remote TEXT,"
    " revoked_at BIGINT"
    ");"
    "CREATE INDEX sessions_user_idx ON sessions (user_id);"
    "CREATE TABLE api_tokens ("
    " id BIGINT NOT NULL PRIMARY KEY,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " name TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " expires_at BIGINT NOT NULL,"
    " created_by BIGINT,"
    " revoked_at BIGINT"
    ");"
    "CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);"
    "CREATE TABLE audit_log ("
    " seq BIGINT NOT NULL PRIMARY KEY CHECK (seq > 0),"
    " at BIGINT NOT NULL,"
    " actor_id BIGINT,"
    " actor TEXT NOT NULL,"
    " agency TEXT,"
    " remote TEXT,"
    " request_id TEXT,"
    " action TEXT NOT NULL,"
    " object_type TEXT NOT NULL,"
    " object_id TEXT,"
    " before_json TEXT,"
    " after_json TEXT,"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "CREATE INDEX audit_log_agency_idx ON audit_log (agency, seq);"
    "CREATE TABLE audit_head ("
    " id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),"
    " seq BIGINT NOT NULL,"
    " hash TEXT NOT NULL"
    ");"
    "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0,"
    " '0000000000000000000000000000000000000000000000000000000000000000')";

/*
 * Migration 3: the contact-window roster (P5-P9).  Each row assigns a user
 * as the agency's window or as a deputy from effective_from; a row is never
 * deleted: a new window ends the one before (ended_at), so the history of
 * who was reachable when stays.  appointed_by names the user who appointed
 * a window outside the dedicated staff (P6); late marks a change of window
 * notified on or after the day it took effect (P8).
 */
static const char sql_m0003_roster[] =
    "CREATE TABLE contacts ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " role TEXT NOT NULL CHECK (role IN ('window', 'deputy')),"
    " effective_from BIGINT NOT NULL,"
    " access_ready_at BIGINT,"
    " notified_at BIGINT NOT NULL,"
    " appointed_by TEXT REFERENCES users(username),"
    " late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),"
    " dedicated_vacant INTEGER NOT NULL DEFAULT 0"
    "  CHECK (dedicated_vacant IN (0, 1)),"
    " created_at BIGINT NOT NULL,"
    " created_by BIGINT,"
    " ended_at BIGINT,"
    " CHECK (ended_at IS NULL OR ended_at >= effective_from)"
    ");"
    "CREATE INDEX contacts_agency_idx ON contacts (agency, role, ended_at);"
    "CREATE INDEX contacts_user_idx ON contacts (user_id)";

/*
 * Migration 4: incidents (issue 4, P10-P23).  events is append-only: a row
 * is never updated or deleted (the store has no statement that would), and
 * seq numbers an incident's events in recording order (the deadline
 * engine's event ids, and the subject of a change request's review).
 * obligations is derived: rewritten from the events on every change to the
 * incident, in the same transaction.  Its state is 'open' for an owed,
 * unmet obligation, since pending or overdue depends on the moment it is
 * read: overdue_from (deadline_overdue_from()) and due_key (due_at, or the
 * largest BIGINT for "no fixed time") make "everything owed that is
 * overdue or due before T" one range scan of an index.  idempotency_keys
 * keeps the first answer to a POST with an Idempotency-Key.
 */
static const char sql_m0004_incidents[] =
    "CREATE TABLE incidents ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " title TEXT NOT NULL CHECK (title <> ''),"
    " description TEXT,"
    " category TEXT NOT NULL CHECK (category IN ('web_attack', 'intrusion',"
    "  'denial_of_service', 'equipment', 'other')),"
    " category_other TEXT,"
    " symptoms TEXT NOT NULL DEFAULT '[]',"
    " occurred_at BIGINT,"
    " aware_at BIGINT NOT NULL,"
    " proposed_level INTEGER NOT NULL"
    "  CHECK (proposed_level BETWEEN 0 AND 4),"
    " level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 4),"
    " affected_systems TEXT NOT NULL DEFAULT '[]',"
    " impact_other_agencies INTEGER NOT NULL DEFAULT 0"
    "  CHECK (impact_other_agencies IN (0, 1)),"
    " critical_sectors TEXT NOT NULL DEFAULT '[]',"
    " source TEXT CHECK (source IN ('self_found', 'alert',"
    "  'external_intel', 'media')),"
    " source_ref TEXT,"
    " exercise INTEGER NOT NULL DEFAULT 0 CHECK (exercise IN (0, 1)),"
    " personal_data_involved INTEGER NOT NULL DEFAULT 0"
    "  CHECK (personal_data_involved IN (0, 1)),"
    " equipment_failure INTEGER NOT NULL DEFAULT 0"
    "  CHECK (equipment_failure IN (0, 1)),"
    " is_school INTEGER NOT NULL DEFAULT 0 CHECK (is_school IN (0, 1)),"
    " reports_to_central INTEGER NOT NULL DEFAULT 0"
    "  CHECK (reports_to_central IN (0, 1)),"
    " reported_by BIGINT NOT NULL REFERENCES users(id),"
    " vendor_aware_at BIGINT,"
    " vendor_reported_at BIGINT,"
    " policy TEXT NOT NULL,"
    " state TEXT NOT NULL CHECK (state IN ('new', 'approved', 'reported',"
    "  'closed')),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0)"
    ");"
    "CREATE INDEX incidents_agency_idx ON incidents (agency, aware_at, id);"
    "CREATE INDEX incidents_aware_idx ON incidents (aware_at, id);"
    "CREATE INDEX incidents_reporter_idx ON incidents"
    " (reported_by, aware_at, id);"
    "CREATE TABLE incident_affected ("
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " notified_at BIGINT,"
    " PRIMARY KEY (incident, agency)"
    ");"
    "CREATE INDEX incident_affected_agency_idx ON incident_affected"
    " (agency, incident);"
    "CREATE TABLE events ("
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " seq INTEGER NOT NULL CHECK (seq > 0),"
    " type TEXT NOT NULL CHECK (type IN ('level_approved', 'reported',"
    "  'backfilled', 'agency_notified', 'doit_copied', 'info_requested',"
    "  'info_provided', 'level_reviewed', 'level_change_requested',"
    "  'team_formed', 'meeting_held', 'tracking_designated',"
    "  'damage_controlled', 'effectiveness_reported', 'pdpa_assessed',"
    "  'root_cause_recorded', 'plan_approved', 'progress_reported',"
    "  'closure_reported', 'signed')),"
    " at BIGINT NOT NULL,"
    " actor BIGINT NOT NULL REFERENCES users(id),"
    " actor_name TEXT NOT NULL,"
    " recorded_at BIGINT NOT NULL,"
    " level INTEGER CHECK (level BETWEEN 0 AND 4),"
    " channel TEXT,"
    " kind TEXT,"
    " agency TEXT,"
    " fields TEXT NOT NULL DEFAULT '{}',"
    " PRIMARY KEY (incident, seq)"
    ");"
    "CREATE TABLE platform_refs ("
    " ref TEXT NOT NULL PRIMARY KEY CHECK (ref <> ''),"
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " seq INTEGER NOT NULL"
    ");"
    "CREATE INDEX platform_refs_incident_idx ON platform_refs (incident);"
    "CREATE TABLE obligations ("
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " name TEXT NOT NULL,"
    " subject TEXT NOT NULL DEFAULT '',"
    " period INTEGER NOT NULL DEFAULT 0,"
    " agency TEXT NOT NULL,"
    " level INTEGER NOT NULL,"
    " start_at BIGINT,"
    " due_at BIGINT,"
    " by_date INTEGER NOT NULL DEFAULT 0 CHECK (by_date IN (0, 1)),"
    " overdue_from BIGINT,"
    " due_key BIGINT NOT NULL,"
    " met_at BIGINT,"
    " state TEXT NOT NULL CHECK (state IN ('open', 'met', 'met_late',"
    "  'not_applicable')),"
    " exercise INTEGER NOT NULL DEFAULT 0 CHECK (exercise IN (0, 1)),"
    " PRIMARY KEY (incident, name, subject, period)"
    ");"
    "CREATE INDEX obligations_due_idx ON obligations (state, due_key);"
    "CREATE INDEX obligations_agency_due_idx ON obligations"
    " (agency, state, due_key);"
    "CREATE TABLE idempotency_keys ("
    " caller BIGINT NOT NULL,"
    " idem_key TEXT NOT NULL,"
    " request_hash TEXT NOT NULL,"
    " status INTEGER NOT NULL,"
    " location TEXT,"
    " response TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " PRIMARY KEY (caller, idem_key)"
    ");"
    "CREATE INDEX idempotency_keys_created_idx ON idempotency_keys"
    " (created_at)";

/*
 * Migration 5: notifications (issue 6).  outbox holds every message, one
 * per recipient and channel, written in the transaction of the change that
 * caused it; idempotency_key makes a retried change add nothing.  state
 * moves pending -> sending (claimed for a try, leased until
 * next_attempt_at) -> sent, or back to pending with a later
 * next_attempt_at, or to dead once the retries are used up (retry_from
 * starts their 24 hours; a manual retry restarts it).  incident_id is not
 * a foreign key: a message outlives nothing it points to, and tests send
 * messages about no incident.  notify_prefs holds each person's channels
 * and language (no row: both channels on, the account's language).
 * reachability_checks and reachability_confirmations are DoIT's P7 checks
 * (tokens stored hashed).  notify_schedule is the reminder scheduler's
 * memory: per obligation the highest stage sent, so that a restart never
 * sends one twice, and next_at, the next moment anything is due, so that
 * the scheduler can sleep until MIN(next_at).  user_roles gets an index by
 * role: every notification asks who holds one.
 */
static const char sql_m0005_notify[] =
    "CREATE TABLE outbox ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " idempotency_key TEXT NOT NULL UNIQUE,"
    " kind TEXT NOT NULL,"
    " channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),"
    " recipient_id BIGINT REFERENCES users(id),"
    " address TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " body_text TEXT NOT NULL,"
    " body_html TEXT NOT NULL,"
    " payload TEXT NOT NULL,"
    " incident_id BIGINT,"
    " created_at BIGINT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending',"
    "  'sending', 'sent', 'dead')),"
    " attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),"
    " next_attempt_at BIGINT NOT NULL,"
    " retry_from BIGINT NOT NULL,"
    " last_error TEXT,"
    " sent_at BIGINT"
    ");"
    "CREATE INDEX outbox_due_idx ON outbox (state, next_attempt_at);"
    "CREATE INDEX outbox_incident_idx ON outbox (incident_id, created_at);"
    "CREATE INDEX outbox_state_idx ON outbox (state, created_at);"
    "CREATE TABLE notify_prefs ("
    " user_id BIGINT NOT NULL PRIMARY KEY REFERENCES users(id),"
    " email INTEGER NOT NULL DEFAULT 1 CHECK (email IN (0, 1)),"
    " webhook INTEGER NOT NULL DEFAULT 1 CHECK (webhook IN (0, 1)),"
    " locale TEXT CHECK (locale IN ('zh-TW', 'en')),"
    " updated_at BIGINT NOT NULL"
    ");"
    "CREATE TABLE reachability_checks ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " created_at BIGINT NOT NULL,"
    " created_by BIGINT REFERENCES users(id),"
    " expires_at BIGINT NOT NULL,"
    " note TEXT"
    ");"
    "CREATE TABLE reachability_confirmations ("
    " check_id BIGINT NOT NULL REFERENCES reachability_checks(id),"
    " user_id BIGINT NOT NULL REFERENCES users(id),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " contact_kind TEXT NOT NULL CHECK (contact_kind IN ('window',"
    "  'deputy')),"
    " token_hash TEXT NOT NULL UNIQUE,"
    " sent_at BIGINT NOT NULL,"
    " confirmed_at BIGINT,"
    " PRIMARY KEY (check_id, user_id)"
    ");"
    "CREATE TABLE notify_schedule ("
    " incident_id BIGINT NOT NULL,"
    " obligation TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " period INTEGER NOT NULL,"
    " stage_sent INTEGER NOT NULL DEFAULT 0,"
    " next_at BIGINT,"
    " updated_at BIGINT NOT NULL,"
    " PRIMARY KEY (incident_id, obligation, subject, period)"
    ");"
    "CREATE INDEX notify_schedule_next_idx ON notify_schedule (next_at);"
    /* "Who holds this role" (DoIT's reviewers city-wide, an agency's
     * CISO) is asked for every notification. */
    "CREATE INDEX user_roles_role_idx ON user_roles (role, user_id)";

/*
 * Migration 6: evidence (issue 5, P24-P27).  core_systems is the P24
 * registry (never deleted: retired_at marks a system out of service), with
 * one core_system_logs row per log type kept (a type without a row is not
 * kept) and the devices connected to each system; contracts holds the P26
 * clauses of outsourcing contracts.  preservations and preservation_steps
 * record the P25 path per affected system, one row per step done.
 * evidence_items are the P27 items: a file stored here by its SHA-256
 * (stored = 1, under evidence_dir/objects) or an item held elsewhere;
 * evidence_custody is its chain of custody, append-only like events (the
 * store has no statement that updates or deletes a row).
 */
static const char sql_m0006_evidence[] =
    "CREATE TABLE core_systems ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " description TEXT,"
    " tolerable_downtime_minutes INTEGER NOT NULL"
    "  CHECK (tolerable_downtime_minutes >= 0),"
    " standby TEXT NOT NULL CHECK (standby IN ('none', 'standby')),"
    " retired_at BIGINT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),"
    " UNIQUE (agency, name)"
    ");"
    "CREATE TABLE core_system_logs ("
    " system_id BIGINT NOT NULL REFERENCES core_systems(id),"
    " log_type TEXT NOT NULL CHECK (log_type IN ('os_event', 'web',"
    "  'application', 'logon')),"
    " months_kept INTEGER NOT NULL CHECK (months_kept >= 0),"
    " copy_elsewhere INTEGER NOT NULL DEFAULT 0"
    "  CHECK (copy_elsewhere IN (0, 1)),"
    " PRIMARY KEY (system_id, log_type)"
    ");"
    "CREATE TABLE core_system_devices ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " system_id BIGINT NOT NULL REFERENCES core_systems(id),"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " kind TEXT,"
    " address TEXT,"
    " note TEXT,"
    " created_at BIGINT NOT NULL"
    ");"
    "CREATE INDEX core_system_devices_system_idx ON core_system_devices"
    " (system_id, name, id);"
    "CREATE TABLE contracts ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " vendor TEXT NOT NULL CHECK (vendor <> ''),"
    " title TEXT NOT NULL CHECK (title <> ''),"
    " starts_on TEXT NOT NULL,"
    " ends_on TEXT,"
    " clause_reporting INTEGER NOT NULL CHECK (clause_reporting IN (0, 1)),"
    " clause_log_retention INTEGER NOT NULL"
    "  CHECK (clause_log_retention IN (0, 1)),"
    " clause_evidence_preservation INTEGER NOT NULL"
    "  CHECK (clause_evidence_preservation IN (0, 1)),"
    " clause_backup INTEGER NOT NULL CHECK (clause_backup IN (0, 1)),"
    " note TEXT,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),"
    " CHECK (ends_on IS NULL OR ends_on >= starts_on)"
    ");"
    "CREATE INDEX contracts_agency_idx ON contracts (agency, vendor, id);"
    "CREATE TABLE preservations ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " system_id BIGINT REFERENCES core_systems(id),"
    " system_name TEXT NOT NULL CHECK (system_name <> ''),"
    " path TEXT NOT NULL CHECK (path IN ('no_standby', 'standby',"
    "  'standby_hit')),"
    " created_by BIGINT NOT NULL REFERENCES users(id),"
    " created_at BIGINT NOT NULL,"
    " UNIQUE (incident, system_name, path)"
    ");"
    "CREATE TABLE preservation_steps ("
    " preservation BIGINT NOT NULL REFERENCES preservations(id),"
    " step TEXT NOT NULL,"
    " at BIGINT NOT NULL,"
    " note TEXT,"
    " recorded_by BIGINT NOT NULL REFERENCES users(id),"
    " recorded_at BIGINT NOT NULL,"
    " PRIMARY KEY (preservation, step)"
    ");"
    "CREATE TABLE evidence_items ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " name TEXT,"
    " what TEXT NOT NULL CHECK (what <> ''),"
    " location TEXT NOT NULL CHECK (location <> ''),"
    " collected_by TEXT NOT NULL CHECK (collected_by <> ''),"
    " collected_at BIGINT NOT NULL,"
    " size BIGINT CHECK (size IS NULL OR size >= 0),"
    " sha256 TEXT NOT NULL CHECK (length(sha256) = 64),"
    " stored INTEGER NOT NULL CHECK (stored IN (0, 1)),"
    " suspected_malware INTEGER NOT NULL DEFAULT 0"
    "  CHECK (suspected_malware IN (0, 1)),"
    " virus_check_submitted_at BIGINT,"
    " virus_check_reference TEXT,"
    " created_by BIGINT NOT NULL REFERENCES users(id),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " CHECK (stored = 0 OR (name IS NOT NULL AND size IS NOT NULL))"
    ");"
    "CREATE INDEX evidence_items_incident_idx ON evidence_items"
    " (incident, created_at, id);"
    "CREATE INDEX evidence_items_sha256_idx ON evidence_items (sha256);"
    "CREATE TABLE evidence_custody ("
    " evidence BIGINT NOT NULL REFERENCES evidence_items(id),"
    " seq INTEGER NOT NULL CHECK (seq > 0),"
    " kind TEXT NOT NULL CHECK (kind IN ('collected', 'uploaded',"
    "  'handover', 'download')),"
    " from_party TEXT,"
    " to_party TEXT NOT NULL CHECK (to_party <> ''),"
    " at BIGINT NOT NULL,"
    " purpose TEXT,"
    " recorded_by BIGINT REFERENCES users(id),"
    " recorded_at BIGINT NOT NULL,"
    " PRIMARY KEY (evidence, seq)"
    ")";

/*
 * Migration 7: after the fire is out (issue 5, P28-P33).  improvements
 * are the P29 actions, with the incident's agency copied in so that the
 * city-wide oversight list of open actions (P31) is one index range;
 * due_on is the Taipei date, YYYY-MM-DD, which sorts as text.
 * incident_docs holds DoIT's investigation report (P31) and the lessons
 * learned (P33), one JSON object each per incident, versioned.
 * signatures keeps every signature of a record (P32) with the canonical
 * JSON text that was signed, so that a later change can be shown field
 * by field; event_seq is its `signed` event on the timeline.
 */
static const char sql_m0007_closure[] =
    "CREATE TABLE improvements ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " agency TEXT NOT NULL REFERENCES agencies(code),"
    " term TEXT NOT NULL CHECK (term IN ('short', 'medium', 'long')),"
    " title TEXT NOT NULL CHECK (title <> ''),"
    " owner TEXT NOT NULL CHECK (owner <> ''),"
    " due_on TEXT NOT NULL CHECK (length(due_on) = 10),"
    " status TEXT NOT NULL CHECK (status IN ('open', 'in_progress',"
    "  'done')),"
    " done_at BIGINT,"
    " created_by BIGINT NOT NULL REFERENCES users(id),"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),"
    " CHECK ((status = 'done' AND done_at IS NOT NULL) OR"
    "  (status <> 'done' AND done_at IS NULL))"
    ");"
    "CREATE INDEX improvements_incident_idx ON improvements"
    " (incident, created_at, id);"
    "CREATE INDEX improvements_due_idx ON improvements (due_on, id);"
    "CREATE INDEX improvements_agency_idx ON improvements"
    " (agency, due_on, id);"
    "CREATE TABLE incident_docs ("
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " kind TEXT NOT NULL CHECK (kind IN ('investigation', 'lessons')),"
    " body TEXT NOT NULL,"
    " updated_by BIGINT NOT NULL REFERENCES users(id),"
    " updated_by_name TEXT NOT NULL,"
    " created_at BIGINT NOT NULL,"
    " updated_at BIGINT NOT NULL,"
    " version INTEGER NOT NULL DEFAULT 1 CHECK (version > 0),"
    " PRIMARY KEY (incident, kind)"
    ");"
    "CREATE TABLE signatures ("
    " id BIGINT NOT NULL PRIMARY KEY CHECK (id > 0),"
    " incident BIGINT NOT NULL REFERENCES incidents(id),"
    " record TEXT NOT NULL CHECK (record IN ('incident_report',"
    "  'damage_control', 'root_cause', 'improvement_plan', 'closure')),"
    " role TEXT NOT NULL CHECK (role IN ('responsible', 'ciso')),"
    " signer BIGINT NOT NULL REFERENCES users(id),"
    " signer_username TEXT NOT NULL,"
    " signer_name TEXT NOT NULL,"
    " signed_at BIGINT NOT NULL,"
    " hash TEXT NOT NULL CHECK (length(hash) = 64),"
    " canonical TEXT NOT NULL,"
    " event_seq INTEGER NOT NULL,"
    " UNIQUE (incident, event_seq)"
    ");"
    "CREATE INDEX signatures_incident_idx ON signatures"
    " (incident, record, event_seq)";

/*
 * Migration 8: the city view counts open incidents by state, exercise,
 * agency and level; without this index that read every incident (0.42 s
 * on 300,000, 0.002 s with it).
 */
static const char sql_m0008_indexes[] =
    "CREATE INDEX incidents_state_idx"
    " ON incidents (state, exercise, agency, level)";

/*
 * The list.  To add a migration: write its SQL above as sql_mNNNN_name,
 * append { NNNN, "name", sql_mNNNN_name } here with the next version, and
 * add a test of what it creates to tests/unit/test_store.c.
 */
static const struct store_migration store_migration_list[] = {
	{ 1, "foundation", sql_m0001_foundation },
	{ 2, "access", sql_m0002_access },
	{ 3, "roster", sql_m0003_roster },
	{ 4, "incidents", sql_m0004_incidents },
	{ 5, "notify", sql_m0005_notify },
	{ 6, "evidence", sql_m0006_evidence },
	{ 7, "closure", sql_m0007_closure },
	{ 8, "indexes", sql_m0008_indexes },
};

static const char sql_migrations_table[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER NOT NULL PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL"
    ")";
static const char sql_migrations_max[] =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
static const char sql_migrations_insert[] =
    "INSERT INTO schema_migrations (version, name, applied_at)"
    " VALUES (?, ?, ?)";

const struct store_migration *
store_migrations_builtin(size_t *n)
{
	*n = sizeof(store_migration_list) / sizeof(store_migration_list[0]);
	return store_migration_list;
}

int
store_schema_latest(void)
{
	size_t	 n;

	return store_migrations_builtin(&n)[n - 1].version;
}

static void	mig_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * Writes a message for the caller.  A message too long for err is cut
 * rather than dropped: it is for people, and most of it beats none.
 */
static void
mig_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Reads the highest version recorded, stepping the statement to its end
 * so that no statement stays active under the DDL that may follow. */
static int
mig_current(struct store_conn *c, int *version)
{
	struct store_stmt	*s;
	int64_t			 v;
	int			 rc;

	if ((rc = store_prepare(c, sql_migrations_max, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	v = store_col_i64(s, 0);
	if ((rc = store_step(s)) != TB_DONE)
		return rc == TB_ROW ? TB_ESTORE : rc;
	if (v < 0 || v > INT32_MAX)
		return TB_ESTORE;
	*version = (int)v;
	return TB_OK;
}

int
store_schema_version(struct store *st, int *version)
{
	struct store_conn	*c;
	int			 exists, rc;

	*version = 0;
	if ((rc = store_read(st, &c)) != TB_OK)
		return rc;
	if ((rc = st->drv->table_exists(c, "schema_migrations", &exists)) !=
	    TB_OK)
		goto out;
	if (exists && (rc = mig_current(c, version)) != TB_OK)
		goto out;
	atomic_store(&st->schema_version, *version);
out:
	store_release(c);
	return rc;
}

/* Applies the migration after the current one, in one transaction.  Sets
 * *done when there was none to apply. */
static int
mig_step(struct store_conn *c, const struct store_migration *list, size_t n,
    int *version, int *done, char *err, size_t errlen)
{
	const struct store_migration	*m;
	struct store_stmt		*s;
	int				 latest, rc;

	*done = 0;
	latest = n > 0 ? list[n - 1].version : 0;
	if ((rc = store_tx_begin(c)) != TB_OK) {
		mig_err(err, errlen, "cannot begin a transaction: %s",
		    store_errmsg(c));
		return rc;
	}
	/* Read inside the transaction: BEGIN IMMEDIATE holds the write lock,
	 * so a second process migrating at once waits, then sees our row. */
	if ((rc = mig_current(c, version)) != TB_OK) {
		mig_err(err, errlen, "cannot read schema_migrations: %s",
		    store_errmsg(c));
		goto out;
	}
	if (*version > latest) {
		mig_err(err, errlen, "database schema version %d is newer "
		    "than this tongbao (knows %d); use a newer binary",
		    *version, latest);
		rc = TB_ESCHEMA;
		goto out;
	}
	if (*version == latest) {
		*done = 1;
		goto out;
	}
	m = &list[*version];
	if ((rc = store_exec(c, m->sql)) != TB_OK) {
		mig_err(err, errlen, "migration %d (%s) failed: %s",
		    m->version, m->name, store_errmsg(c));
		goto out;
	}
	if ((rc = store_prepare(c, sql_migrations_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, m->version)) != TB_OK ||
	    (rc = store_bind_text(s, 2, m->name)) != TB_OK ||
	    (rc = store_bind_i64(s, 3, tb_now_us())) != TB_OK ||
	    (rc = store_step(s)) != TB_DONE) {
		rc = rc == TB_DONE || rc == TB_ROW ? TB_ESTORE : rc;
		mig_err(err, errlen, "migration %d (%s) not recorded: %s",
		    m->version, m->name, store_errmsg(c));
		goto out;
	}
	if ((rc = store_tx_commit(c)) != TB_OK) {
		mig_err(err, errlen, "migration %d (%s) not committed: %s",
		    m->version, m->name, store_errmsg(c));
		return rc;
	}
	*version = m->version;
	return TB_OK;
out:
	store_tx_rollback(c);
	return rc;
}

int
store_migrate_list(struct store *st, const struct store_migration *list,
    size_t n, int *applied, char *err, size_t errlen)
{
	struct store_conn	*c = NULL;
	char			 vbuf[16];
	size_t			 i;
	int			 rc, done, version = 0;

	*applied = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (i = 0; i < n; i++) {
		if (list[i].version != (int)i + 1 || list[i].name == NULL ||
		    list[i].sql == NULL) {
			mig_err(err, errlen, "built-in migration %zu is "
			    "misnumbered", i + 1);
			return TB_EINVAL;
		}
	}
	if ((rc = store_write(st, &c)) != TB_OK) {
		mig_err(err, errlen, "cannot get the writer");
		return rc;
	}
	if ((rc = store_tx_begin(c)) != TB_OK ||
	    (rc = store_exec(c, sql_migrations_table)) != TB_OK ||
	    (rc = store_tx_commit(c)) != TB_OK) {
		mig_err(err, errlen, "cannot create schema_migrations: %s",
		    store_errmsg(c));
		store_tx_rollback(c);
		goto out;
	}
	for (;;) {
		if ((rc = mig_step(c, list, n, &version, &done, err,
		    errlen)) != TB_OK || done)
			break;
		(*applied)++;
		if (tb_snprintf(vbuf, sizeof(vbuf), "%d", version) != TB_OK)
			vbuf[0] = '\0';
		log_kv(LOG_INFO, "store_migrated", "version", vbuf, "name",
		    list[version - 1].name, (const char *)NULL);
	}
	if (rc == TB_OK || rc == TB_ESCHEMA)
		atomic_store(&st->schema_version, version);
out:
	store_release(c);
	return rc;
}

int
store_migrate(struct store *st, int *applied, char *err, size_t errlen)
{
	size_t				 n;
	const struct store_migration	*list = store_migrations_builtin(&n);

	return store_migrate_list(st, list, n, applied, err, errlen);
}
