/*
 * scorer_cmd.c - the command scorer: an external program, started without
 * a shell, reading one JSON request per line on stdin and writing one JSON
 * answer per line on stdout, in order (the format is in negsieve.7).
 *
 * The command runs in its own process group (a timeout kills the group)
 * and is killed if negsieve dies.  It is started at the first
 * scorer_run() and kept for the next ones (the cascade scores query by
 * query), so it must answer each request without waiting for more input;
 * it sees end-of-file at scorer_free().  Requests are written and answers
 * read concurrently (poll()), so neither side blocks the other however
 * large the batch.  A crash, a
 * timeout or a closed output charges the request being answered (the
 * oldest unanswered one); the command is restarted for the requests after
 * it, until it has failed `restarts` times in a row.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "src/progress.h"
#include "src/scorer_int.h"

#define CMD_ANSWER_MAX (1 << 20)	/* longest answer line, bytes */
#define CMD_WBUF (64 * 1024)		/* requests encoded ahead */
#define CMD_EXIT_GRACE 5.0		/* seconds to exit after EOF */

struct scorer_cmd {
	char **argv;		/* NULL-terminated; owned */
	char *path;		/* argv[0] found in PATH; owned */
	uint64_t argv_hash;	/* hash of the argument list */
	double timeout;		/* seconds to answer (see cmd_serve) */
	double start_timeout;	/* ... the first answer after a start */
	int restarts;		/* failures in a row before giving up */
	struct cmd_proc *proc;	/* the running command, or NULL */
	int64_t seq_base;	/* "seq" of the current run's first request */
	bool ever_answered;	/* some process of it answered a line */
};

/* One running instance of the command. */
struct cmd_proc {
	pid_t pid;
	int in, out, errfd;	/* our ends of its stdin/stdout/stderr; -1
				 * once closed */
	struct strbuf wbuf;	/* encoded requests not yet written */
	size_t woff;		/* bytes of wbuf written */
	struct strbuf line;	/* partial answer line */
	bool overlong;		/* discarding an answer past the limit */
	struct strbuf eline;	/* partial stderr line */
	char last_err[160];	/* last non-empty stderr line */
	size_t next;		/* the item (of the current run) it answers
				 * next */
	size_t tpos;		/* the next item to encode */
	double last_progress;	/* when it last read or answered */
	double limit;		/* the timeout that applies now */
	bool answered;		/* it answered at least one line */
	bool out_eof, err_eof;
	bool in_broken;		/* it stopped reading its stdin */
};

enum cmd_outcome {
	CMD_DONE,	/* every item answered */
	CMD_DIED,	/* output closed (exit, crash) */
	CMD_TIMEOUT,
	CMD_STOPPED,	/* stopped reading with requests left */
};

/* --- settings ------------------------------------------------------------ */

/*
 * Find @prog (argv[0]) as exec would, searching PATH when it has no '/':
 * NULL with *@path the file (caller frees), or why not.
 */
static const char *
cmd_find(const char *prog, char **path, char *buf, size_t size)
{
	const char *dirs;
	struct stat st;

	if (!*prog)
		return "the program name is empty";
	if (strchr(prog, '/')) {
		if (stat(prog, &st) != 0 || access(prog, X_OK) != 0) {
			snprintf(buf, size, "cannot run '%s': %s", prog,
				 strerror(errno));
			return buf;
		}
		if (S_ISDIR(st.st_mode)) {
			snprintf(buf, size, "'%s' is a directory", prog);
			return buf;
		}
		*path = xstrdup(prog);
		return NULL;
	}
	dirs = getenv("PATH");
	if (!dirs || !*dirs)
		dirs = "/usr/local/bin:/usr/bin:/bin";
	while (*dirs) {
		const char *colon = strchr(dirs, ':');
		size_t len = colon ? (size_t)(colon - dirs) : strlen(dirs);
		char *full = xasprintf("%.*s%s%s", (int)len, dirs,
				       len ? "/" : "", prog);

		if (stat(full, &st) == 0 && !S_ISDIR(st.st_mode) &&
		    access(full, X_OK) == 0) {
			*path = full;
			return NULL;
		}
		free(full);
		dirs += len + (colon ? 1 : 0);
	}
	snprintf(buf, size, "'%s' not found in PATH", prog);
	return buf;
}

