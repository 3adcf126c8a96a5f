/*
 * store_org.c: the queries on agencies, users and roles (migration 1):
 * inserts, reads, updates and the scans behind the lists.  All their SQL
 * is here, fixed at compile time (STYLE.md 16).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* --- agencies and people read back, updates -------------------------- */

static const char sql_agency_get[] =
    "SELECT code, name, name_en, type, superior, supervisor,"
    " responsibility_level, reports_to_central, uses_city_mail, active,"
    " created_at, updated_at FROM agencies WHERE code = ?";
static const char sql_agency_update[] =
    "UPDATE agencies SET name = ?, name_en = ?, type = ?, superior = ?,"
    " supervisor = ?, responsibility_level = ?, reports_to_central = ?,"
    " uses_city_mail = ?, active = ?, updated_at = ? WHERE code = ?";
/*
 * Each filter is "(? = 0 OR condition)" with a flag bound before its
 * value, so that one fixed text serves every combination (STYLE.md 16)
 * and PostgreSQL can infer every parameter's type.
 */
static const char sql_agency_scan[] =
    "SELECT code, name, name_en, type, superior, supervisor,"
    " responsibility_level, reports_to_central, uses_city_mail, active,"
    " created_at, updated_at FROM agencies"
    " WHERE (? = 0 OR LOWER(name) LIKE ? ESCAPE '\\'"
    "  OR LOWER(COALESCE(name_en, '')) LIKE ? ESCAPE '\\'"
    "  OR code LIKE ? ESCAPE '\\')"
    " AND (? = 0 OR type = ?) AND (? = 0 OR superior = ?)"
    " AND (? = 0 OR active = 1) AND code > ?"
    " ORDER BY code LIMIT ?";
static const char sql_agency_tree[] =
    "SELECT code, superior FROM agencies ORDER BY code";
static const char sql_user_get[] =
    "SELECT id, username, name, agency, email, phone, taipeion_id,"
    " employment, dedicated_staff, active,"
    " CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END, lang,"
    " created_at, updated_at FROM users WHERE username = ?";
static const char sql_user_scan[] =
    "SELECT id, username, name, agency, email, phone, taipeion_id,"
    " employment, dedicated_staff, active,"
    " CASE WHEN password_hash IS NULL THEN 0 ELSE 1 END, lang,"
    " created_at, updated_at FROM users"
    " WHERE (? = 0 OR agency = ?) AND username > ?"
    " ORDER BY username LIMIT ?";
static const char sql_user_role_list[] =
    "SELECT role FROM user_roles WHERE user_id = ?";
static const char sql_user_role_grant[] =
    "INSERT INTO user_roles (user_id, role, granted_by, granted_at)"
    " VALUES (?, ?, ?, ?)";
static const char sql_user_role_revoke[] =
    "DELETE FROM user_roles WHERE user_id = ? AND role = ?";
static const char sql_user_update[] =
    "UPDATE users SET name = ?, email = ?, phone = ?, taipeion_id = ?,"
    " employment = ?, dedicated_staff = ?, active = ?, updated_at = ?"
    " WHERE id = ?";
static const char sql_agency_dedicated[] =
    "SELECT COUNT(*) FROM users"
    " WHERE agency = ? AND dedicated_staff = 1 AND active = 1";
static const char sql_dedicated_counts[] =
    "SELECT agency, COUNT(*) FROM users"
    " WHERE dedicated_staff = 1 AND active = 1"
    " GROUP BY agency ORDER BY agency";

/* Longest ?q= pattern built: each character escaped, plus two '%'. */
#define ORG_PATTERN_SIZE	(2 * 1024 + 3)

/* Copies text column col into out ("" for NULL); TB_ETOOBIG when it does
 * not fit. */
static int
org_col_copy(struct store_stmt *s, int col, char *out, size_t size)
{
	const char	*t = store_col_text(s, col);

	return tb_strlcpy(out, t != NULL ? t : "", size);
}

/* Reads the agency columns of sql_agency_get / sql_agency_scan. */
static int
org_agency_row(struct store_stmt *s, struct store_agency_rec *out)
{
	int	 rc;

	memset(out, 0, sizeof(*out));
	if ((rc = org_col_copy(s, 0, out->code, sizeof(out->code))) != TB_OK ||
	    (rc = org_col_copy(s, 1, out->name, sizeof(out->name))) != TB_OK ||
	    (rc = org_col_copy(s, 2, out->name_en, sizeof(out->name_en)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 3, out->type, sizeof(out->type))) != TB_OK ||
	    (rc = org_col_copy(s, 4, out->superior, sizeof(out->superior)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 5, out->supervisor,
	    sizeof(out->supervisor))) != TB_OK ||
	    (rc = org_col_copy(s, 6, out->responsibility_level,
	    sizeof(out->responsibility_level))) != TB_OK)
		return rc;
	out->reports_to_central = store_col_i64(s, 7);
	out->uses_city_mail = store_col_i64(s, 8);
	out->active = store_col_i64(s, 9);
	out->created_at = store_col_i64(s, 10);
	out->updated_at = store_col_i64(s, 11);
	return TB_OK;
}

