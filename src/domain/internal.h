/*
 * internal.h: declarations shared only inside src/domain (STYLE.md 2).
 */
#ifndef TB_DOMAIN_INTERNAL_H
#define TB_DOMAIN_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/domain.h"

/* Returns true when the facts are usable by the engine: aware_at set, the
 * proposed level valid for the agency, every affected code present and
 * short enough for a subject. */
bool	domain_facts_valid(const struct incident_facts *f);

/* Returns true when an event is usable by the engine: a known type, an
 * `at`, a valid level on level events, an agency code on agency_notified. */
bool	domain_event_valid(const struct event *e, bool is_school);

/*
 * Computes the single obligation `name` of an incident (for level_review,
 * the review of the report, not those of change requests), as
 * deadline_compute() would list it.  TB_EINVAL for notify_affected and
 * progress_report (there may be several), for a name the engine does not
 * compute, or for invalid facts or events.  pol must not be NULL.
 */
int	deadline_one(const struct policy *pol, const struct incident_facts *f,
	    const struct event *ev, size_t nev, int64_t now,
	    enum obligation_name name, struct obligation *out);

#endif