enum ns_rc
scorer_cmd_new(const struct config *cfg, const char *key,
	       struct scorer_cmd **out, struct ns_err *err)
{
	struct scorer_cmd *c;
	char k[128], buf[512];
	const char *why;
	XXH3_state_t *hs;
	int argc;

	snprintf(k, sizeof(k), "%s.command", key);
	argc = config_seq_len(cfg, k);
	/* errors are placed in the file (config_error()): a missing or
	 * empty command at the stage, one that cannot run at its program */
	if (argc == 0)
		return config_error(cfg, key, false, err, "%s: not set: a "
				    "list of the program and its arguments, "
				    "e.g. [python3, score.py]", k);
	c = xcalloc(1, sizeof(*c));
	c->argv = xcalloc((size_t)argc + 1, sizeof(char *));
	hs = XXH3_createState();
	XXH3_64bits_reset(hs);
	for (int i = 0; i < argc; i++) {
		snprintf(k, sizeof(k), "%s.command.%d", key, i);
		c->argv[i] = xstrdup(config_str(cfg, k, ""));
		XXH3_64bits_update(hs, c->argv[i], strlen(c->argv[i]) + 1);
	}
	c->argv_hash = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
	/* ranges are checked with the config (config_keys[]) */
	snprintf(k, sizeof(k), "%s.timeout", key);
	c->timeout = config_float(cfg, k, 60);
	snprintf(k, sizeof(k), "%s.start_timeout", key);
	c->start_timeout = config_float(cfg, k, 120);
	snprintf(k, sizeof(k), "%s.restarts", key);
	c->restarts = (int)config_int(cfg, k, 3);
	why = cmd_find(c->argv[0], &c->path, buf, sizeof(buf));
	if (why) {
		enum ns_rc rc;

		snprintf(k, sizeof(k), "%s.command.0", key);
		rc = config_error(cfg, k, false, err, "%s.command: %s", key,
				  why);
		scorer_cmd_free(c);
		return rc;
	}
	*out = c;
	return NS_OK;
}

static void cmd_stop(struct scorer *s, struct scorer_cmd *c);

void
scorer_cmd_free(struct scorer_cmd *c)
{
	if (!c)
		return;
	cmd_stop(NULL, c);
	for (size_t i = 0; c->argv && c->argv[i]; i++)
		free(c->argv[i]);
	free(c->argv);
	free(c->path);
	free(c);
}

/* --- requests ------------------------------------------------------------ */

/* Set @key of @o to string @s (NULL: ""); false when @s is not UTF-8. */
static bool
cmd_set(json_t *o, const char *key, const char *s)
{
	json_t *v = json_string(s ? s : "");

	return v && json_object_set_new(o, key, v) == 0;
}

/* The request for @req as a JSON object without "seq" (caller frees), or
 * NULL when a text is not valid UTF-8. */
static char *
cmd_request(const struct scorer_req *req)
{
	json_t *o = json_object(), *pos = json_array();
	bool good;
	char *s = NULL;

	good = cmd_set(o, "query_id", req->query_xid) &&
	       cmd_set(o, "passage_id", req->passage_xid) &&
	       cmd_set(o, "query", req->query);
	for (size_t i = 0; good && i < req->npos; i++) {
		json_t *p = json_object();

		good = cmd_set(p, "id", req->pos_xid ? req->pos_xid[i] : "") &&
		       cmd_set(p, "text", req->pos[i]);
		json_array_append_new(pos, p);
	}
	json_object_set_new(o, "positives", pos);
	good = good && cmd_set(o, "title", req->title) &&
	       cmd_set(o, "text", req->text);
	json_object_set_new(o, "retriever_score",
			    isfinite(req->retriever_score) ?
			    json_real(req->retriever_score) : json_null());
	if (good)
		s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

uint64_t
scorer_cmd_hash(const struct scorer_cmd *c, const struct scorer_req *req)
{
	char *r = cmd_request(req);
	XXH3_state_t *hs = XXH3_createState();
	uint64_t h;

	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, &c->argv_hash, sizeof(c->argv_hash));
	if (r)
		XXH3_64bits_update(hs, r, strlen(r));
	h = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
	free(r);
	return h;
}

