/*
 * import_pipe.c - the records of a BEIR corpus or queries file, read and
 * parsed on worker threads and handed back in file order (see
 * import_int.h).
 *
 * Workers take turns reading a batch of lines under the lock (a memchr and
 * a copy per line), then parse it with jansson outside the lock, so the
 * JSON parsing of several batches overlaps the main thread's inserts.  A
 * ring of PIPE_SLOTS batches of at most PIPE_LINES lines / PIPE_BYTES bytes
 * (plus one longest record) bounds the memory.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/import_int.h"

#define PIPE_SLOTS 8
#define PIPE_LINES 1024
#define PIPE_BYTES (1u << 20)
#define PIPE_MAX_THREADS 4

enum pipe_state { SLOT_FREE, SLOT_BUSY, SLOT_READY };

struct pipe_batch {
	enum pipe_state state;
	int64_t seq;			/* which batch of the file */
	struct strbuf arena;		/* lines, then parsed fields */
	struct imp_prec *recs;
	size_t n, cap;
	struct ns_err err;		/* of recs[n - 1] if its rc is set */
	bool last;			/* nothing after this batch */
};

/* Offsets into the arena while it may still move. */
struct pipe_off {
	size_t line, id, title, text;
};

struct imp_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct linereader lr;		/* read under mu */
	enum imp_kind kind;
	struct pipe_batch b[PIPE_SLOTS];
	struct pipe_off *off[PIPE_SLOTS];	/* per slot, PIPE_LINES */
	int64_t next_fill;		/* next batch to read */
	int64_t next_take;		/* batch the main thread is on */
	size_t cur;			/* next record of that batch */
	bool eof, stop;
	pthread_t th[PIPE_MAX_THREADS];
	int nth;
};

/* Read the next batch into @b (mu held).  Sets p->eof when the file is
 * done or unreadable. */
static void
pipe_fill(struct imp_pipe *p, struct pipe_batch *b, struct pipe_off *off)
{
	const char *line;
	size_t len;
	enum ns_rc rc;

	strbuf_reset(&b->arena);
	b->n = 0;
	b->last = false;
	while (b->n < PIPE_LINES && b->arena.len < PIPE_BYTES) {
		struct imp_prec *r;

		rc = linereader_next(&p->lr, &line, &len, &b->err);
		if (rc == NS_ENOTFOUND) {
			p->eof = b->last = true;
			break;
		}
		r = &b->recs[b->n];
		memset(r, 0, sizeof(*r));
		r->lineno = p->lr.lineno;
		r->col = p->lr.col;
		r->rc = rc;
		off[b->n].line = b->arena.len;
		b->n++;
		if (rc != NS_OK) {
			/* one error a batch; a read error ends the file */
			if (rc != NS_EINPUT)
				p->eof = b->last = true;
			break;
		}
		r->len = len;
		strbuf_add(&b->arena, line, len);
		strbuf_addch(&b->arena, '\0');
	}
}

/* Append @n bytes of @s and a NUL to the arena; returns their offset. */
static size_t
pipe_put(struct strbuf *a, const char *s, size_t n)
{
	size_t at = a->len;

	strbuf_add(a, s, n);
	strbuf_addch(a, '\0');
	return at;
}

/* Parse one record; on a record in the simple, valid shape set its
 * fields, else leave r->parsed false for the main thread's full reader
 * (which then reports what is wrong with it). */
static void
pipe_parse(struct imp_pipe *p, struct pipe_batch *b, struct imp_prec *r,
	   struct pipe_off *off)
{
	const char *line = b->arena.buf + off->line;
	json_t *o, *v;
	char num[32];

	if (line[strspn(line, " \t")] == '\0') {
		r->blank = true;
		return;
	}
	if (!(o = json_loadb(line, r->len, 0, NULL)))
		return;
	if (!json_is_object(o))
		goto out;
	v = json_object_get(o, "_id");
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		off->id = pipe_put(&b->arena, num, strlen(num));
	} else if (json_is_string(v) && json_string_length(v) > 0 &&
		   strlen(json_string_value(v)) == json_string_length(v)) {
		off->id = pipe_put(&b->arena, json_string_value(v),
				   json_string_length(v));
	} else {
		goto out;
	}
	v = p->kind == KIND_CORPUS ? json_object_get(o, "title") : NULL;
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			goto out;
		r->tlen = json_string_length(v);
		off->title = pipe_put(&b->arena, json_string_value(v),
				      r->tlen);
	} else {
		off->title = pipe_put(&b->arena, "", 0);
	}
	v = json_object_get(o, "text");
	if (!json_is_string(v))
		goto out;
	r->xlen = json_string_length(v);
	off->text = pipe_put(&b->arena, json_string_value(v), r->xlen);
	r->parsed = true;
