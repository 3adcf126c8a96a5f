/*
 * evidence.h: the rules of P24-P27 as pure functions: the log retention
 * of core systems (P24), the preservation paths and their steps (P25),
 * the clauses of outsourcing contracts (P26), evidence file names, hashes
 * and the chain of custody (P27).
 *
 * Like the rest of src/domain/ (domain.h), nothing here does I/O, reads
 * the clock or knows about JSON: "now" is a parameter, and every string a
 * function returns is static.  docs/internals/evidence.md walks through
 * the resource these rules serve.
 */
#ifndef TB_DOMAIN_EVIDENCE_H
#define TB_DOMAIN_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* ------------------------------------------------------------------ */
/* Core systems and their logs (P24)                                    */
/* ------------------------------------------------------------------ */

/* P24: logs of the last 6 months are kept. */
#define EVLOG_MONTHS_MIN	6
/* Longest retention accepted: 100 years is more than any rule asks, and a
 * bound keeps nonsense out of the compliance view. */
#define EVLOG_MONTHS_MAX	1200

/* The four log types P24 names, in the order the procedure lists them. */
enum evlog_type {
	EVLOG_OS_EVENT = 0,	/* os_event: operating system event log */
	EVLOG_WEB,		/* web */
	EVLOG_APPLICATION,	/* application */
	EVLOG_LOGON,		/* logon */
	EVLOG__COUNT
};

#define EVLOG_BIT(t)	(1u << (t))

/* The code name of a log type ("os_event"); NULL when out of range. */
const char	*evlog_type_name(enum evlog_type t);
/* Parses a code name; TB_EINVAL when unknown or NULL. */
int		 evlog_type_from_name(const char *s, enum evlog_type *out);

/* How one log type of one system is kept. */
struct evlog_retention {
	bool	 present;	/* the system keeps this type at all */
	int64_t	 months_kept;
	bool	 copy_elsewhere;/* a copy lives on another physical system */
};

/* What a system's logs lack.  Each set is of EVLOG_BIT()s. */
struct evlog_check {
	unsigned	 missing;	/* types not kept at all */
	unsigned	 short_kept;	/* kept, but under EVLOG_MONTHS_MIN */
	unsigned	 no_copy;	/* kept without a copy elsewhere (P24
					   recommends one; not a failure) */
	bool		 compliant;	/* nothing missing or short */
};

/*
 * Judges the retention of one system's logs against P24: every type kept
 * for at least EVLOG_MONTHS_MIN months.  r is indexed by enum evlog_type.
 */
void	evlog_check(const struct evlog_retention r[EVLOG__COUNT],
	    struct evlog_check *out);

/* Whether a core system has a standby to fail over to (P25). */
enum evsys_standby {
	EVSYS_STANDBY_NONE = 0,	/* none */
	EVSYS_STANDBY_STANDBY,	/* standby */
	EVSYS_STANDBY__COUNT
};

const char	*evsys_standby_name(enum evsys_standby s);
int		 evsys_standby_from_name(const char *s,
		    enum evsys_standby *out);

/* ------------------------------------------------------------------ */
/* Preservation paths (P25)                                             */
/* ------------------------------------------------------------------ */

/* The three paths of P25. */
enum evpath {
	EVPATH_NO_STANDBY = 0,	/* no_standby */
	EVPATH_STANDBY,		/* standby: fail over, keep the victim */
	EVPATH_STANDBY_HIT,	/* standby_hit: the standby is hit too */
	EVPATH__COUNT
};

/* Every step any path has; a path uses some of them, in its order. */
enum evstep {
	/* Isolation comes first on every path; any of these isolates. */
	EVSTEP_DISCONNECT = 0,		/* disconnect from the network */
	EVSTEP_STOP_SERVICES,		/* stop services */
	EVSTEP_RESTRICT_ACCESS,		/* restrict connections or rights */
	EVSTEP_LIMITED_PATCHING,	/* limited patching */
	/* Without a standby. */
	EVSTEP_IMAGE_STORAGE,		/* image the victim's storage */
	EVSTEP_REBUILD,			/* rebuild on clean media */
	EVSTEP_TEST,			/* test the rebuilt system */
	EVSTEP_SERVE,			/* back in service */
	/* With a standby. */
	EVSTEP_FAIL_OVER,		/* fail over to the standby */
	EVSTEP_PRESERVE_VICTIM,		/* victim untouched until analysed
					   or fully imaged */
	EVSTEP_SWITCH_BACK,		/* switch back from the standby */
	/* The standby hit too. */
	EVSTEP_KEEP_MINIMUM,		/* keep only a minimum running */
	EVSTEP_PRESERVE_EVIDENCE,	/* preserve the evidence */
	EVSTEP__COUNT
};