bool
scorer_cmd_key(const struct config *cfg, const char *key, uint64_t *out)
{
	char k[128];
	int argc;
	XXH3_state_t *hs;

	snprintf(k, sizeof(k), "%s.command", key);
	argc = config_seq_len(cfg, k);
	hs = XXH3_createState();
	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, "command", 8);
	/* the argument list as scorer_cmd_new() reads it (its timeouts
	 * and restarts change no answer) */
	for (int i = 0; i < argc; i++) {
		const char *a;

		snprintf(k, sizeof(k), "%s.command.%d", key, i);
		a = config_str(cfg, k, "");
		XXH3_64bits_update(hs, a, strlen(a) + 1);
	}
	*out = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
	return true;
}

/* --- the process --------------------------------------------------------- */

/*
 * In the child between fork and exec (async-signal-safe calls only): its
 * own process group (a timeout kills the group), killed when we die,
 * default signals, the pipes on 0/1/2 and nothing else open.  An exec
 * failure goes back as errno on @status.
 */
static void
cmd_child(const struct scorer_cmd *c, pid_t parent, int in, int out,
	  int errfd, int status)
{
	sigset_t none;
	int e;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		goto fail;
	for (int fd = 0; fd < 3; fd++)	/* dup2() onto itself keeps it */
		fcntl(fd, F_SETFD, 0);
	/* the pipes' other copies, the database, sockets: all close-on-exec
	 * or closed here (status stays open until exec closes it) */
	if (status > 3)
		close_range(3, (unsigned)status - 1, 0);
	close_range((unsigned)status + 1, ~0U, 0);
	execv(c->path, c->argv);
fail:
	e = errno;
	if (write(status, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static enum ns_rc
cmd_start(struct scorer *s, struct cmd_proc *p, struct ns_err *err)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	int pst[2] = { -1, -1 }, r = 0, e = 0;
	pid_t parent = getpid();
	ssize_t k;

	memset(p, 0, sizeof(*p));
	p->in = p->out = p->errfd = -1;
	strbuf_init(&p->wbuf);
	strbuf_init(&p->line);
	strbuf_init(&p->eline);
	if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) ||
	    pipe2(perr, O_CLOEXEC) || pipe2(pst, O_CLOEXEC)) {
		r = errno;
		goto fail;
	}
	p->pid = fork();
	if (p->pid < 0) {
		r = errno;
		goto fail;
	}
	if (p->pid == 0)
		cmd_child(s->cmd, parent, pin[0], pout[1], perr[1], pst[1]);
	close(pst[1]);
	pst[1] = -1;
	/* EOF: exec worked; an int: why it did not */
	while ((k = read(pst[0], &e, sizeof(e))) < 0 && errno == EINTR)
		;
	if (k == (ssize_t)sizeof(e)) {
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		r = e;
		goto fail;
	}
	close(pst[0]);
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	p->in = pin[1];
	p->out = pout[0];
	p->errfd = perr[0];
	fcntl(p->in, F_SETFL, fcntl(p->in, F_GETFL) | O_NONBLOCK);
	fcntl(p->out, F_SETFL, fcntl(p->out, F_GETFL) | O_NONBLOCK);
	fcntl(p->errfd, F_SETFL, fcntl(p->errfd, F_GETFL) | O_NONBLOCK);
	fcntl(p->in, F_SETPIPE_SZ, 1 << 20);	/* fewer wake-ups; may fail */
	p->last_progress = now_seconds();
	return NS_OK;
fail:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (pst[i] >= 0)
			close(pst[i]);
	}
	strbuf_fini(&p->wbuf);
	strbuf_fini(&p->line);
	strbuf_fini(&p->eline);
	return err_set(err, NS_EIO, "%s.command: cannot start '%s': %s",
		       s->key, s->cmd->argv[0], strerror(r));
}

