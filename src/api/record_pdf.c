/*
 * record_pdf.c: the printed record as PDF (P32, P33), laid out by the
 * server with cairo and pango on A4, in the Noto CJK fonts so that
 * Traditional Chinese renders as it should.
 *
 * The document model (record_doc(), closure.h) is a list of blocks:
 * titles, headings, paragraphs, label/value tables and tables.  Every
 * block is laid out as rows of cells; a cell is a pango layout wrapped to
 * its column.  A row that does not fit on the rest of the page moves to
 * the next one, and a row taller than a whole page is split between its
 * lines, so nothing is ever cut off; a table's header row is repeated on
 * every page it continues on.  Each page carries a header (the title and
 * the incident) and a footer (when it was printed, "第 N 頁，共 M 頁").
 * The page count is known only once everything is laid out, so the
 * document is laid out twice: first into nothing to count the pages, then
 * for real.
 *
 * pango and fontconfig keep caches that are not made for many threads at
 * once, and a PDF is rare: one render runs at a time, under a lock, with
 * a font map of its own that is freed after.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include "api/closure.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* A4 in points (1/72 inch): 210 x 297 mm. */
#define PAGE_W		595.2756
#define PAGE_H		841.8898
/* Margins: 18 mm at the sides; the header and footer sit in the top
 * and bottom 20 mm, the text between them. */
#define MARGIN_X	51.0
#define BODY_TOP	62.0
#define BODY_BOTTOM	(PAGE_H - 60.0)
#define BODY_W		(PAGE_W - 2 * MARGIN_X)
/* Padding inside a table cell, and the rule width. */
#define CELL_PAD	3.5
#define RULE_W		0.5
/* Space left before a heading must hold it and a few lines after it,
 * else it moves to the next page with what follows it. */
#define KEEP_WITH_NEXT	60.0
/* Cells per row: the widest table has seven columns. */
#define CELLS_MAX	8
/* The faces: Noto Sans CJK TC (fonts-noto-cjk) holds every character
 * of Traditional Chinese; fontconfig falls back for anything else. */
#define FONT_FAMILY	"Noto Sans CJK TC"

static pthread_mutex_t	 pdf_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * LeakSanitizer's documented hook for its default suppressions, read in
 * the sanitizer builds and nowhere else.  Two leaks are the libraries'
 * own, not ours to free: cairo 1.16 loses about 1.5 KB of its font
 * subsetting arrays when it finishes a PDF with text in it, and
 * fontconfig a few hundred bytes once, parsing its configuration when
 * pango first loads it.  The sanitizer's fast unwinder sees no further
 * than the library that allocated, so they are named by library: a
 * cairo object of ours left undestroyed would go unreported too, but
 * every pango and glib object (layouts, contexts, font maps) still is.
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libcairo.so\n"
	    "leak:libfontconfig.so\n";
}

/* Where the bytes go: a buffer, or nowhere (the counting pass). */
struct sink {
	struct buf	*out;
	int		 rc;
};

/* One cell: its layout, its lines' geometry in points from the layout's
 * top, and the first line not yet drawn. */
struct cell {
	PangoLayout	*l;
	int		 n;
	double		*top, *bot, *base, *x;
	int		 from;
};

/* A table being drawn: its columns and the header row to repeat. */
struct table {
	size_t		 ncol;
	double		 x[CELLS_MAX], w[CELLS_MAX];
	const char	*head[CELLS_MAX];	/* NULL: no header row */
	int		 kv;			/* a label/value table */
};