/* Most steps one path has (standby: four isolation steps and five). */
#define EVPATH_STEPS_MAX	9

const char	*evpath_name(enum evpath p);
int		 evpath_from_name(const char *s, enum evpath *out);
const char	*evstep_name(enum evstep s);
int		 evstep_from_name(const char *s, enum evstep *out);
/* What a step asks, for people: Traditional Chinese, or English when en. */
const char	*evstep_label(enum evstep s, bool en);
/* What a path is, for people, in the same way. */
const char	*evpath_label(enum evpath p, bool en);

/*
 * The path that fits (P25): a system without a standby takes no_standby;
 * with one, standby, unless the standby was hit too.
 */
enum evpath	 evpath_suggest(enum evsys_standby standby, bool standby_hit);
/*
 * Whether path p can be followed by a system registered with standby: the
 * two standby paths need a standby.  no_standby fits every system (a
 * standby may be unusable).
 */
bool		 evpath_fits(enum evpath p, enum evsys_standby standby);

/*
 * Step i (0-based) of path p in its order, with its stage (1, 2, ...).
 * Steps of one stage may be done in any order; stage 1 is isolation, done
 * by any one of its steps, every other stage has one step.  TB_EINVAL for
 * a path or index out of range.
 */
int	evpath_step(enum evpath p, size_t i, enum evstep *step, int *stage);
/* The number of steps of path p (0 when p is out of range). */
size_t	evpath_nsteps(enum evpath p);
/* The stage of step s on path p, or TB_EINVAL when p has no such step. */
int	evpath_stage_of(enum evpath p, enum evstep s, int *stage);

/* A step recorded as done. */
struct evstep_done {
	enum evstep	 step;
	int64_t		 at;	/* when it was done */
};

/* One step of a path as the view shows it. */
struct evstep_view {
	enum evstep	 step;
	int		 stage;
	bool		 any;		/* any one step of its stage is
					   enough (isolation) */
	int64_t		 at;		/* TBTIME_NONE (domain.h) until done */
	bool		 out_of_order;	/* done while an earlier stage was
					   not yet complete */
};

/* A whole path as the view shows it. */
struct evpath_review {
	struct evstep_view	 steps[EVPATH_STEPS_MAX];
	size_t			 nsteps;
	int			 next;		/* index of the step to do next,
						   -1 when complete */
	bool			 complete;
	size_t			 nout_of_order;
};

/*
 * Lays the ndone recorded steps over path p (P25: "the system guides
 * through the path that fits and records each step").  Steps may be
 * recorded in any order; a step done while an earlier stage was not
 * complete (isolation: none of its steps done by then; other stages: not
 * done by then) is marked out_of_order, so a reversed or skipped step
 * shows.  A stage is complete once any isolation step, or its one step,
 * is done.  next names the first step of the first incomplete stage.
 * TB_EINVAL for a path out of range or a recorded step the path does not
 * have (or recorded twice).
 */
int	evpath_review(enum evpath p, const struct evstep_done *done,
	    size_t ndone, struct evpath_review *out);

/* ------------------------------------------------------------------ */
/* Outsourcing contracts (P26, with P13)                                */
/* ------------------------------------------------------------------ */

/* The clauses an outsourcing contract should hold. */
enum evclause {
	EVCLAUSE_REPORTING = 0,		/* reporting: P13 report at once */
	EVCLAUSE_LOG_RETENTION,		/* log_retention: P24 */
	EVCLAUSE_EVIDENCE_PRESERVATION,	/* evidence_preservation: P25 */
	EVCLAUSE_BACKUP,		/* backup: P24-P25 copies */
	EVCLAUSE__COUNT
};

#define EVCLAUSE_BIT(c)	(1u << (c))

const char	*evclause_name(enum evclause c);
int		 evclause_from_name(const char *s, enum evclause *out);
/* The procedure point a clause comes from ("P13"). */
const char	*evclause_point(enum evclause c);
/* The clauses not ticked, as EVCLAUSE_BIT()s; ticked is indexed by
 * enum evclause. */