out:
	json_decref(o);
}

static void *
pipe_worker(void *arg)
{
	struct imp_pipe *p = arg;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct pipe_batch *b;
		struct pipe_off *off;
		int slot;

		while (!p->stop && !p->eof &&
		       p->b[p->next_fill % PIPE_SLOTS].state != SLOT_FREE)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop || p->eof)
			break;
		slot = (int)(p->next_fill % PIPE_SLOTS);
		b = &p->b[slot];
		off = p->off[slot];
		b->state = SLOT_BUSY;
		b->seq = p->next_fill++;
		pipe_fill(p, b, off);
		if (p->eof)
			pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);

		for (size_t i = 0; i < b->n; i++)
			if (b->recs[i].rc == NS_OK)
				pipe_parse(p, b, &b->recs[i], &off[i]);
		for (size_t i = 0; i < b->n; i++) {
			struct imp_prec *r = &b->recs[i];

			if (r->rc != NS_OK) {
				r->line = "";
				continue;
			}
			r->line = b->arena.buf + off[i].line;
			if (r->parsed) {
				r->id = b->arena.buf + off[i].id;
				r->title = b->arena.buf + off[i].title;
				r->text = b->arena.buf + off[i].text;
			}
		}

		pthread_mutex_lock(&p->mu);
		b->state = SLOT_READY;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

static int
pipe_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > PIPE_MAX_THREADS ? PIPE_MAX_THREADS : (int)n;
}

enum ns_rc
imp_pipe_start(struct imp_pipe **out, struct linereader *lr,
	       enum imp_kind kind, struct ns_err *err)
{
	struct imp_pipe *p = xcalloc(1, sizeof(*p));
	int n = pipe_threads();

	p->lr = *lr;
	lr->in = NULL;
	lr->buf = NULL;
	p->kind = kind;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < PIPE_SLOTS; i++) {
		strbuf_init(&p->b[i].arena);
		p->b[i].recs = xcalloc(PIPE_LINES, sizeof(*p->b[i].recs));
		p->off[i] = xcalloc(PIPE_LINES, sizeof(*p->off[i]));
	}
	/* Seed jansson's hash function here, before any worker uses it. */
	json_object_seed(0);
	for (int i = 0; i < n; i++)
		if (pthread_create(&p->th[p->nth], NULL, pipe_worker, p) == 0)
			p->nth++;
	if (p->nth == 0) {
		imp_pipe_stop(p, NULL);
		return err_set(err, NS_EIO, "cannot start a reader thread");
	}
	*out = p;
	return NS_OK;
}

enum ns_rc
imp_pipe_next(struct imp_pipe *p, const struct imp_prec **rec,
	      struct ns_err *err)
{
	for (;;) {
		struct pipe_batch *b = &p->b[p->next_take % PIPE_SLOTS];

		if (p->cur == 0) {
			pthread_mutex_lock(&p->mu);
			while (b->state != SLOT_READY ||
			       b->seq != p->next_take)
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (p->cur < b->n) {
			const struct imp_prec *r = &b->recs[p->cur++];

			*rec = r;
			if (r->rc != NS_OK) {
				*err = b->err;
				if (r->rc != NS_EINPUT)
					p->cur = b->n;	/* the end */
			}
			return r->rc;
		}
		if (b->last) {
			p->cur = b->n;
			return NS_ENOTFOUND;
		}
		pthread_mutex_lock(&p->mu);
		b->state = SLOT_FREE;
		p->next_take++;
		p->cur = 0;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

void
imp_pipe_stop(struct imp_pipe *p, struct linereader *lr)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	for (int i = 0; i < PIPE_SLOTS; i++) {
		strbuf_fini(&p->b[i].arena);
		free(p->b[i].recs);
		free(p->off[i]);
	}
	if (lr)
		*lr = p->lr;
	else
		linereader_close(&p->lr);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}