int
store_agency_get(struct store_conn *c, const char *code,
    struct store_agency_rec *out)
{
	struct store_stmt	*s;
	int			 rc;

	if (code == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_get, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, code)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	if ((rc = org_agency_row(s, out)) != TB_OK)
		return rc;
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_agency_update(struct store_conn *c, const struct store_agency *a)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (a == NULL || a->code == NULL || a->name == NULL ||
	    a->type == NULL || a->responsibility_level == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_update, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, a->name)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 2, a->name_en)) != TB_OK ||
	    (rc = store_bind_text(s, 3, a->type)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 4, a->superior)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 5, a->supervisor)) != TB_OK ||
	    (rc = store_bind_text(s, 6, a->responsibility_level)) != TB_OK ||
	    (rc = store_bind_i64(s, 7, a->reports_to_central)) != TB_OK ||
	    (rc = store_bind_i64(s, 8, a->uses_city_mail)) != TB_OK ||
	    (rc = store_bind_i64(s, 9, a->active)) != TB_OK ||
	    (rc = store_bind_i64(s, 10, a->updated_at)) != TB_OK ||
	    (rc = store_bind_text(s, 11, a->code)) != TB_OK ||
	    (rc = org_step_done(s)) != TB_OK)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

/*
 * Writes "%q%" for a LIKE with ESCAPE '\': the wildcards and the escape in
 * q match themselves, and ASCII letters are lowered to meet LOWER().
 */
static int
org_like_pattern(const char *q, char *out, size_t size)
{
	size_t	 o = 0;

	if (size < 3)
		return TB_ETOOBIG;
	out[o++] = '%';
	for (; *q != '\0'; q++) {
		char	 ch = *q;

		if (o + 4 > size)
			return TB_ETOOBIG;
		if (ch == '%' || ch == '_' || ch == '\\')
			out[o++] = '\\';
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		out[o++] = ch;
	}
	out[o++] = '%';
	out[o] = '\0';
	return TB_OK;
}

int
store_agency_scan(struct store_conn *c, const struct store_agency_filter *f,
    int64_t limit, int (*fn)(void *, const struct store_agency_rec *),
    void *arg)
{
	struct store_agency_rec	 rec;
	struct store_stmt	*s;
	char			 pat[ORG_PATTERN_SIZE];
	int			 rc, hasq;

	hasq = f->q != NULL && f->q[0] != '\0';
	if (hasq && (rc = org_like_pattern(f->q, pat, sizeof(pat))) != TB_OK)
		return rc;
	if (!hasq)
		pat[0] = '\0';
	if ((rc = store_prepare(c, sql_agency_scan, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, hasq)) != TB_OK ||
	    (rc = store_bind_text(s, 2, pat)) != TB_OK ||
	    (rc = store_bind_text(s, 3, pat)) != TB_OK ||
	    (rc = store_bind_text(s, 4, pat)) != TB_OK ||
	    (rc = store_bind_i64(s, 5, f->type != NULL)) != TB_OK ||
	    (rc = store_bind_text(s, 6, f->type != NULL ? f->type : ""))
	    != TB_OK ||
	    (rc = store_bind_i64(s, 7, f->superior != NULL)) != TB_OK ||
	    (rc = store_bind_text(s, 8, f->superior != NULL ? f->superior :
	    "")) != TB_OK ||
	    (rc = store_bind_i64(s, 9, f->active_only != 0)) != TB_OK ||
	    (rc = store_bind_text(s, 10, f->after != NULL ? f->after : ""))
	    != TB_OK ||
	    (rc = store_bind_i64(s, 11, limit)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		if ((rc = org_agency_row(s, &rec)) != TB_OK)
			return rc;
		if (fn(arg, &rec) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_agency_tree(struct store_conn *c,
    int (*fn)(void *, const char *, const char *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_agency_tree, &s)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW)
		if (fn(arg, store_col_text(s, 0), store_col_is_null(s, 1) ?
		    NULL : store_col_text(s, 1)) != 0)
			return TB_OK;
	return rc == TB_DONE ? TB_OK : rc;
}

/* Reads the user columns of sql_user_get / sql_user_scan (no roles). */
static int
org_user_row(struct store_stmt *s, struct store_user_rec *out)
{
	int	 rc;

	memset(out, 0, sizeof(*out));
	out->id = store_col_i64(s, 0);
	if ((rc = org_col_copy(s, 1, out->username, sizeof(out->username)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 2, out->name, sizeof(out->name))) != TB_OK ||
	    (rc = org_col_copy(s, 3, out->agency, sizeof(out->agency)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 4, out->email, sizeof(out->email)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 5, out->phone, sizeof(out->phone)))
	    != TB_OK ||
	    (rc = org_col_copy(s, 6, out->taipeion_id,
	    sizeof(out->taipeion_id))) != TB_OK ||
	    (rc = org_col_copy(s, 7, out->employment,
	    sizeof(out->employment))) != TB_OK ||
	    (rc = org_col_copy(s, 11, out->lang, sizeof(out->lang))) != TB_OK)
		return rc;
	out->dedicated_staff = store_col_i64(s, 8);
	out->active = store_col_i64(s, 9);
	out->has_password = store_col_i64(s, 10);
	out->created_at = store_col_i64(s, 12);
	out->updated_at = store_col_i64(s, 13);
	return TB_OK;
}

int
store_user_get(struct store_conn *c, const char *username,
    struct store_user_rec *out)
{
	struct store_stmt	*s;
	int			 rc;

	if (username == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_get, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, username)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ENOTFOUND : rc;
	if ((rc = org_user_row(s, out)) != TB_OK)
		return rc;
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_user_update(struct store_conn *c, const struct store_user *u)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (u == NULL || u->id <= 0 || u->name == NULL ||
	    u->employment == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_update, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, u->name)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 2, u->email)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 3, u->phone)) != TB_OK ||
	    (rc = store_bind_text_or_null(s, 4, u->taipeion_id)) != TB_OK ||
	    (rc = store_bind_text(s, 5, u->employment)) != TB_OK ||
	    (rc = store_bind_i64(s, 6, u->dedicated_staff)) != TB_OK ||
	    (rc = store_bind_i64(s, 7, u->active)) != TB_OK ||
	    (rc = store_bind_i64(s, 8, u->updated_at)) != TB_OK ||
	    (rc = store_bind_i64(s, 9, u->id)) != TB_OK ||
	    (rc = org_step_done(s)) != TB_OK)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

