/*
 * store_org.c: the queries on agencies, users and roles (migration 1).
 * All their SQL is here, fixed at compile time (STYLE.md 16).
 */
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"
#include "internal.h"

static const char sql_agency_insert[] =
    "INSERT INTO agencies (code, name, name_en, type, superior, supervisor,"
    " responsibility_level, reports_to_central, uses_city_mail, active,"
    " created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_agency_exists[] =
    "SELECT 1 FROM agencies WHERE code = ?";
static const char sql_user_insert[] =
    "INSERT INTO users (id, username, name, agency, email, phone,"
    " taipeion_id, employment, dedicated_staff, password_hash, active, lang,"
    " created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char sql_user_role_insert[] =
    "INSERT INTO user_roles (user_id, role, granted_by, granted_at)"
    " VALUES (?, ?, NULL, ?)";
static const char sql_user_count[] =
    "SELECT COUNT(*) FROM users";

/* The value the users.lang column defaults to (migration 1). */
#define STORE_ORG_DEFAULT_LANG	"zh-TW"

/* Writes must go through the writer inside a transaction (store.h). */
static int
org_check_write(const struct store_conn *c)
{
	return c != NULL && c->writer && c->in_tx ? TB_OK : TB_EINVAL;
}

/* Steps a statement that returns no rows. */
static int
org_step_done(struct store_stmt *s)
{
	int	 rc = store_step(s);

	if (rc == TB_DONE)
		return TB_OK;
	return rc == TB_ROW ? TB_ESTORE : rc;
}

int
store_agency_insert(struct store_conn *c, const struct store_agency *a)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (a == NULL || a->code == NULL || a->name == NULL ||
	    a->type == NULL || a->responsibility_level == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_insert, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, a->code)) != TB_OK ||
	    (rc = store_bind_text(s, 2, a->name)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 3, a->name_en)) != TB_OK ||
	    (rc = store_bind_text(s, 4, a->type)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 5, a->superior)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 6, a->supervisor)) != TB_OK ||
	    (rc = store_bind_text(s, 7, a->responsibility_level)) != TB_OK ||
	    (rc = store_bind_i64(s, 8, a->reports_to_central)) != TB_OK ||
	    (rc = store_bind_i64(s, 9, a->uses_city_mail)) != TB_OK ||
	    (rc = store_bind_i64(s, 10, a->active)) != TB_OK ||
	    (rc = store_bind_i64(s, 11, a->created_at)) != TB_OK ||
	    (rc = store_bind_i64(s, 12, a->updated_at)) != TB_OK)
		return rc;
	return org_step_done(s);
}

int
store_agency_exists(struct store_conn *c, const char *code, int *exists)
{
	struct store_stmt	*s;
	int			 rc;

	*exists = 0;
	if (code == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_exists, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, code)) != TB_OK)
		return rc;
	/* At most one row (code is the key); step to the end so the
	 * statement holds no snapshot once we return. */
	if ((rc = store_step(s)) == TB_ROW) {
		*exists = 1;
		rc = store_step(s);
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_user_insert(struct store_conn *c, const struct store_user *u,
    const char *const *roles, size_t nroles)
{
	struct store_stmt	*s;
	size_t			 i;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (u == NULL || u->id <= 0 || u->username == NULL ||
	    u->name == NULL || u->agency == NULL || u->employment == NULL ||
	    (nroles > 0 && roles == NULL))
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_insert, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, u->id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, u->username)) != TB_OK ||
	    (rc = store_bind_text(s, 3, u->name)) != TB_OK ||
	    (rc = store_bind_text(s, 4, u->agency)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 5, u->email)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 6, u->phone)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 7, u->taipeion_id)) != TB_OK ||
	    (rc = store_bind_text(s, 8, u->employment)) != TB_OK ||
	    (rc = store_bind_i64(s, 9, u->dedicated_staff)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 10, u->password_hash)) != TB_OK ||
	    (rc = store_bind_i64(s, 11, u->active)) != TB_OK ||
	    (rc = store_bind_text(s, 12, u->lang != NULL ? u->lang :
	    STORE_ORG_DEFAULT_LANG)) != TB_OK ||
	    (rc = store_bind_i64(s, 13, u->created_at)) != TB_OK ||
	    (rc = store_bind_i64(s, 14, u->updated_at)) != TB_OK ||
	    (rc = org_step_done(s)) != TB_OK)
		return rc;
	for (i = 0; i < nroles; i++) {
		if (roles[i] == NULL)
			return TB_EINVAL;
		if ((rc = store_prepare(c, sql_user_role_insert, &s)) !=
		    TB_OK ||
		    (rc = store_bind_i64(s, 1, u->id)) != TB_OK ||
		    (rc = store_bind_text(s, 2, roles[i])) != TB_OK ||
		    (rc = store_bind_i64(s, 3, u->created_at)) != TB_OK ||
		    (rc = org_step_done(s)) != TB_OK)
			return rc;
	}
	return TB_OK;
}

int
store_user_count(struct store_conn *c, int64_t *n)
{
	struct store_stmt	*s;
	int			 rc;

	*n = 0;
	if ((rc = store_prepare(c, sql_user_count, &s)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	*n = store_col_i64(s, 0);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}