static void
cmd_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * End @p: close our ends, give it @grace seconds to exit, kill its whole
 * process group, reap it; describe how it ended in @why ("" for a clean
 * exit 0).
 */
static void
cmd_end(struct cmd_proc *p, double grace, char *why, size_t size)
{
	double until = now_seconds() + grace;
	siginfo_t si;
	int status = 0;

	cmd_close_fd(&p->in);
	cmd_close_fd(&p->out);
	cmd_close_fd(&p->errfd);
	for (;;) {
		memset(&si, 0, sizeof(si));
		/* exited?  (WNOWAIT: the group stays reserved to kill it) */
		if (waitid(P_PID, (id_t)p->pid, &si, WEXITED | WNOHANG |
			   WNOWAIT) == 0 && si.si_pid == p->pid)
			break;
		if (now_seconds() >= until)
			break;
		usleep(5000);
	}
	kill(-p->pid, SIGKILL);	/* it, or what it left running */
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (si.si_pid != p->pid)
		snprintf(why, size, "the command was killed (it did not "
			 "exit)");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		why[0] = '\0';
	else if (WIFEXITED(status))
		snprintf(why, size, "the command exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(why, size, "the command was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(why, size, "the command ended");
	strbuf_fini(&p->wbuf);
	strbuf_fini(&p->line);
	strbuf_fini(&p->eline);
}

/* Keep what it writes on stderr: the log, and its last line for
 * messages. */
static void
cmd_stderr(struct scorer *s, struct cmd_proc *p, const char *data,
	   size_t len)
{
	scorer_log_add(s, data, len);
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n') {
			if (p->eline.len < 4096)
				strbuf_addch(&p->eline, data[i]);
			continue;
		}
		if (p->eline.len) {
			char *e = p->eline.buf;
			size_t n = p->eline.len;

			while (n && (e[n - 1] == '\r' || e[n - 1] == ' '))
				n--;
			if (n)
				snprintf(p->last_err, sizeof(p->last_err),
					 "%.*s", (int)n, e);
		}
		strbuf_reset(&p->eline);
	}
}

/* Resolve item @i with a message; count it done. */
static void
cmd_done(size_t *done, struct progress *pr, int64_t base)
{
	(*done)++;
	if (pr)
		progress_update(pr, base + (int64_t)*done);
}

struct cmd_run {
	struct scorer *s;
	const struct scorer_req *req;
	struct scorer_res *res;
	size_t n;
	struct progress *pr;
	int64_t base;		/* pr->done on entry */
	size_t done;		/* items resolved */
	int64_t seq_base;	/* "seq" of item 0 */
};

/* A quoted start of @line for messages. */
static const char *
cmd_quote(const char *line, size_t len, char *buf, size_t size)
{
	size_t k = len < 40 ? len : 40;

	snprintf(buf, size, "'%.*s%s'", (int)k, line, len > k ? "..." : "");
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20)
			*c = ' ';
	return buf;
}