struct pdf {
	cairo_surface_t		*surface;
	cairo_t			*cr;
	PangoContext		*pc;
	PangoFontDescription	*body, *bold, *small, *h1, *h2;
	const char		*title, *ref, *footer;
	double			 y;
	int			 page, pages;
	int			 rc;
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int len)
{
	struct sink	*s = closure;

	if (s->out == NULL)
		return CAIRO_STATUS_SUCCESS;
	if (buf_add(s->out, data, len) != TB_OK) {
		s->rc = TB_ETOOBIG;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/* A layout of text in font fd wrapped to width points (<= 0: no
 * wrapping), aligned as align. */
static PangoLayout *
layout_new(struct pdf *p, const PangoFontDescription *fd, const char *text,
    double width, PangoAlignment align)
{
	PangoLayout	*l = pango_layout_new(p->pc);

	pango_layout_set_font_description(l, fd);
	if (width > 0) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_alignment(l, align);
	pango_layout_set_text(l, text != NULL ? text : "", -1);
	return l;
}

/* Fills the cell's line geometry from its layout.  TB_ENOMEM. */
static int
cell_measure(struct cell *c)
{
	PangoLayoutIter	*it;
	PangoRectangle	 r;
	int		 k = 0;

	c->n = pango_layout_get_line_count(c->l);
	c->top = calloc((size_t)c->n + 1, sizeof(double));
	c->bot = calloc((size_t)c->n + 1, sizeof(double));
	c->base = calloc((size_t)c->n + 1, sizeof(double));
	c->x = calloc((size_t)c->n + 1, sizeof(double));
	if (c->top == NULL || c->bot == NULL || c->base == NULL ||
	    c->x == NULL)
		return TB_ENOMEM;
	it = pango_layout_get_iter(c->l);
	do {
		if (k >= c->n)
			break;
		pango_layout_iter_get_line_extents(it, NULL, &r);
		c->top[k] = (double)r.y / PANGO_SCALE;
		c->bot[k] = (double)(r.y + r.height) / PANGO_SCALE;
		c->x[k] = (double)r.x / PANGO_SCALE;
		c->base[k] = (double)pango_layout_iter_get_baseline(it) /
		    PANGO_SCALE;
		k++;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
	c->n = k;
	c->from = 0;
	return TB_OK;
}

static void
cell_free(struct cell *c)
{
	if (c->l != NULL)
		g_object_unref(c->l);
	free(c->top);
	free(c->bot);
	free(c->base);
	free(c->x);
	memset(c, 0, sizeof(*c));
}

/* Height of the cell's lines still to draw. */
static double
cell_rest(const struct cell *c)
{
	if (c->from >= c->n)
		return 0;
	return c->bot[c->n - 1] - c->top[c->from];
}

/* How many of the cell's lines still to draw fit in h points. */
static int
cell_fit(const struct cell *c, double h)
{
	int	 k;

	for (k = c->from; k < c->n; k++)
		if (c->bot[k] - c->top[c->from] > h + 0.01)
			break;
	return k - c->from;
}

/* Draws lines [from, from + count) of the cell with its top at (x, y). */
static void
cell_draw(struct pdf *p, struct cell *c, double x, double y, int count)
{
	PangoLayoutLine	*line;
	double		 off;
	int		 k;

	if (count <= 0 || c->from >= c->n)
		return;
	off = c->top[c->from];
	for (k = c->from; k < c->from + count && k < c->n; k++) {
		line = pango_layout_get_line_readonly(c->l, k);
		cairo_move_to(p->cr, x + c->x[k], y + c->base[k] - off);
		pango_cairo_show_layout_line(p->cr, line);
	}
	c->from += count;
}

/* Draws a one-line text at (x, y) in fd, right-aligned at x when
 * right. */
static void
text_at(struct pdf *p, const PangoFontDescription *fd, const char *text,
    double x, double y, int right)
{
	PangoLayout	*l = layout_new(p, fd, text, -1, PANGO_ALIGN_LEFT);
	PangoRectangle	 r;

	pango_layout_get_extents(l, NULL, &r);
	cairo_move_to(p->cr, right ? x - (double)r.width / PANGO_SCALE : x,
	    y);
	pango_cairo_show_layout(p->cr, l);
	g_object_unref(l);
}

/* The header and footer of the current page. */
static void
page_frame(struct pdf *p)
{
	char	 n[96];

	cairo_set_source_rgb(p->cr, 0.25, 0.25, 0.25);
	text_at(p, p->small, p->title, MARGIN_X, 26, 0);
	text_at(p, p->small, p->ref, PAGE_W - MARGIN_X, 26, 1);
	cairo_set_line_width(p->cr, RULE_W);
	cairo_move_to(p->cr, MARGIN_X, 42);
	cairo_line_to(p->cr, PAGE_W - MARGIN_X, 42);
	cairo_move_to(p->cr, MARGIN_X, PAGE_H - 46);
	cairo_line_to(p->cr, PAGE_W - MARGIN_X, PAGE_H - 46);
	cairo_stroke(p->cr);
	if (p->pages > 0)
		tb_snprintf(n, sizeof(n), "第 %d 頁，共 %d 頁", p->page,
		    p->pages);
	else
		tb_snprintf(n, sizeof(n), "第 %d 頁", p->page);
	text_at(p, p->small, p->footer, MARGIN_X, PAGE_H - 40, 0);
	text_at(p, p->small, n, PAGE_W - MARGIN_X, PAGE_H - 40, 1);
	cairo_set_source_rgb(p->cr, 0, 0, 0);
	p->y = BODY_TOP;
}

/* Ends the page and starts the next. */
static void
page_break(struct pdf *p)
{
	cairo_show_page(p->cr);
	p->page++;
	page_frame(p);
}

/* Fills cells[0..n) with layouts of texts in the table's columns. */
static int
row_cells(struct pdf *p, const struct table *t, const char *const *texts,
    size_t n, int header, struct cell *cells)
{
	size_t	 i;
	int	 rc = TB_OK;

	memset(cells, 0, n * sizeof(*cells));
	for (i = 0; i < n && rc == TB_OK; i++) {
		cells[i].l = layout_new(p, header || (t->kv && i == 0) ?
		    p->bold : p->body, texts[i], t->w[i] - 2 * CELL_PAD,
		    PANGO_ALIGN_LEFT);
		rc = cell_measure(&cells[i]);
	}
	return rc;
}

/*
 * Draws the frame and fill of one row segment of height h at the
 * current y: a grey fill for headers and labels, a pale red one for a
 * void or late row, and a rule around each cell (tables only).
 */
static void
row_frame(struct pdf *p, const struct table *t, double h, int header,
    const char *cls, int ruled)
{
	size_t	 i;

	for (i = 0; i < t->ncol; i++) {
		int	 grey = header || (t->kv && i == 0);
		int	 red = !header && cls != NULL && cls[0] != '\0';

		if (grey || red) {
			if (grey)
				cairo_set_source_rgb(p->cr, 0.92, 0.92, 0.92);
			else
				cairo_set_source_rgb(p->cr, 1.0, 0.92, 0.92);
			cairo_rectangle(p->cr, t->x[i], p->y, t->w[i], h);
			cairo_fill(p->cr);
		}
		if (ruled) {
			cairo_set_source_rgb(p->cr, 0.45, 0.45, 0.45);
			cairo_set_line_width(p->cr, RULE_W);
			cairo_rectangle(p->cr, t->x[i], p->y, t->w[i], h);
			cairo_stroke(p->cr);
		}
	}
	cairo_set_source_rgb(p->cr, 0, 0, 0);
}

static void	table_head(struct pdf *, const struct table *);

/*
 * Draws one row of n cells of table t (ruled: with rules; header: the
 * header row, never split; cls the row's class), moving to the next page
 * as needed: a row that fits on a page is never split; a taller one is
 * split between lines, filling each page.
 */
static void
row_draw(struct pdf *p, const struct table *t, struct cell *cells,
    size_t n, int header, const char *cls, int ruled)
{
	double	 rest, avail, full, h;
	int	 fit[CELLS_MAX], any, guard = 0, fresh = 0;
	size_t	 i;

	for (;;) {
		rest = 0;
		for (i = 0; i < n; i++)
			if (cell_rest(&cells[i]) > rest)
				rest = cell_rest(&cells[i]);
		rest += 2 * CELL_PAD;
		avail = BODY_BOTTOM - p->y;
		/* What a fresh page holds below a repeated header. */
		full = BODY_BOTTOM - BODY_TOP - (t->head[0] != NULL &&
		    !header ? 24 : 0);
		if (rest <= avail + 0.01) {
			row_frame(p, t, rest, header, cls, ruled);
			if (!header && cls != NULL && cls[0] != '\0')
				cairo_set_source_rgb(p->cr, 0.55, 0, 0);
			for (i = 0; i < n; i++)
				cell_draw(p, &cells[i], t->x[i] + CELL_PAD,
				    p->y + CELL_PAD, cells[i].n -
				    cells[i].from);
			cairo_set_source_rgb(p->cr, 0, 0, 0);
			p->y += rest;
			return;
		}
		if ((rest <= full || header) && p->y > BODY_TOP + 1 &&
		    guard == 0) {
			/* It fits a page: move it whole. */
			page_break(p);
			if (!header)
				table_head(p, t);
			guard = 1;
			continue;
		}
		/* Taller than a page: as many lines as fit, then on. */
		any = 0;
		for (i = 0; i < n; i++) {
			fit[i] = cell_fit(&cells[i], avail - 2 * CELL_PAD);
			any |= fit[i] > 0;
		}
		if (!any) {
			if (!fresh) {
				page_break(p);
				table_head(p, t);
				fresh = 1;
				continue;
			}
			/* Not one line fits on a fresh page: draw one
			 * anyway rather than loop. */
			for (i = 0; i < n; i++)
				fit[i] = cells[i].from < cells[i].n;
		}
		h = avail;
		row_frame(p, t, h, header, cls, ruled);
		if (!header && cls != NULL && cls[0] != '\0')
			cairo_set_source_rgb(p->cr, 0.55, 0, 0);
		for (i = 0; i < n; i++)
			cell_draw(p, &cells[i], t->x[i] + CELL_PAD,
			    p->y + CELL_PAD, fit[i]);
		cairo_set_source_rgb(p->cr, 0, 0, 0);
		page_break(p);
		table_head(p, t);
		guard = fresh = 1;
	}
}

/* Draws the table's header row (at the start, and on every page it
 * continues on). */
static void
table_head(struct pdf *p, const struct table *t)
{
	struct cell	 cells[CELLS_MAX];
	size_t		 i;

	if (t == NULL || t->head[0] == NULL)
		return;
	if (row_cells(p, t, t->head, t->ncol, 1, cells) == TB_OK)
		row_draw(p, t, cells, t->ncol, 1, "", 1);
	for (i = 0; i < t->ncol; i++)
		cell_free(&cells[i]);
}

/* Lays out t's columns from widths in percent (summing to any total). */
static void
table_columns(struct table *t, const double *pct, size_t n)
{
	double	 sum = 0, x = MARGIN_X;
	size_t	 i;

	t->ncol = n;
	for (i = 0; i < n; i++)
		sum += pct[i] > 0 ? pct[i] : 1;
	for (i = 0; i < n; i++) {
		t->x[i] = x;
		t->w[i] = BODY_W * (pct[i] > 0 ? pct[i] : 1) / sum;
		x += t->w[i];
	}
}

/* A table or label/value block of the model. */
static void
block_table(struct pdf *p, json_t *blk, int kv)
{
	struct table	 t;
	struct cell	 cells[CELLS_MAX];
	const char	*texts[CELLS_MAX];
	double		 pct[CELLS_MAX];
	json_t		*row, *x, *cols = json_object_get(blk, "cols");
	size_t		 i, j, n;

	memset(&t, 0, sizeof(t));
	t.kv = kv;
	if (kv) {
		pct[0] = 24;
		pct[1] = 76;
		n = 2;
	} else {
		n = json_array_size(cols);
		if (n == 0 || n > CELLS_MAX)
			return;
		for (i = 0; i < n; i++) {
			pct[i] = (double)json_integer_value(json_array_get(
			    json_object_get(blk, "w"), i));
			t.head[i] = json_string_value(json_array_get(cols, i));
		}
	}
	table_columns(&t, pct, n);
	table_head(p, &t);
	json_array_foreach(json_object_get(blk, "rows"), i, row) {
		for (j = 0; j < n; j++) {
			x = json_array_get(row, j);
			texts[j] = json_is_string(x) ? json_string_value(x) :
			    "";
		}
		if (row_cells(p, &t, texts, n, 0, cells) == TB_OK)
			row_draw(p, &t, cells, n, 0, json_string_value(
			    json_array_get(json_object_get(blk, "cls"), i)),
			    1);
		else
			p->rc = TB_ENOMEM;
		for (j = 0; j < n; j++)
			cell_free(&cells[j]);
	}
	p->y += 8;
}

/* A block of text: the whole width, no rules, fd, aligned; cls "" or,
 * for the exercise mark, "mark" (red on a pale red band). */
static void
block_text(struct pdf *p, const PangoFontDescription *fd, const char *text,
    PangoAlignment align, double before, double after, const char *cls)
{
	struct table	 t;
	struct cell	 c;
	double		 pct = 100;

	memset(&t, 0, sizeof(t));
	table_columns(&t, &pct, 1);
	memset(&c, 0, sizeof(c));
	p->y += before;
	if (p->y >= BODY_BOTTOM)
		page_break(p);
	c.l = layout_new(p, fd, text, t.w[0] - 2 * CELL_PAD, align);
	if (cell_measure(&c) == TB_OK)
		row_draw(p, &t, &c, 1, 0, cls, 0);
	else
		p->rc = TB_ENOMEM;
	cell_free(&c);
	p->y += after;
}

/* Lays out every block of doc, from the first page on. */
static void
layout_doc(struct pdf *p, json_t *doc)
{
	const char	*k, *text;
	json_t		*blk;
	size_t		 i;

	p->page = 1;
	page_frame(p);
	json_array_foreach(doc, i, blk) {
		k = json_string_value(json_object_get(blk, "k"));
		text = json_string_value(json_object_get(blk, "t"));
		if (k == NULL)
			continue;
		if (strcmp(k, "title") == 0) {
			block_text(p, p->small, "臺北市政府",
			    PANGO_ALIGN_CENTER, 0, 0, "");
			block_text(p, p->h1, text, PANGO_ALIGN_CENTER, 0, 2,
			    "");
		} else if (strcmp(k, "meta") == 0)
			block_text(p, p->small, text, PANGO_ALIGN_CENTER, 0,
			    6, "");
		else if (strcmp(k, "mark") == 0)
			block_text(p, p->h2, text, PANGO_ALIGN_CENTER, 0, 6,
			    "mark");
		else if (strcmp(k, "h") == 0) {
			/* Keep a heading with what follows it. */
			if (BODY_BOTTOM - p->y < KEEP_WITH_NEXT)
				page_break(p);
			block_text(p, p->h2, text, PANGO_ALIGN_LEFT, 6, 2, "");
		} else if (strcmp(k, "p") == 0)
			block_text(p, p->body, text, PANGO_ALIGN_LEFT, 0, 4,
			    "");
		else if (strcmp(k, "kv") == 0)
			block_table(p, blk, 1);
		else if (strcmp(k, "table") == 0)
			block_table(p, blk, 0);
	}
}

/* Frees what a pass made. */
static void
pass_free(struct pdf *p)
{
	PangoFontDescription	**fd[] = {
		&p->body, &p->bold, &p->small, &p->h1, &p->h2,
	};
	size_t			  i;

	for (i = 0; i < NELEM(fd); i++)
		if (*fd[i] != NULL) {
			pango_font_description_free(*fd[i]);
			*fd[i] = NULL;
		}
	if (p->pc != NULL)
		g_object_unref(p->pc);
	if (p->cr != NULL)
		cairo_destroy(p->cr);
	if (p->surface != NULL)
		cairo_surface_destroy(p->surface);
	p->pc = NULL;
	p->cr = NULL;
	p->surface = NULL;
}

/*
 * One pass: lays doc out with font map fm into s, or, while counting the
 * pages (s->out NULL), onto an image of one pixel: the layout depends on
 * the pango context alone, never on the surface, and a PDF made only to
 * be thrown away would cost its font subsetting for nothing.  *pages gets
 * the number of pages.
 */
static int
pass_run(struct pdf *p, PangoFontMap *fm, json_t *doc, struct sink *s,
    int *pages)
{
	cairo_font_options_t	*fo;
	cairo_status_t		 st;
	int			 rc;

	if (s->out == NULL)
		p->surface = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
	else
		p->surface = cairo_pdf_surface_create_for_stream(sink_write, s,
		    PAGE_W, PAGE_H);
	if (cairo_surface_status(p->surface) != CAIRO_STATUS_SUCCESS) {
		pass_free(p);
		return TB_EIO;
	}
	if (s->out != NULL) {
		cairo_pdf_surface_set_metadata(p->surface,
		    CAIRO_PDF_METADATA_TITLE, p->title);
		cairo_pdf_surface_set_metadata(p->surface,
		    CAIRO_PDF_METADATA_CREATOR, "tongbao");
	}
	p->cr = cairo_create(p->surface);
	p->pc = pango_font_map_create_context(fm);
	pango_cairo_context_set_resolution(p->pc, 72.0);
	/* Unhinted metrics: both passes, and every machine, lay out the
	 * same. */
	if ((fo = cairo_font_options_create()) != NULL) {
		cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
		cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
		pango_cairo_context_set_font_options(p->pc, fo);
		cairo_font_options_destroy(fo);
	}
	p->body = pango_font_description_from_string(FONT_FAMILY " 9.5");
	p->bold = pango_font_description_from_string(FONT_FAMILY " Bold 9.5");
	p->small = pango_font_description_from_string(FONT_FAMILY " 8");
	p->h1 = pango_font_description_from_string(FONT_FAMILY " Bold 18");
	p->h2 = pango_font_description_from_string(FONT_FAMILY " Bold 12.5");
	p->rc = TB_OK;
	layout_doc(p, doc);
	*pages = p->page;
	cairo_show_page(p->cr);
	cairo_surface_finish(p->surface);
	st = cairo_surface_status(p->surface);
	rc = p->rc;
	if (rc == TB_OK && s->rc != TB_OK)
		rc = s->rc;
	if (rc == TB_OK && st != CAIRO_STATUS_SUCCESS)
		rc = TB_EIO;
	pass_free(p);
	return rc;
}

int
record_pdf_render(json_t *doc, const char *title, const char *ref,
    const char *footer, struct buf *out)
{
	struct pdf	 p;
	struct sink	 none = { NULL, TB_OK }, real = { out, TB_OK };
	PangoFontMap	*fm;
	int		 rc, pages = 0;

	memset(&p, 0, sizeof(p));
	p.title = title;
	p.ref = ref;
	p.footer = footer;
	pthread_mutex_lock(&pdf_lock);
	if ((fm = pango_cairo_font_map_new()) == NULL) {
		pthread_mutex_unlock(&pdf_lock);
		return TB_ENOMEM;
	}
	rc = pass_run(&p, fm, doc, &none, &pages);
	if (rc == TB_OK) {
		p.pages = pages;
		rc = pass_run(&p, fm, doc, &real, &pages);
	}
	g_object_unref(fm);
	pthread_mutex_unlock(&pdf_lock);
	return rc;
}