int
store_user_roles(struct store_conn *c, int64_t id,
    int (*fn)(void *, const char *), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_user_role_list, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW)
		if (fn(arg, store_col_text(s, 0)) != 0)
			return TB_OK;
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_user_role_grant(struct store_conn *c, int64_t id, const char *role,
    int64_t granted_by, int64_t now)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (id <= 0 || role == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_role_grant, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, role)) != TB_OK ||
	    (rc = granted_by > 0 ? store_bind_i64(s, 3, granted_by) :
	    store_bind_null(s, 3)) != TB_OK ||
	    (rc = store_bind_i64(s, 4, now)) != TB_OK)
		return rc;
	return org_step_done(s);
}

int
store_user_role_revoke(struct store_conn *c, int64_t id, const char *role)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = org_check_write(c)) != TB_OK)
		return rc;
	if (id <= 0 || role == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_user_role_revoke, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, id)) != TB_OK ||
	    (rc = store_bind_text(s, 2, role)) != TB_OK ||
	    (rc = org_step_done(s)) != TB_OK)
		return rc;
	return store_changes(c) == 1 ? TB_OK : TB_ENOTFOUND;
}

int
store_user_scan(struct store_conn *c, const char *agency, const char *after,
    int64_t limit, int (*fn)(void *, const struct store_user_rec *),
    void *arg)
{
	struct store_user_rec	 rec;
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_user_scan, &s)) != TB_OK ||
	    (rc = store_bind_i64(s, 1, agency != NULL)) != TB_OK ||
	    (rc = store_bind_text(s, 2, agency != NULL ? agency : ""))
	    != TB_OK ||
	    (rc = store_bind_text(s, 3, after != NULL ? after : "")) != TB_OK ||
	    (rc = store_bind_i64(s, 4, limit)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW) {
		if ((rc = org_user_row(s, &rec)) != TB_OK)
			return rc;
		if (fn(arg, &rec) != 0)
			return TB_OK;
	}
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_agency_dedicated_count(struct store_conn *c, const char *code,
    int64_t *n)
{
	struct store_stmt	*s;
	int			 rc;

	*n = 0;
	if (code == NULL)
		return TB_EINVAL;
	if ((rc = store_prepare(c, sql_agency_dedicated, &s)) != TB_OK ||
	    (rc = store_bind_text(s, 1, code)) != TB_OK)
		return rc;
	if ((rc = store_step(s)) != TB_ROW)
		return rc == TB_DONE ? TB_ESTORE : rc;
	*n = store_col_i64(s, 0);
	rc = store_step(s);
	return rc == TB_DONE ? TB_OK : rc;
}

int
store_dedicated_counts(struct store_conn *c,
    int (*fn)(void *, const char *, int64_t), void *arg)
{
	struct store_stmt	*s;
	int			 rc;

	if ((rc = store_prepare(c, sql_dedicated_counts, &s)) != TB_OK)
		return rc;
	while ((rc = store_step(s)) == TB_ROW)
		if (fn(arg, store_col_text(s, 0), store_col_i64(s, 1)) != 0)
			return TB_OK;
	return rc == TB_DONE ? TB_OK : rc;
}