/* One answer line from @p. */
static void
cmd_answer(struct cmd_run *r, struct cmd_proc *p, char *line, size_t len)
{
	struct scorer_res *res;
	const struct scorer_req *req;
	json_error_t je;
	json_t *j, *v;
	char q[64];

	while (len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	p->last_progress = now_seconds();
	p->answered = true;
	r->s->cmd->ever_answered = true;
	if (p->next >= p->tpos) {
		scorer_log_note(r->s, "ignored an output line no request was "
				"waiting for: %s", cmd_quote(line, len, q,
							     sizeof(q)));
		return;
	}
	res = &r->res[p->next];
	req = &r->req[p->next];
	if (p->overlong) {
		scorer_res_fail(res, req, "malformed answer: longer than %d "
				"bytes", CMD_ANSWER_MAX);
		goto next;
	}
	j = json_loadb(line, len, JSON_DECODE_ANY, &je);
	if (!j) {
		scorer_res_fail(res, req, "malformed answer (column %d: %s): "
				"%s", je.column, je.text,
				cmd_quote(line, len, q, sizeof(q)));
		goto next;
	}
	if (json_is_object(j) && (v = json_object_get(j, "seq")) != NULL) {
		json_int_t seq = json_is_integer(v) ? json_integer_value(v) -
				 r->seq_base : -1;

		if (seq < (json_int_t)p->next || seq >= (json_int_t)p->tpos) {
			if (json_is_integer(v))
				scorer_res_fail(res, req, "malformed answer: "
						"\"seq\" %lld, expected %lld",
						(long long)json_integer_value(v),
						(long long)(r->seq_base +
							    (int64_t)p->next));
			else
				scorer_res_fail(res, req, "malformed answer: "
						"\"seq\" is not an integer");
			json_decref(j);
			goto next;
		}
		/* the requests it passed over get no score */
		while ((json_int_t)p->next < seq) {
			scorer_res_fail(&r->res[p->next], &r->req[p->next],
					"no answer (the command answered seq "
					"%lld next)", (long long)(seq +
								  r->seq_base));
			p->next++;
			cmd_done(&r->done, r->pr, r->base);
		}
		res = &r->res[p->next];
		req = &r->req[p->next];
	}
	v = json_is_object(j) ? json_object_get(j, "score") : j;
	if (json_is_number(v) && isfinite(json_number_value(v))) {
		res->ok = true;
		res->score = json_number_value(v);
		res->raw = xstrndup(line, len);
	} else if (json_is_object(j) && (!v || json_is_null(v)) &&
		   json_is_string(json_object_get(j, "error"))) {
		scorer_res_fail(res, req, "the command could not score it: %s",
				json_string_value(json_object_get(j,
								  "error")));
		res->raw = xstrndup(line, len);
	} else {
		scorer_res_fail(res, req, "malformed answer: %s: %s",
				json_is_object(j) ? (v ? "\"score\" is not a "
						     "number" : "no \"score\"")
				: "not a number or an object",
				cmd_quote(line, len, q, sizeof(q)));
	}
	json_decref(j);
next:
	p->next++;
	cmd_done(&r->done, r->pr, r->base);
}

/* Split what came on stdout into answer lines. */
static void
cmd_stdout(struct cmd_run *r, struct cmd_proc *p, const char *data,
	   size_t len)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t k = nl ? (size_t)(nl - data) : len;

		if (!p->overlong) {
			if (p->line.len + k > CMD_ANSWER_MAX) {
				p->overlong = true;
				strbuf_reset(&p->line);
			} else {
				strbuf_add(&p->line, data, k);
			}
		}
		if (!nl)
			return;
		strbuf_addstr(&p->line, "");
		cmd_answer(r, p, p->line.buf, p->line.len);
		strbuf_reset(&p->line);
		p->overlong = false;
		data += k + 1;
		len -= k + 1;
	}
}

/* Encode requests ahead, up to CMD_WBUF bytes pending. */
static void
cmd_fill(struct cmd_run *r, struct cmd_proc *p)
{
	if (p->woff == p->wbuf.len) {
		strbuf_reset(&p->wbuf);
		p->woff = 0;
	}
	while (p->in >= 0 && p->tpos < r->n &&
	       p->wbuf.len - p->woff < CMD_WBUF) {
		char *line = cmd_request(&r->req[p->tpos]);

		assert(line);	/* cmd_valid() let only valid UTF-8 in */
		strbuf_addf(&p->wbuf, "{\"seq\":%lld,",
			    (long long)(r->seq_base + (int64_t)p->tpos));
		strbuf_addstr(&p->wbuf, line + 1);
		strbuf_addch(&p->wbuf, '\n');
		free(line);
		p->tpos++;
		r->s->st.requests++;
	}
}

/*
 * Feed @p requests and read its answers until every item is answered or
 * it fails.  The timeout: while requests wait, the command must read some
 * of its input or write an answer every timeout seconds (start_timeout
 * until its first answer, when that is longer).
 */
