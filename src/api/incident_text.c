/*
 * incident_text.c: an incident as the API shows it, written as JSON text
 * in one pass (util/jsonw.h) rather than built as a jansson tree and then
 * printed.  GET /api/v1/incidents/{id} is the most frequent read; the
 * tree, its allocations and the print were about half its CPU.
 *
 * The text is exactly incident_view_json()'s (api_incident.c), member for
 * member; tests/unit/test_incident_text.c holds the two equal on views
 * with every kind of value, so a field added to one and not the other
 * fails there.  Stored JSON texts (an event's fields, the symptom and
 * system lists) were written by this program from validated input, so
 * they are spliced in as they are instead of being parsed again.
 */
#include <string.h>

#include "api/incident.h"
#include "util/jsonw.h"

/* Answers are bounded by the store's limits (events, text sizes); this
 * only stops a damaged row from growing a buffer without end. */
#define INCIDENT_TEXT_BYTES_MAX	(64u * 1024 * 1024)

/* A time as the API shows it (RFC 3339, Taipei offset), or null. */
static void
ktime(struct jw *w, const char *key, int64_t t)
{
	char	 b[TBTIME_RFC3339_SIZE];

	if (t == TBTIME_NONE || tbtime_format(t, b, sizeof(b)) != TB_OK)
		jw_knull(w, key);
	else
		jw_kstring(w, key, b);
}

/* A stored JSON array text, or [] when there is none. */
static void
kstored(struct jw *w, const char *key, const char *json)
{
	jw_kraw(w, key, json != NULL && json[0] != '\0' ? json : "[]");
}

static void
obligation_text(struct jw *w, const struct obligation *o)
{
	jw_object(w);
	jw_kstring(w, "name", obligation_name(o->name));
	jw_kstring(w, "subject", o->subject[0] != '\0' ? o->subject :
	    NULL);
	if (o->period > 0)
		jw_kint(w, "period", o->period);
	else
		jw_knull(w, "period");
	jw_kint(w, "level", o->level);
	ktime(w, "start_at", o->start_at);
	ktime(w, "due_at", o->due_at);
	ktime(w, "met_at", o->met_at);
	jw_kstring(w, "state", obligation_state_name(o->state));
	jw_object_end(w);
}

/* An event: id, type, at, its own fields (never any of those five keys:
 * the event handlers accept only the fields of their type), who recorded
 * it and when. */
static void
event_text(struct jw *w, const struct event *e,
    const struct incident_event_extra *x)
{
	jw_object(w);
	jw_kint(w, "id", e->id);
	jw_kstring(w, "type", x->type);
	ktime(w, "at", e->at);
	jw_raw_members(w, x->fields);
	jw_kstring(w, "actor", x->actor_name);
	ktime(w, "recorded_at", x->recorded_at);
	jw_object_end(w);
}

char *
incident_view_text(const struct incident_view *v, const struct obligation *o,
    size_t n, size_t *len, int *err)
{
	const struct store_incident	*in = &v->in;
	struct jw			 w;
	size_t				 i;

	jw_init(&w, INCIDENT_TEXT_BYTES_MAX);
	jw_object(&w);
	jw_kint(&w, "id", in->id);
	jw_kstring(&w, "agency", in->agency);
	jw_kstring(&w, "agency_name", in->agency_name);
	jw_kstring(&w, "title", in->title);
	jw_kstring(&w, "description", in->description);
	jw_kstring(&w, "category", in->category);
	jw_kstring(&w, "category_other", in->category_other);
	kstored(&w, "symptoms", in->symptoms);
	ktime(&w, "occurred_at", in->occurred_at);
	ktime(&w, "aware_at", in->aware_at);
	jw_kint(&w, "proposed_level", in->proposed_level);
	jw_kint(&w, "level", in->level);
	kstored(&w, "affected_systems", in->affected_systems);
	jw_kbool(&w, "impact_other_agencies", in->impact_other_agencies != 0);
	kstored(&w, "critical_sectors", in->critical_sectors);
	jw_kstring(&w, "source", in->source);
	jw_kstring(&w, "source_ref", in->source_ref);
	jw_kbool(&w, "exercise", in->exercise != 0);
	jw_kbool(&w, "personal_data_involved",
	    in->personal_data_involved != 0);
	jw_kbool(&w, "equipment_failure", in->equipment_failure != 0);
	jw_kbool(&w, "school", in->is_school != 0);
	jw_kbool(&w, "reports_to_central", in->reports_to_central != 0);
	jw_key(&w, "affected_agencies");
	jw_array(&w);
	for (i = 0; i < v->naff; i++)
		jw_string(&w, v->affected[i]);
	jw_array_end(&w);
	jw_kstring(&w, "reported_by", in->reported_by_name);
	ktime(&w, "vendor_aware_at", in->vendor_aware_at);
	ktime(&w, "vendor_reported_at", in->vendor_reported_at);
	jw_kstring(&w, "policy", in->policy);
	jw_kstring(&w, "state", in->state);
	ktime(&w, "created_at", in->created_at);
	ktime(&w, "updated_at", in->updated_at);
	jw_kint(&w, "version", in->version);
	jw_key(&w, "events");
	jw_array(&w);
	for (i = 0; i < v->nev; i++)
		event_text(&w, &v->ev[i], &v->x[i]);
	jw_array_end(&w);
	jw_key(&w, "obligations");
	jw_array(&w);
	for (i = 0; i < n; i++)
		obligation_text(&w, &o[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	return jw_finish(&w, len, err);
}
