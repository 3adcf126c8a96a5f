/*
 * metrics.c: request counters and a latency histogram per route, kept in
 * atomics so that recording never takes a lock, rendered as Prometheus
 * text.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "store/store.h"

/* The statuses counted one by one; any other is counted as "other". */
static const int metric_statuses[] = {
	200, 201, 204, 304, 400, 401, 403, 404, 405, 408, 409, 413, 415, 422,
	429, 500, 503,
};
#define NSTATUS	(sizeof(metric_statuses) / sizeof(metric_statuses[0]) + 1)

/* Upper bounds of the latency buckets, in microseconds. */
static const int64_t metric_buckets[] = {
	250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
	500000, 1000000, 2500000, 5000000,
};
#define NBUCKET	(sizeof(metric_buckets) / sizeof(metric_buckets[0]))

struct route_metrics {
	_Atomic uint64_t	 status[NSTATUS];
	_Atomic uint64_t	 bucket[NBUCKET + 1];	/* last is +Inf */
	_Atomic uint64_t	 sum_us;
};

static struct route_metrics	*metrics;	/* nroutes + 1 (unrouted) */
static size_t			 metrics_n;

int
metrics_init(size_t nroutes)
{
	metrics_n = nroutes + 1;
	metrics = calloc(metrics_n, sizeof(*metrics));
	return metrics != NULL ? TB_OK : TB_ENOMEM;
}

void
metrics_cleanup(void)
{
	free(metrics);
	metrics = NULL;
	metrics_n = 0;
}

void
metrics_record(int route_idx, int status, int64_t duration_us)
{
	struct route_metrics	*m;
	size_t			 i;

	if (metrics == NULL)
		return;
	if (route_idx < 0 || (size_t)route_idx + 1 >= metrics_n)
		m = &metrics[metrics_n - 1];
	else
		m = &metrics[route_idx];
	for (i = 0; i < NSTATUS - 1; i++)
		if (metric_statuses[i] == status)
			break;
	atomic_fetch_add_explicit(&m->status[i], 1, memory_order_relaxed);
	for (i = 0; i < NBUCKET; i++)
		if (duration_us <= metric_buckets[i])
			break;
	atomic_fetch_add_explicit(&m->bucket[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&m->sum_us, (uint64_t)duration_us,
	    memory_order_relaxed);
}

static const char *
route_label(struct app *app, size_t i)
{
	return i < app->nroutes ? app->routes[i].pattern : "other";
}

int
metrics_render(struct app *app, struct buf *out)
{
	struct store_stats	 st;
	size_t			 r, i;

	if (metrics == NULL)
		return TB_EINVAL;
	buf_adds(out, "# HELP tongbao_http_requests_total HTTP requests "
	    "answered, by route pattern and status.\n"
	    "# TYPE tongbao_http_requests_total counter\n");
	for (r = 0; r < metrics_n; r++)
		for (i = 0; i < NSTATUS; i++) {
			uint64_t v = atomic_load(&metrics[r].status[i]);
			char	 code[8];

			if (v == 0)
				continue;
			if (i < NSTATUS - 1)
				tb_snprintf(code, sizeof(code), "%d",
				    metric_statuses[i]);
			else
				tb_strlcpy(code, "other", sizeof(code));
			buf_printf(out, "tongbao_http_requests_total{route=\"%s\","
			    "status=\"%s\"} %llu\n", route_label(app, r), code,
			    (unsigned long long)v);
		}
	buf_adds(out, "# HELP tongbao_http_request_duration_seconds Time "
	    "from the request line to the queued answer.\n"
	    "# TYPE tongbao_http_request_duration_seconds histogram\n");
	for (r = 0; r < metrics_n; r++) {
		uint64_t cum = 0;

		for (i = 0; i <= NBUCKET; i++)
			cum += atomic_load(&metrics[r].bucket[i]);
		if (cum == 0)
			continue;
		cum = 0;
		for (i = 0; i < NBUCKET; i++) {
			cum += atomic_load(&metrics[r].bucket[i]);
			buf_printf(out, "tongbao_http_request_duration_seconds_"
			    "bucket{route=\"%s\",le=\"%g\"} %llu\n",
			    route_label(app, r),
			    (double)metric_buckets[i] / 1e6,
			    (unsigned long long)cum);
		}
		cum += atomic_load(&metrics[r].bucket[NBUCKET]);
		buf_printf(out, "tongbao_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %llu\n", route_label(app, r),
		    (unsigned long long)cum);
		buf_printf(out, "tongbao_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %.6f\n", route_label(app, r),
		    (double)atomic_load(&metrics[r].sum_us) / 1e6);
		buf_printf(out, "tongbao_http_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", route_label(app, r),
		    (unsigned long long)cum);
	}
	store_get_stats(app->store, &st);
	buf_printf(out,
	    "# HELP tongbao_store_commits_total Write transactions committed.\n"
	    "# TYPE tongbao_store_commits_total counter\n"
	    "tongbao_store_commits_total %llu\n"
	    "# HELP tongbao_store_rollbacks_total Write transactions rolled "
	    "back.\n"
	    "# TYPE tongbao_store_rollbacks_total counter\n"
	    "tongbao_store_rollbacks_total %llu\n"
	    "# HELP tongbao_store_write_wait_seconds_total Time spent waiting "
	    "for the writer connection.\n"
	    "# TYPE tongbao_store_write_wait_seconds_total counter\n"
	    "tongbao_store_write_wait_seconds_total %.6f\n"
	    "# HELP tongbao_store_statements_total Statements run to the "
	    "end.\n"
	    "# TYPE tongbao_store_statements_total counter\n"
	    "tongbao_store_statements_total %llu\n"
	    "# HELP tongbao_store_errors_total Database errors.\n"
	    "# TYPE tongbao_store_errors_total counter\n"
	    "tongbao_store_errors_total %llu\n"
	    "# HELP tongbao_store_schema_version Highest migration applied.\n"
	    "# TYPE tongbao_store_schema_version gauge\n"
	    "tongbao_store_schema_version %d\n",
	    (unsigned long long)st.tx_commits,
	    (unsigned long long)st.tx_rollbacks,
	    (double)st.write_wait_us / 1e6,
	    (unsigned long long)st.statements,
	    (unsigned long long)st.errors, st.schema_version);
	/* Group commit: commits / batches is the transactions per fsync. */
	buf_printf(out, "# HELP tongbao_store_commit_batches_total Durable "
	    "COMMITs, each holding one or more write transactions.\n"
	    "# TYPE tongbao_store_commit_batches_total counter\n"
	    "tongbao_store_commit_batches_total %llu\n",
	    (unsigned long long)st.tx_batches);
	buf_printf(out, "# HELP tongbao_store_checkpoints_total WAL "
	    "checkpoints run.\n"
	    "# TYPE tongbao_store_checkpoints_total counter\n"
	    "tongbao_store_checkpoints_total %llu\n",
	    (unsigned long long)st.checkpoints);
	buf_printf(out, "# HELP tongbao_uptime_seconds Seconds since start.\n"
	    "# TYPE tongbao_uptime_seconds gauge\n"
	    "tongbao_uptime_seconds %lld\n",
	    (long long)((tb_now_us() - app->started_at) / 1000000));
	return TB_OK;
}