static enum cmd_outcome
cmd_serve(struct cmd_run *r, struct cmd_proc *p)
{
	const struct scorer_cmd *c = r->s->cmd;
	char buf[65536];

	for (;;) {
		struct pollfd fds[3];
		int nfds = 0, iin = -1, iout = -1, ierr = -1;
		double now, wait;
		ssize_t k;

		cmd_fill(r, p);
		if (p->next == r->n)
			return CMD_DONE;
		if (p->out_eof)
			return CMD_DIED;
		if (p->in_broken && p->next == p->tpos)
			return CMD_STOPPED;
		now = now_seconds();
		p->limit = p->answered || c->start_timeout < c->timeout ?
			   c->timeout : c->start_timeout;
		wait = p->last_progress + p->limit - now;
		if (wait <= 0)
			return CMD_TIMEOUT;
		if (p->in >= 0 && p->woff < p->wbuf.len) {
			iin = nfds;
			fds[nfds++] = (struct pollfd){ p->in, POLLOUT, 0 };
		}
		iout = nfds;
		fds[nfds++] = (struct pollfd){ p->out, POLLIN, 0 };
		if (!p->err_eof) {
			ierr = nfds;
			fds[nfds++] = (struct pollfd){ p->errfd, POLLIN, 0 };
		}
		if (poll(fds, (nfds_t)nfds, (int)(wait * 1000) + 1) < 0) {
			if (errno == EINTR)
				continue;
			return CMD_DIED;
		}
		if (iin >= 0 && fds[iin].revents) {
			while (p->woff < p->wbuf.len) {
				k = write(p->in, p->wbuf.buf + p->woff,
					  p->wbuf.len - p->woff);
				if (k > 0) {
					p->woff += (size_t)k;
					p->last_progress = now_seconds();
					continue;
				}
				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0 && errno != EAGAIN) {
					/* EPIPE: it no longer reads */
					cmd_close_fd(&p->in);
					p->in_broken = true;
				}
				break;
			}
		}
		if (fds[iout].revents) {
			k = read(p->out, buf, sizeof(buf));
			if (k > 0) {
				cmd_stdout(r, p, buf, (size_t)k);
			} else if (k == 0 || (errno != EAGAIN &&
					      errno != EINTR)) {
				/* a last line without a newline counts */
				if (p->line.len || p->overlong) {
					strbuf_addstr(&p->line, "");
					cmd_answer(r, p, p->line.buf,
						   p->line.len);
					strbuf_reset(&p->line);
				}
				p->out_eof = true;
			}
		}
		if (ierr >= 0 && fds[ierr].revents) {
			k = read(p->errfd, buf, sizeof(buf));
			if (k > 0)
				cmd_stderr(r->s, p, buf, (size_t)k);
			else if (k == 0 || (errno != EAGAIN &&
					    errno != EINTR))
				p->err_eof = true;
		}
	}
}

/*
 * End the command at scorer_free(): it sees end-of-file and has a few
 * seconds to exit (what it still writes is read: stderr to @s's log when
 * @s is not NULL, stdout discarded), then its group is killed.
 */
static void
cmd_stop(struct scorer *s, struct scorer_cmd *c)
{
	struct cmd_proc *p = c->proc;
	double until;
	char buf[65536], why[160];

	if (!p)
		return;
	until = now_seconds() + (c->timeout < CMD_EXIT_GRACE ? c->timeout :
				 CMD_EXIT_GRACE);
	cmd_close_fd(&p->in);
	while ((!p->out_eof || !p->err_eof) && now_seconds() < until) {
		struct pollfd fds[2];
		int nfds = 0;
		ssize_t k;

		if (!p->out_eof)
			fds[nfds++] = (struct pollfd){ p->out, POLLIN, 0 };
		if (!p->err_eof)
			fds[nfds++] = (struct pollfd){ p->errfd, POLLIN, 0 };
		if (poll(fds, (nfds_t)nfds, 50) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nfds; i++) {
			bool is_out = fds[i].fd == p->out;

			if (!fds[i].revents)
				continue;
			k = read(fds[i].fd, buf, sizeof(buf));
			if (k > 0 && !is_out && s)
				cmd_stderr(s, p, buf, (size_t)k);
			else if (k == 0 || (k < 0 && errno != EAGAIN &&
					    errno != EINTR))
				*(is_out ? &p->out_eof : &p->err_eof) = true;
		}
	}
	cmd_end(p, p->out_eof ? until - now_seconds() : 0, why, sizeof(why));
	if (why[0] && s)
		scorer_log_note(s, "at the end, %s", why);
	free(p);
	c->proc = NULL;
}