unsigned	 evclause_missing(const bool ticked[EVCLAUSE__COUNT]);

/* ------------------------------------------------------------------ */
/* Evidence items (P27)                                                 */
/* ------------------------------------------------------------------ */

/* Longest evidence file name, in bytes (common file systems' limit). */
#define EVIDENCE_NAME_MAX	255

/* Why a file name was refused. */
enum evname_fault {
	EVNAME_OK = 0,
	EVNAME_EMPTY,		/* empty */
	EVNAME_TOO_LONG,	/* over EVIDENCE_NAME_MAX bytes */
	EVNAME_PATH,		/* holds "/" or "\" */
	EVNAME_DOTS,		/* holds ".." or is "." */
	EVNAME_CONTROL,		/* a control or bidirectional-override
				   character (which can disguise an
				   extension) */
	EVNAME_ENCODING,	/* not valid UTF-8 */
	EVNAME__COUNT
};

/*
 * Checks an evidence file name of len bytes (a name, never a path: it is
 * stored in the database and only ever offered back as a download's
 * name).  The first fault found, in the order of the enum, or EVNAME_OK.
 */
enum evname_fault evidence_name_check(const char *s, size_t len);
/* Why, for people; en picks English over Traditional Chinese. */
const char	*evidence_name_fault_text(enum evname_fault f, bool en);

/*
 * Copies a SHA-256 in hex (64 digits, either case) to out in lower case.
 * TB_EINVAL when s is not exactly that.
 */
int	evidence_sha256_normalise(const char *s, char out[65]);

/*
 * The P27 warning shown with suspected malware: it goes to ACS's
 * VirusCheck service and to no other platform.
 */
const char	*evidence_malware_warning(bool en);

/* ------------------------------------------------------------------ */
/* Chain of custody (P27)                                               */
/* ------------------------------------------------------------------ */

/* How an entry came to be in the chain. */
enum evcustody_kind {
	EVCUSTODY_COLLECTED = 0,	/* collected: first entry of an item
					   held elsewhere */
	EVCUSTODY_UPLOADED,		/* uploaded: first entry of a file
					   stored here */
	EVCUSTODY_HANDOVER,		/* handover: from one holder to
					   another */
	EVCUSTODY_DOWNLOAD,		/* download: a copy taken from the
					   store; the holder does not change */
	EVCUSTODY__COUNT
};

const char	*evcustody_kind_name(enum evcustody_kind k);
int		 evcustody_kind_from_name(const char *s,
		    enum evcustody_kind *out);

/* How far ahead of the server's clock a time given by a client may be:
 * clocks of office PCs drift, and "now" sent by one must not be refused. */
#define EVIDENCE_CLOCK_SKEW_US	(INT64_C(60) * 1000000)

/* One entry of a chain; strings are borrowed. */
struct evcustody_entry {
	enum evcustody_kind	 kind;
	const char		*from;	/* NULL on a first entry */
	const char		*to;
	int64_t			 at;
};

/* Why a hand-over may not be appended. */
enum evcustody_fault {
	EVCUSTODY_F_OK = 0,
	EVCUSTODY_F_NO_CHAIN,	/* the chain is empty (no first entry) */
	EVCUSTODY_F_IN_FUTURE,	/* at is later than now (plus the skew) */
	EVCUSTODY_F_BEFORE_LAST,	/* at is before the last hand-over */
	EVCUSTODY_F_NOT_HOLDER,	/* from is not who holds it now */
	EVCUSTODY_F_SAME_PARTY,	/* from and to are the same */
	EVCUSTODY_F__COUNT
};

/*
 * The holder of an item after the n entries of chain (in order): the `to`
 * of the last entry that is not a download; NULL for an empty chain.
 * Returns a pointer into chain.
 */
const char	*evcustody_holder(const struct evcustody_entry *chain,
		    size_t n);
/*
 * Checks that next, a hand-over, may be appended to chain at the instant
 * now: from must be the current holder (a chain with a gap is no chain),
 * to someone else, not earlier than the last entry that moved the item,
 * and not in the future.  The first fault in the order of the enum.
 */
enum evcustody_fault evcustody_check(const struct evcustody_entry *chain,
	    size_t n, const struct evcustody_entry *next, int64_t now);

#endif