/*
 * Before a run: a command that ended since the last run is reaped (and
 * noted), and what it wrote while idle is read (stdout lines are not
 * answers to anything: noted and dropped).
 */
static void
cmd_idle_check(struct cmd_run *r)
{
	struct scorer_cmd *c = r->s->cmd;
	struct cmd_proc *p = c->proc;
	char buf[65536], why[160];
	siginfo_t si;
	ssize_t k;

	if (!p)
		return;
	p->next = p->tpos = 0;
	strbuf_reset(&p->wbuf);
	p->woff = 0;
	strbuf_reset(&p->line);		/* half a line written while idle */
	p->overlong = false;
	while ((k = read(p->errfd, buf, sizeof(buf))) > 0)
		cmd_stderr(r->s, p, buf, (size_t)k);
	while ((k = read(p->out, buf, sizeof(buf))) > 0)
		cmd_stdout(r, p, buf, (size_t)k);
	memset(&si, 0, sizeof(si));
	if (k == 0 || p->in < 0 || (waitid(P_PID, (id_t)p->pid, &si,
					   WEXITED | WNOHANG | WNOWAIT) == 0 &&
				    si.si_pid == p->pid)) {
		cmd_end(p, 1.0, why, sizeof(why));
		scorer_log_note(r->s, "between batches, %s; starting it again",
				why[0] ? why : "the command exited");
		free(p);
		c->proc = NULL;
	}
}

/* Why process @p failed with @o, for the item it was answering. */
static void
cmd_why(struct cmd_proc *p, enum cmd_outcome o, char *why, size_t size)
{
	char ended[160];

	cmd_end(p, o == CMD_TIMEOUT ? 0 : 1.0, ended, sizeof(ended));
	switch (o) {
	case CMD_TIMEOUT:
		snprintf(why, size, "no answer within %g s (the command was "
			 "stopped)", p->limit);
		break;
	case CMD_STOPPED:
		snprintf(why, size, "the command stopped reading its input%s%s",
			 ended[0] ? "; " : "", ended);
		break;
	default:
		snprintf(why, size, "%s before answering", ended[0] ? ended :
			 "the command closed its output");
		break;
	}
	if (p->last_err[0])
		snprintf(why + strlen(why), size - strlen(why), " (stderr: %s)",
			 p->last_err);
}

/* Are all strings of @req valid UTF-8 (so that it can be encoded)? */
static bool
cmd_valid(const struct scorer_req *req)
{
	const char *s[6] = { req->query_xid, req->passage_xid, req->query,
			     req->title, req->text, NULL };

	for (size_t i = 0; i < 5; i++)
		if (s[i] && utf8_check(s[i], strlen(s[i]), NULL) >= 0)
			return false;
	for (size_t i = 0; i < req->npos; i++)
		if ((req->pos[i] && utf8_check(req->pos[i],
					       strlen(req->pos[i]), NULL) >= 0)
		    || (req->pos_xid && req->pos_xid[i] &&
			utf8_check(req->pos_xid[i], strlen(req->pos_xid[i]),
				   NULL) >= 0))
			return false;
	return true;
}

static enum ns_rc cmd_run(struct scorer *s, const struct scorer_req *req,
			  size_t n, struct scorer_res *res,
			  struct progress *pr, struct ns_err *err);

/*
 * A request whose texts are not valid UTF-8 (the caller's contract
 * broken) fails alone and is not sent; the others run as a batch of
 * their own, in order.
 */
enum ns_rc
scorer_cmd_run(struct scorer *s, const struct scorer_req *req, size_t n,
	       struct scorer_res *res, struct progress *pr,
	       struct ns_err *err)
{
	struct scorer_req *creq;
	struct scorer_res *cres;
	size_t *map, m = 0;
	enum ns_rc rc;

	map = xmalloc((n ? n : 1) * sizeof(*map));
	for (size_t i = 0; i < n; i++) {
		if (cmd_valid(&req[i])) {
			map[m++] = i;
			continue;
		}
		scorer_res_fail(&res[i], &req[i], "cannot encode the request "
				"(text is not valid UTF-8)");
		if (pr)
			progress_update(pr, pr->done + 1);
	}
	if (m == n) {
		free(map);
		return cmd_run(s, req, n, res, pr, err);
	}
	creq = xcalloc(m ? m : 1, sizeof(*creq));
	cres = xcalloc(m ? m : 1, sizeof(*cres));
	for (size_t k = 0; k < m; k++)
		creq[k] = req[map[k]];
	rc = cmd_run(s, creq, m, cres, pr, err);
	for (size_t k = 0; k < m; k++)
		res[map[k]] = cres[k];	/* raw moves along */
	free(creq);
	free(cres);
	free(map);
	return rc;
}

static enum ns_rc
cmd_run(struct scorer *s, const struct scorer_req *req, size_t n,
	struct scorer_res *res, struct progress *pr, struct ns_err *err)
{
	struct scorer_cmd *c = s->cmd;
	struct cmd_run r = { s, req, res, n, pr, pr ? pr->done : 0, 0,
			     c->seq_base };
	sigset_t block, old, pending;
	bool had_pipe;
	size_t start = 0;
	int in_row = 0;
	enum ns_rc rc = NS_OK;

	if (n == 0)
		return NS_OK;
	/* a command that dies while we write must not kill us (SIGPIPE):
	 * block it in this thread, and consume one we caused */
	sigemptyset(&block);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	sigpending(&pending);
	had_pipe = sigismember(&pending, SIGPIPE);

	cmd_idle_check(&r);
	while (start < n) {
		struct cmd_proc *p = c->proc;
		enum cmd_outcome o;
		char why[256];

		if (!p) {
			p = xcalloc(1, sizeof(*p));
			rc = cmd_start(s, p, err);
			if (rc != NS_OK) {
				free(p);
				break;
			}
			s->st.starts++;
			c->proc = p;
		}
		p->next = p->tpos = start;
		p->last_progress = now_seconds();	/* idle time is free */
		o = cmd_serve(&r, p);
		if (o == CMD_DONE)
			break;
		cmd_why(p, o, why, sizeof(why));
		scorer_res_fail(&res[p->next], &req[p->next], "%s", why);
		cmd_done(&r.done, pr, r.base);
		in_row = p->answered ? 1 : in_row + 1;
		start = p->next + 1;
		free(p);
		c->proc = NULL;
		if (start >= n)
			break;
		if (in_row > c->restarts) {
			for (size_t i = start; i < n; i++) {
				scorer_res_fail(&res[i], &req[i], "not scored: "
						"the command failed %d times "
						"in a row (last: %s)", in_row,
						why);
				cmd_done(&r.done, pr, r.base);
			}
			scorer_log_note(s, "gave up after %d failures in a "
					"row: %s", in_row, why);
			/* never answered anything: it cannot run at all;
			 * answered before: it went down (a model gone, a
			 * GPU lost), and each next call would cost its
			 * restarts again for nothing */
			if (!c->ever_answered)
				rc = err_set(err, NS_EIO, "%s.command: failed "
					     "%d times in a row without "
					     "answering: %s", s->key, in_row,
					     why);
			else
				rc = err_set(err, NS_EIO, "%s.command: down "
					     "after failing %d times in a row: "
					     "%s", s->key, in_row, why);
			break;
		}
		scorer_log_note(s, "restarting the command: %s", why);
	}
	c->seq_base += (int64_t)n;

	sigpending(&pending);
	if (!had_pipe && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0, 0 };

		sigtimedwait(&block, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
