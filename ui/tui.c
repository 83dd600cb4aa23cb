/*
 * tui.c - negsieve review PROJECT: the terminal, the key loop, prompts,
 * $EDITOR notes, and the headless mode the tests and the benchmark use
 * (scripted keys, saved screens, per-key timings).
 *
 * While curses is up nothing may reach stderr: fd 2 is pointed at
 * PROJECT/review.log and restored after endwin().  Signal handlers only set
 * a flag; the loop polls it.
 */
#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "src/cmd.h"
#include "ui/draw.h"
#include "src/keymap.h"
#include "src/label.h"
#include "src/perm.h"
#include "src/project.h"
#include "src/review.h"
#include "src/team.h"
#include "src/util.h"

struct review_settings {
	int64_t run;		/* only this run's candidates; 0 = newest */
	const char *queue;	/* the named queue to work */
	const char *annotator;	/* --annotator, or NULL: the login name */
	bool keys_man;		/* print the KEY BINDINGS section */
};

#define RS struct review_settings
static const struct opt review_rows[] = {
	OPT_VAL('r', "run", "ID", CONFIG_INT, "1..", NULL, RS, run,
		"review only the kept candidates of run ID"),
	OPT_VAL(0, "queue", "NAME", CONFIG_STRING, NULL, "all", RS, queue,
		"work the named queue NAME (all, conflicts, uncertain, audit, "
		"or review.queues)"),
	OPT_VAL(0, "annotator", "NAME", CONFIG_STRING, NULL, NULL, RS,
		annotator, "record the decisions as NAME (refused unless the "
		"project sets review.allow_annotator_override)"),
	OPT_FLAG(0, "keys-man", RS, keys_man,
		 "print the KEY BINDINGS section of negsieve(1)"),
	OPT_END
};
#undef RS

static const struct opt_cmd review_cmd = {
	"review",
	"usage: negsieve review [OPTIONS] PROJECT\n",
	"Review the mined negatives of each query, one key per decision.\n"
	"Every decision is saved before it is shown; press ? for the keys.\n"
	"While another negsieve writes to the project a decision waits for\n"
	"it (Esc gives it up).\n"
	"Scores and gaps come from one run per query: the newest run with\n"
	"kept candidates for it (shown in the header), or --run.\n",
	review_rows,
};

static volatile sig_atomic_t tui_quit_flag;

static void
tui_on_signal(int sig)
{
	(void)sig;
	tui_quit_flag = 1;
}

/*
 * Has the terminal hung up?  When the ssh connection or the terminal
 * window goes away and SIGHUP does not reach us (a session under su,
 * or nohup), every read fails at once instead of waiting for a key: the
 * screen would then loop on its idle work, a core busy for good.  The
 * terminal's side of a closed pseudo-terminal polls as hung up.
 */
static bool
tui_tty_gone(void)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };

	return poll(&p, 1, 0) > 0 &&
	       (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

/* One input event: a character or a curses key code. */
struct tui_key {
	bool code;	/* ch is a KEY_* code */
	wint_t ch;
};

/* The scripted input of the headless mode. */
struct tui_script {
	FILE *fp;		/* tokens, one per line */
	FILE *dump;		/* saved screens, or NULL */
	int ndump;
	const wchar_t *pending;	/* rest of a "text:" token */
	wchar_t wbuf[1024];
	int ack;		/* fd of NEGSIEVE_REVIEW_ACK, or -1 */
	double *lat;		/* per-key latency, seconds */
	unsigned char *cls;	/* its key class (enum tui_class) */
	size_t nlat, caplat;
	int klass;		/* class of the key being timed */
};

/* Key classes of the benchmark report. */
enum tui_class { CLASS_MOVE, CLASS_QUERY, CLASS_DECIDE, CLASS_COUNT };

struct tui {
	struct review *r;
	struct keymap *km;
	struct draw d;
	struct project *p;
	struct tui_script *script;	/* NULL on a real terminal */
	bool quit;
	int saved_stderr;		/* fd of the real stderr, -1 */
	double waited;			/* tui_wait(): the wait so far */
	bool drawing;			/* the screen is up (draw_init()) */
};

static const struct {
	int code;
	const char *name;
} tui_codes[] = {
	{ KEY_UP, "Up" }, { KEY_DOWN, "Down" }, { KEY_LEFT, "Left" },
	{ KEY_RIGHT, "Right" }, { KEY_HOME, "Home" }, { KEY_END, "End" },
	{ KEY_NPAGE, "PgDn" }, { KEY_PPAGE, "PgUp" },
	{ KEY_BACKSPACE, "Backspace" }, { KEY_DC, "Delete" },
	{ KEY_IC, "Insert" }, { KEY_ENTER, "Enter" }, { KEY_BTAB, "S-Tab" },
};

/* The key name of @k (see keymap.h) into @buf; "" when it has none. */
static const char *
tui_key_name(struct tui_key k, char *buf, size_t size)
{
	buf[0] = '\0';
	if (k.code) {
		for (size_t i = 0; i < NS_ARRAY_SIZE(tui_codes); i++)
			if ((int)k.ch == tui_codes[i].code)
				return snprintf(buf, size, "%s",
						tui_codes[i].name), buf;
		if ((int)k.ch >= KEY_F(1) && (int)k.ch <= KEY_F(12))
			snprintf(buf, size, "F%d", (int)k.ch - KEY_F(0));
		return buf;
	}
	switch (k.ch) {
	case ' ':
		return snprintf(buf, size, "Space"), buf;
	case '\n':
	case '\r':
		return snprintf(buf, size, "Enter"), buf;
	case '\t':
		return snprintf(buf, size, "Tab"), buf;
	case 27:
		return snprintf(buf, size, "Esc"), buf;
	case 127:
	case 8:
		return snprintf(buf, size, "Backspace"), buf;
	default:
		break;
	}
	if (k.ch < 32) {
		snprintf(buf, size, "C-%c", (char)('a' + k.ch - 1));
	} else {
		mbstate_t st;
		size_t n;

		memset(&st, 0, sizeof(st));
		if (size > MB_LEN_MAX &&
		    (n = wcrtomb(buf, (wchar_t)k.ch, &st)) != (size_t)-1)
			buf[n] = '\0';
	}
	return buf;
}

/* The event a key name stands for (the inverse of tui_key_name). */
static bool
tui_key_parse(const char *name, struct tui_key *k)
{
	static const struct {
		const char *name;
		wint_t ch;
	} plain[] = {
		{ "Space", ' ' }, { "Enter", '\n' }, { "Tab", '\t' },
		{ "Esc", 27 }, { "Backspace", 127 },
	};
	wchar_t wc;
	mbstate_t st;
	size_t n;

	for (size_t i = 0; i < NS_ARRAY_SIZE(plain); i++)
		if (!strcmp(name, plain[i].name))
			return *k = (struct tui_key){ false, plain[i].ch }, true;
	for (size_t i = 0; i < NS_ARRAY_SIZE(tui_codes); i++)
		if (!strcmp(name, tui_codes[i].name))
			return *k = (struct tui_key){ true,
				(wint_t)tui_codes[i].code }, true;
	if (name[0] == 'C' && name[1] == '-' && name[2] >= 'a' &&
	    name[2] <= 'z' && !name[3])
		return *k = (struct tui_key){ false,
			(wint_t)(name[2] - 'a' + 1) }, true;
	if (name[0] == 'F' && name[1] >= '1' && name[1] <= '9')
		return *k = (struct tui_key){ true,
			(wint_t)KEY_F(atoi(name + 1)) }, true;
	memset(&st, 0, sizeof(st));
	n = mbrtowc(&wc, name, strlen(name), &st);
	if (n == strlen(name) && n > 0)
		return *k = (struct tui_key){ false, (wint_t)wc }, true;
	return false;
}

/* Write the screen as text to the dump file. */
static void
tui_dump(struct tui *t)
{
	FILE *fp = t->script->dump;

	if (!fp)
		return;
	fprintf(fp, "=== screen %d %dx%d\n", ++t->script->ndump, COLS, LINES);
	for (int y = 0; y < LINES; y++) {
		char line[8192];
		size_t len = 0, keep = 0;

		for (int x = 0; x < COLS && len + 16 < sizeof(line);) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t a;
			short pair;
			mbstate_t st;
			size_t n;
			int w;

			if (mvwin_wch(stdscr, y, x, &cc) == ERR ||
			    getcchar(&cc, wch, &a, &pair, NULL) == ERR ||
			    !wch[0]) {
				line[len++] = ' ';
				x++;
				continue;
			}
			if (a & A_ALTCHARSET)	/* line drawing */
				wch[0] = wch[0] == 'x' ? L'|' : L'-';
			/* the cell's characters: a zero-width one (an
			 * isolate) rides on the cell before it */
			for (int j = 0; j <= CCHARW_MAX && wch[j] &&
					len + 8 < sizeof(line); j++) {
				memset(&st, 0, sizeof(st));
				n = wcrtomb(line + len, wch[j], &st);
				if (n == (size_t)-1) {
					line[len] = '?';
					n = 1;
				}
				len += n;
				if (wch[j] != L' ')
					keep = len;
			}
			w = wcwidth(wch[0]);
			x += w > 1 ? w : 1;
		}
		fwrite(line, 1, keep, fp);
		fputc('\n', fp);
	}
	fflush(fp);
}

/* Next scripted event; false at the end of the script. */
static bool
tui_script_next(struct tui *t, struct tui_key *k)
{
	struct tui_script *s = t->script;
	char line[4096];

	for (;;) {
		if (s->pending && *s->pending) {
			*k = (struct tui_key){ false, (wint_t)*s->pending++ };
			return true;
		}
		if (!fgets(line, sizeof(line), s->fp))
			return false;
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (!strncmp(line, "text:", 5)) {
			size_t n = mbstowcs(s->wbuf, line + 5,
					    NS_ARRAY_SIZE(s->wbuf) - 1);

			if (n == (size_t)-1)
				continue;
			s->wbuf[n] = L'\0';
			s->pending = s->wbuf;
			continue;
		}
		if (!strcmp(line, "dump")) {
			tui_dump(t);
			continue;
		}
		if (!strcmp(line, "wait-refit")) {
			review_wait_refit(t->r);
			continue;
		}
		if (!strcmp(line, "idle")) {	/* as after a second's pause */
			struct ns_err err;

			review_idle(t->r);
			err_clear(&err);
			if (review_sync(t->r))	/* others wrote: recount */
				review_count(t->r, &err);
			/* and a new frame, as the idle loop draws */
			*k = (struct tui_key){ true, KEY_RESIZE };
			return true;
		}
		if (!strncmp(line, "resize:", 7)) {
			int c, r;

			if (sscanf(line + 7, "%dx%d", &c, &r) == 2) {
				resizeterm(r, c);
				*k = (struct tui_key){ true, KEY_RESIZE };
				return true;
			}
			continue;
		}
		if (tui_key_parse(line, k))
			return true;
	}
}

/* Open the project's review.log @log for appending; a new one gets the
 * project's file mode (src/perm.h).  The fd, or -1. */
static int
tui_open_log(const char *projdir, const char *log)
{
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC,
		      0600);

	if (fd >= 0)
		perm_fd(projdir, fd);
	else if (errno == EEXIST)
		fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC);
	return fd;
}

/* Run $VISUAL/$EDITOR on a temporary file; the note text or NULL. */
static char *
tui_editor_note(struct tui *t)
{
	const struct queue_query *q = t->r->q;
	const char *ed = getenv("VISUAL");
	char path[] = "/tmp/negsieve-note-XXXXXX";
	struct strbuf sb;
	char line[4096];
	FILE *fp;
	int fd, status;
	pid_t pid;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	if ((fd = mkstemp(path)) < 0)
		return NULL;
	fp = fdopen(fd, "w");
	fprintf(fp, "%s\n# Note on passage %s of query %s.\n# Lines starting "
		"with # are left out; %s.\n",
		q->c[t->r->cur].note_text ? q->c[t->r->cur].note_text : "",
		q->c[t->r->cur].xid, q->xid, q->c[t->r->cur].note
		? "an empty note removes this one (u in the review brings it "
		  "back)" : "an empty note is not saved");
	fclose(fp);
	if (!t->script) {
		def_prog_mode();
		endwin();
	}
	if (t->saved_stderr >= 0)
		dup2(t->saved_stderr, 2);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exec $0 \"$1\"", ed, path,
		      (char *)NULL);
		_exit(127);
	}
	status = -1;
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (t->saved_stderr >= 0) {
		char *log = xasprintf("%s/review.log", t->p->dir);
		int lfd = tui_open_log(t->p->dir, log);

		if (lfd >= 0) {
			dup2(lfd, 2);
			close(lfd);
		}
		free(log);
	}
	if (!t->script) {
		reset_prog_mode();
		clearok(curscr, TRUE);
	}
	strbuf_init(&sb);
	if (status == 0 && (fp = fopen(path, "r"))) {
		while (fgets(line, sizeof(line), fp))
			if (line[0] != '#')
				strbuf_addstr(&sb, line);
		fclose(fp);
	} else if (status == 0) {
		/* not an empty note: that would take the note back */
		review_msg(t->r, true, "Cannot read the note back from %s "
			   "(%s); no note saved.", path, strerror(errno));
	}
	unlink(path);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' ||
			  sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	if (status != 0)
		review_msg(t->r, true, "The editor (%s) failed; no note saved.",
			   ed);
	if (!sb.len) {
		strbuf_fini(&sb);
		return NULL;
	}
	return strbuf_detach(&sb, NULL);
}

/* The next input event within @ms milliseconds (the rest of an escape
 * sequence): in a script, only characters of the same "text:" token. */
static bool
tui_more(struct tui *t, int ms, struct tui_key *k)
{
	wint_t ch;
	int rc;

	if (t->script) {
		if (!t->script->pending || !*t->script->pending)
			return false;
		*k = (struct tui_key){ false, (wint_t)*t->script->pending++ };
		return true;
	}
	timeout(ms);
	rc = get_wch(&ch);
	timeout(1000);
	if (rc == ERR)
		return false;
	*k = (struct tui_key){ rc == KEY_CODE_YES, ch };
	return true;
}

/*
 * After an ESC: collect the escape sequence of a key that the terminal
 * description did not list (Home as ESC [ 1 ~ under TERM=xterm-256color
 * in tmux, PgDn under vt100) and turn it into that key.  A lone ESC stays
 * Esc; a sequence keymap.c does not know is reported.
 */
static struct tui_key
tui_decode_esc(struct tui *t, char *name, size_t size)
{
	char seq[16];
	size_t n = 0;
	struct tui_key k;
	const char *key;

	seq[0] = '\0';
	while (n + 1 < sizeof(seq) && tui_more(t, 30, &k)) {
		if (k.code || k.ch < 0x20 || k.ch > 0x7e) {
			n = 0;
			break;
		}
		seq[n++] = (char)k.ch;
		seq[n] = '\0';
		if ((key = keymap_decode_seq(seq))) {
			struct tui_key out;

			snprintf(name, size, "%s", key);
			tui_key_parse(key, &out);
			return out;
		}
		/* a sequence ends with its final byte (ECMA-48): after
		 * "[" and parameters, or the one after "O" */
		if (n >= 2 && (seq[0] == 'O' || (seq[0] == '[' &&
						 k.ch >= 0x40)))
			break;
		if (n == 1 && seq[0] != '[' && seq[0] != 'O')
			break;
	}
	if (n == 0) {
		snprintf(name, size, "Esc");
		return (struct tui_key){ false, 27 };
	}
	review_msg(t->r, false, "Unknown key (Esc %s): press ? for the keys.",
		   seq);
	name[0] = '\0';
	return (struct tui_key){ false, 0 };
}

/* Acknowledge a committed decision on the NEGSIEVE_REVIEW_ACK file, for
 * the crash and concurrency tests: a line "ack QID PID ACTION TOTAL" for
 * each item the key decided (r->decided: the tagged ones after ;, the
 * undecided rest after X, not the selected one then), with the internal
 * ids of the query and the passage (0 for a dropped query), the config
 * name of the action that labels it so (tn for X's items), and the
 * session's decision count once it was written (a skip is not counted
 * there: review.h); so every decision row has its line.  Then, when the key put an error on the status line,
 * "err ACTION MESSAGE".  One write(2) a line, so a line is there whole or
 * not at all. */
static void
tui_ack(struct tui *t, enum req req)
{
	const struct review *r = t->r;
	char line[sizeof(t->r->msg) + 64];
	int64_t total = r->session_decisions;
	int n;

	for (size_t k = 0; k < r->ndecided; k++)
		total -= label_decides(r->decided[k].label);
	for (size_t k = 0; k <= r->ndecided; k++) {
		if (k < r->ndecided) {
			const struct review_decided *dd = &r->decided[k];

			n = snprintf(line, sizeof(line), "ack %lld %lld %s "
				     "%lld\n", (long long)dd->query_id,
				     (long long)dd->passage_id,
				     keymap_req(label_req(dd->label))->name,
				     (long long)(total +=
						 label_decides(dd->label)));
		} else if (r->msg_err && r->msg[0]) {
			n = snprintf(line, sizeof(line), "err %s %s\n",
				     keymap_req(req)->name, r->msg);
		} else {
			continue;
		}
		if (n > 0 && (size_t)n < sizeof(line) &&
		    write(t->script->ack, line, (size_t)n) != n) {
			review_msg(t->r, true, "NEGSIEVE_REVIEW_ACK: %s",
				   strerror(errno));
			return;
		}
	}
}

/* Do @req (review_act) and acknowledge what it decided, in a script. */
static void
tui_act(struct tui *t, enum req req, const char *arg, int page)
{
	review_act(t->r, req, arg, page);
	if (t->script && t->script->ack >= 0 && req > REQ_NONE &&
	    (t->r->ndecided || t->r->msg_err))
		tui_ack(t, req);
}

/* A key while a prompt is open. */
static void
tui_prompt_key(struct tui *t, struct tui_key k)
{
	struct draw *d = &t->d;
	char name[32];

	tui_key_name(k, name, sizeof(name));
	if (d->prompt == PROMPT_CONFIRM) {
		d->prompt = PROMPT_NONE;
		if (!strcmp(name, "y") || !strcmp(name, "Y"))
			tui_act(t, d->confirm_req, NULL, d->g.list_rows);
		else
			review_msg(t->r, false, "Not dropped.");
		return;
	}
	if (!strcmp(name, "Enter")) {
		char text[DRAW_PROMPT_MAX * 4 + 1];
		size_t n;
		enum draw_prompt kind = d->prompt;

		d->pbuf[d->plen] = L'\0';
		n = wcstombs(text, d->pbuf, sizeof(text) - 1);
		text[n == (size_t)-1 ? 0 : n] = '\0';
		d->prompt = PROMPT_NONE;
		review_act(t->r, kind == PROMPT_SEARCH ? REQ_SEARCH
			   : kind == PROMPT_JUMP ? REQ_JUMP : REQ_NOTE, text,
			   d->g.list_rows);
	} else if (!strcmp(name, "Esc") || !strcmp(name, "C-g")) {
		d->prompt = PROMPT_NONE;
		review_msg(t->r, false, "Cancelled.");
	} else if (!strcmp(name, "Backspace")) {
		if (d->plen)
			d->plen--;
		else
			d->prompt = PROMPT_NONE;
	} else if (!strcmp(name, "C-u")) {
		d->plen = 0;
	} else if (!k.code && k.ch >= 32 && d->plen + 1 < DRAW_PROMPT_MAX) {
		d->pbuf[d->plen++] = (wchar_t)k.ch;
	}
	d->pbuf[d->plen] = L'\0';
}

static void
tui_open_prompt(struct tui *t, enum draw_prompt kind)
{
	t->d.prompt = kind;
	t->d.plen = 0;
	t->d.pbuf[0] = L'\0';
}

/* The benchmark class of @req: a decision (a database write), a query
 * change (a load), or else a movement. */
static int
tui_class_of(enum req req)
{
	if (req == REQ_NEXT_QUERY || req == REQ_PREV_QUERY ||
	    req == REQ_NEXT_OPEN)
		return CLASS_QUERY;
	if (req > REQ_NONE && req < REQ_COUNT &&
	    !strcmp(keymap_req(req)->group, "Deciding"))
		return CLASS_DECIDE;
	return CLASS_MOVE;
}

/* A key on the main screen. */
static void
tui_key(struct tui *t, struct tui_key k)
{
	struct draw *d = &t->d;
	char name[32];
	enum req req;

	if (k.code && k.ch == KEY_RESIZE)
		return;		/* the next frame uses the new size */
	if (d->prompt != PROMPT_NONE) {
		tui_prompt_key(t, k);
		return;
	}
	tui_key_name(k, name, sizeof(name));
	if (!k.code && k.ch == 27) {
		k = tui_decode_esc(t, name, sizeof(name));
		if (!*name)
			return;
	}
	req = keymap_lookup(t->km, name);
	if (t->script)
		t->script->klass = tui_class_of(req);
	if (d->g.too_small) {
		if (req == REQ_QUIT)
			t->quit = true;
		return;
	}
	if (d->help) {
		if (req == REQ_MOVE_DOWN || req == REQ_SCROLL_DOWN)
			d->help_top++;
		else if (req == REQ_MOVE_UP || req == REQ_SCROLL_UP)
			d->help_top -= d->help_top > 0;
		else if (req == REQ_PAGE_DOWN)
			d->help_top += LINES / 2;
		else if (req == REQ_PAGE_UP)
			d->help_top = d->help_top > LINES / 2
				      ? d->help_top - LINES / 2 : 0;
		else {
			d->help = false;
			if (d->pager) {	/* back to the keys next time */
				free(d->pager);
				d->pager = NULL;
				d->help_cols = 0;
			}
		}
		return;
	}
	switch (req) {
	case REQ_NONE:
		if (*name)
			review_msg(t->r, false, "Key %s does nothing here; "
				   "press ? for the keys.", name);
		break;
	case REQ_QUIT:
		t->quit = true;
		break;
	case REQ_HELP:
		d->help = true;
		d->help_top = 0;
		break;
	case REQ_STATS: {
		struct ns_err err;
		char *text;

		err_clear(&err);
		if (!(text = review_stats_text(t->r, &err))) {
			review_msg(t->r, true, "%s", err.msg);
			break;
		}
		free(d->pager);
		d->pager = text;
		d->help_cols = 0;	/* rebuild the pager's lines */
		d->help = true;
		d->help_top = 0;
		break;
	}
	case REQ_REDRAW:
		clearok(curscr, TRUE);
		break;
	case REQ_SCROLL_DOWN:
		d->detail_top += d->g.detail_rows / 2;
		break;
	case REQ_SCROLL_UP:
		d->detail_top -= d->g.detail_rows / 2;
		if (d->detail_top < 0)
			d->detail_top = 0;
		break;
	case REQ_TOGGLE_POS:
		d->show_pos = !d->show_pos;
		d->detail_top = 0;
		if (d->g.wide)
			review_msg(t->r, false, "The positive is on the "
				   "right on a wide terminal.");
		else if (d->show_pos)
			review_msg(t->r, false, "The positive, for this "
				   "candidate only: moving or deciding shows "
				   "the next candidate.");
		break;
	case REQ_DROP_QUERY:
		if (t->r->q && t->r->q->n && !t->r->q->dropped &&
		    !t->r->leased_out) {
			d->prompt = PROMPT_CONFIRM;
			d->confirm_req = REQ_DROP_QUERY;
			snprintf(d->confirm, sizeof(d->confirm), "Drop query "
				 "%s with all its %zu candidates? y drops it, "
				 "any other key keeps it.", t->r->q->xid,
				 t->r->q->n);
		} else {
			review_act(t->r, req, NULL, d->g.list_rows);
		}
		break;
	case REQ_SEARCH:
		tui_open_prompt(t, PROMPT_SEARCH);
		break;
	case REQ_JUMP:
		tui_open_prompt(t, PROMPT_JUMP);
		break;
	case REQ_NOTE:
		if (t->r->q && t->r->q->n) {
			const char *old = t->r->q->c[t->r->cur].note_text;

			tui_open_prompt(t, PROMPT_NOTE);
			/* edit the note there is */
			if (old) {
				size_t n = mbstowcs(d->pbuf, old,
						    DRAW_PROMPT_MAX - 1);

				d->plen = n == (size_t)-1 ? 0 : n;
				d->pbuf[d->plen] = L'\0';
			}
		}
		break;
	case REQ_NOTE_EDITOR:
		if (t->r->q && t->r->q->n) {
			char *note = tui_editor_note(t);

			/* empty: review_note() takes back the note there is
			 * (or saves nothing); the editor failed: nothing */
			if (note || !t->r->msg_err)
				review_act(t->r, REQ_NOTE_EDITOR,
					   note ? note : "", 0);
			free(note);
		}
		break;
	default:
		tui_act(t, req, NULL, d->g.list_rows);
		break;
	}
}

static double
tui_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
tui_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Write "PREFIXp50_ms", p99 and max of the @n latencies @lat (sorted
 * here) and their count. */
static void
tui_bench_stats(FILE *fp, const char *prefix, double *lat, size_t n)
{
	qsort(lat, n, sizeof(*lat), tui_cmp_double);
	fprintf(fp, "%skeys %zu\n", prefix, n);
	if (n)
		fprintf(fp, "%sp50_ms %.3f\n%sp99_ms %.3f\n%smax_ms %.3f\n",
			prefix, lat[n / 2] * 1e3, prefix,
			lat[(n * 99) / 100] * 1e3, prefix, lat[n - 1] * 1e3);
}

/* Write startup and per-key latency figures for bench/review.sh: all
 * keys, then each class (move_, query_, decide_), and a line "lat CLASS
 * MS" for every key (bench/concurrency.sh). */
static void
tui_bench_report(const char *path, double startup, double *lat,
		 const unsigned char *cls, size_t n)
{
	static const char *const prefix[CLASS_COUNT] = {
		"move_", "query_", "decide_"
	};
	FILE *fp = fopen(path, "w");
	double *sub = xcalloc(n ? n : 1, sizeof(*sub));
	long rss = 0;
	char line[256];
	FILE *st;

	if (!fp) {
		free(sub);
		return;
	}
	if ((st = fopen("/proc/self/status", "r"))) {
		while (fgets(line, sizeof(line), st))
			if (!strncmp(line, "VmHWM:", 6))
				rss = atol(line + 6);
		fclose(st);
	}
	fprintf(fp, "startup_ms %.3f\n", startup * 1e3);
	for (int c = 0; c < CLASS_COUNT; c++) {
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (cls[i] == c)
				sub[m++] = lat[i];
		tui_bench_stats(fp, prefix[c], sub, m);
	}
	/* every key's, for percentiles over several sessions */
	for (size_t i = 0; i < n; i++)
		fprintf(fp, "lat %.*s %.3f\n",
			(int)strlen(prefix[cls[i]]) - 1, prefix[cls[i]],
			lat[i] * 1e3);
	tui_bench_stats(fp, "", lat, n);
	fprintf(fp, "maxrss_kb %ld\n", rss);
	fclose(fp);
	free(sub);
}

/* The labelling guideline of review.guideline (a text file, relative to
 * the project directory), into *@out (caller frees; NULL when the key is
 * not set: the built-in one). */
static enum ns_rc
tui_guideline(const struct project *p, char **out, struct ns_err *err)
{
	const char *key = config_str(p->cfg, "review.guideline", NULL);
	char *path, buf[4096];
	struct strbuf sb;
	FILE *fp;
	size_t n;

	*out = NULL;
	if (!key || !*key)
		return NS_OK;
	path = key[0] == '/' ? xstrdup(key) : xasprintf("%s/%s", p->dir, key);
	if (!(fp = fopen(path, "r"))) {
		err_set(err, NS_ECONFIG, "review.guideline: %s: %s", path,
			strerror(errno));
		free(path);
		return err->rc;
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0 &&
	       sb.len < (1u << 20))
		strbuf_add(&sb, buf, n);
	if (ferror(fp) || sb.len >= (1u << 20)) {
		err_set(err, NS_ECONFIG, "review.guideline: %s: %s", path,
			ferror(fp) ? strerror(errno)
			: "longer than 1 MiB; a guideline is read on screen");
		fclose(fp);
		strbuf_fini(&sb);
		free(path);
		return err->rc;
	}
	fclose(fp);
	free(path);
	while (sb.len && (sb.buf[sb.len - 1] == '\n' ||
			  sb.buf[sb.len - 1] == ' '))
		sb.buf[--sb.len] = '\0';
	*out = strbuf_detach(&sb, NULL);
	return NS_OK;
}

/* The line printed after the screen closes: what this session did and
 * what is left. */
static void
tui_summary(struct review *r, FILE *fp)
{
	double secs = now_seconds() - r->session_start;
	struct ns_err err;
	char left[96];

	err_clear(&err);
	if (review_count(r, &err) == NS_OK)
		snprintf(left, sizeof(left), "%lld of %lld items left in the "
			 "queue", (long long)(r->prog.items - r->prog.labelled),
			 (long long)r->prog.items);
	else
		snprintf(left, sizeof(left), "the queue could not be counted");
	fprintf(fp, "negsieve: review: %lld decisions in %d:%02d (%.0f/h); "
		"%s.\n", (long long)r->session_decisions, (int)(secs / 60),
		(int)secs % 60, review_rate(r), left);
}

/* Refuse terminals we cannot draw on, before curses is started. */
static int
tui_check_terminal(void)
{
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "negsieve: review: needs a terminal (standard "
			"input and output must be a terminal)\n");
		return NS_ETERM;
	}
	if (!term || !*term || !strcmp(term, "dumb")) {
		fprintf(stderr, "negsieve: review: TERM=%s cannot show the "
			"review screen; run it in a terminal such as xterm, "
			"tmux or screen\n", term && *term ? term : "(unset)");
		return NS_ETERM;
	}
	return NS_OK;
}

/* How long a scripted session waits for another writer (a person waits
 * until they press Esc). */
#define TUI_SCRIPT_WAIT 600.0

/*
 * review_on_wait(): another negsieve holds the project's write lock (a run
 * being published, a cascade, an import), so the decision being saved
 * waits.  The status line says so and counts the seconds; Esc gives the
 * decision up (it is not saved, and the status line says that).  Other
 * keys typed meanwhile are thrown away, here and when the wait is over
 * (tui_loop()): typed at a frozen screen, they would decide items the
 * person never saw.
 */
static bool
tui_wait(void *arg, double waited)
{
	struct tui *t = arg;
	char msg[256];
	wint_t ch;
	int rc;

	if (t->script)
		return waited < TUI_SCRIPT_WAIT;
	if (tui_quit_flag)
		return false;
	if (!t->drawing) {
		/* opening, before the screen (Ctrl-C gives up; keys
		 * typed meanwhile are thrown away when it opens) */
		fprintf(stderr, "\rnegsieve review: waiting %.0f s for "
			"another negsieve writing to the project (Ctrl-C "
			"gives up)", waited);
		fflush(stderr);
		t->waited = waited;
		return true;
	}
	t->waited = waited;
	timeout(0);
	while ((rc = get_wch(&ch)) != ERR)
		if (rc == OK && ch == 27) {
			timeout(1000);
			return false;
		}
	timeout(1000);
	/* one line, whole, at 60 columns too */
	snprintf(msg, sizeof(msg), COLS >= 78 ? "Waiting %.0f s to save: "
		 "another negsieve is writing. Esc gives up; keys ignored."
		 : "Waiting %.0f s to save. Esc gives up; keys ignored.",
		 waited);
	draw_note(&t->d, msg);
	return true;
}

/* Is a key waiting on the terminal (the count in progress gives way)? */
static bool
tui_key_waiting(void *arg)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	(void)arg;
	return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

static void
tui_loop(struct tui *t, double t0, const char *bench)
{
	double startup = 0, tkey = 0;
	bool first = true, count_tried = false, idle_done = false;

	while (!t->quit) {
		struct tui_key k;
		wint_t ch;
		int rc;

		if (tui_quit_flag)
			break;
		draw_frame(&t->d);
		if (first) {
			startup = tui_now() - t0;
			first = false;
		} else if (t->script && tkey > 0) {
			struct tui_script *s = t->script;

			if (s->nlat == s->caplat) {
				s->caplat = s->caplat ? s->caplat * 2 : 1024;
				s->lat = xrealloc(s->lat, s->caplat *
						  sizeof(*s->lat));
				s->cls = xrealloc(s->cls, s->caplat);
			}
			s->cls[s->nlat] = (unsigned char)s->klass;
			s->lat[s->nlat++] = tui_now() - tkey;
		}
		if (!t->r->prog_known && !count_tried) {
			/* the queue counts come when the terminal is idle */
			struct ns_err err;

			if (!t->script) {
				timeout(0);
				rc = get_wch(&ch);
				timeout(1000);
				if (rc != ERR) {
					tui_key(t, (struct tui_key){
						rc == KEY_CODE_YES, ch });
					continue;
				}
			}
			err_clear(&err);
			review_count(t->r, &err);
			/* a key stopped it: counted again once keys stop */
			count_tried = t->r->prog_known || err.rc != NS_OK;
			tkey = 0;
			continue;
		}
		if (t->script) {
			if (!tui_script_next(t, &k))
				break;
			t->script->klass = CLASS_MOVE;
			tkey = tui_now();
		} else {
			rc = get_wch(&ch);
			if (rc == ERR && tui_tty_gone()) {
				/* ends as SIGHUP would: decisions are saved,
				 * the session and its leases end */
				tui_quit_flag = 1;
				break;
			}
			if (rc == ERR) {	/* a second without keys, or a signal */
				if (!idle_done && !tui_quit_flag)
					review_idle(t->r);
				idle_done = true;
				/* others' decisions: redraw, recount */
				if (review_sync(t->r))
					count_tried = false;
				continue;
			}
			idle_done = false;
			k = (struct tui_key){ rc == KEY_CODE_YES, ch };
		}
		tui_key(t, k);
		/* keys typed while it waited for the write lock (the
		 * last tenth of a second of it) are thrown away too */
		if (t->waited > 0) {
			if (!t->script)
				flushinp();
			t->waited = 0;
		}
		/* a decision that changed other queries' items (a dropped
		 * passage) leaves the counts to be made again when idle */
		if (!t->r->prog_known)
			count_tried = false;
	}
	if (t->script) {
		draw_frame(&t->d);
		tui_dump(t);
		if (bench)
			tui_bench_report(bench, startup, t->script->lat,
					 t->script->cls, t->script->nlat);
	}
}

/* Start curses on the terminal, or headless for a script. */
static SCREEN *
tui_start(struct tui *t, const char *size)
{
	SCREEN *scr;
	const char *term = getenv("TERM");

	if (t->script) {
		int c = 80, r = 24;
		char buf[16];
		FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null",
								 "r");

		if (size)
			sscanf(size, "%dx%d", &c, &r);
		snprintf(buf, sizeof(buf), "%d", c);
		setenv("COLUMNS", buf, 1);
		snprintf(buf, sizeof(buf), "%d", r);
		setenv("LINES", buf, 1);
		if (!term || !*term || !strcmp(term, "dumb"))
			term = "xterm";
		scr = newterm(term, out, in);
	} else {
		scr = newterm(NULL, stdout, stdin);
	}
	if (!scr)
		return NULL;
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	set_escdelay(25);
	timeout(t->script ? 0 : 1000);
	return scr;
}

int
cmd_review(int argc, char **argv)
{
	const char *script = getenv("NEGSIEVE_REVIEW_SCRIPT");
	const char *dump = getenv("NEGSIEVE_REVIEW_DUMP");
	const char *bench = getenv("NEGSIEVE_REVIEW_BENCH");
	const char *ack = getenv("NEGSIEVE_REVIEW_ACK");
	double t0 = tui_now();
	struct tui_script sc;
	struct project p;
	struct ns_err err;
	struct tui t;
	struct passwd *pw;
	struct sigaction sa;
	char uname[64];
	SCREEN *scr;
	int ret;
	struct review_settings o;
	struct opt_state st;
	int64_t run;
	char *guideline = NULL;

	err_clear(&err);
	memset(&o, 0, sizeof(o));
	if ((ret = cmd_options(&review_cmd, argc, argv, &o, &st)) || st.help)
		return ret;
	if (o.keys_man) {
		keymap_write_man(stdout);
		return NS_OK;
	}
	if (st.first != argc - 1)
		return cmd_usage_error("review", "expected one PROJECT argument");
	run = o.run;
	memset(&t, 0, sizeof(t));
	t.saved_stderr = -1;
	if (project_open(&p, argv[st.first], &err) != NS_OK)
		return cmd_fail(&err);
	if (review_run_check(p.db, run, &err) != NS_OK) {
		project_close(&p);
		return cmd_fail(&err);
	}
	t.p = &p;
	t.km = keymap_new();
	if (keymap_configure(t.km, p.cfg, &err) != NS_OK ||
	    tui_guideline(&p, &guideline, &err) != NS_OK) {
		keymap_free(t.km);
		project_close(&p);
		return cmd_fail(&err);
	}
	pw = getpwuid(getuid());
	if (pw && pw->pw_name && *pw->pw_name)
		snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	else
		snprintf(uname, sizeof(uname), "uid%ld", (long)getuid());
	/* The annotator is the OS user; another name only where the
	 * project allows it (tests, a shared account with named people). */
	if (o.annotator && (!*o.annotator || strlen(o.annotator) > 63)) {
		keymap_free(t.km);
		project_close(&p);
		return cmd_usage_error("review", "--annotator: a name of 1 to "
				       "63 bytes");
	}
	if (o.annotator && strcmp(o.annotator, uname) != 0) {
		if (!config_bool(p.cfg, "review.allow_annotator_override",
				 false)) {
			keymap_free(t.km);
			project_close(&p);
			return cmd_usage_error("review", "--annotator %s: "
					       "decisions are recorded under "
					       "your login name (%s); this "
					       "project does not allow another "
					       "(review.allow_annotator_override"
					       " in its configuration)",
					       o.annotator, uname);
		}
		snprintf(uname, sizeof(uname), "%s", o.annotator);
	}
	if (script) {
		memset(&sc, 0, sizeof(sc));
		sc.ack = -1;
		if (!(sc.fp = fopen(script, "r"))) {
			err_set(&err, NS_EIO, "%s: %s", script,
				strerror(errno));
			goto fail;
		}
		if (dump && !(sc.dump = fopen(dump, "w"))) {
			err_set(&err, NS_EIO, "%s: %s", dump, strerror(errno));
			fclose(sc.fp);
			goto fail;
		}
		if (ack && (sc.ack = open(ack, O_WRONLY | O_APPEND | O_CREAT |
					  O_CLOEXEC, 0644)) < 0) {
			err_set(&err, NS_EIO, "%s: %s", ack, strerror(errno));
			fclose(sc.fp);
			if (sc.dump)
				fclose(sc.dump);
			goto fail;
		}
		t.script = &sc;
	} else if ((ret = tui_check_terminal()) != NS_OK) {
		keymap_free(t.km);
		project_close(&p);
		return ret;
	}
	/* no "busy" after 30 s: the review waits for other writers as long
	 * as the person wants (tui_wait()) */
	review_on_wait(p.db, tui_wait, &t);
	{
		struct queue_filter f;
		bool adj;
		int64_t qrun;

		if (team_queue(p.cfg, o.queue, uname, &f, &adj, &qrun, &err) ||
		    team_overlap(&p, &err) ||
		    review_open_queue(p.db, uname, run ? run : qrun, o.queue,
				      &f, adj, &t.r, &err) != NS_OK)
			goto fail;
	}
	/* a key typed while the queue is counted does not wait for it */
	if (!t.script) {
		t.r->key_pending = tui_key_waiting;
		t.r->key_pending_arg = NULL;
	}
	/* the cascade refits itself in the background as decisions come */
	review_set_refit(t.r, "/proc/self/exe", p.dir,
			 (int)config_int(p.cfg, "cascade.refit_every", 20));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tui_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (t.waited > 0 && !t.script) {	/* the end of tui_wait()'s line */
		fputc('\n', stderr);
		/* keys typed while it waited would decide items never
		 * shown (as in a wait on the screen: tui_wait()) */
		tcflush(STDIN_FILENO, TCIFLUSH);
		t.waited = 0;
	}
	if (!(scr = tui_start(&t, getenv("NEGSIEVE_REVIEW_SIZE")))) {
		review_close(t.r);
		err_set(&err, NS_ETERM, "review: cannot start the terminal "
			"(TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		goto fail;
	}
	/* From here until endwin() nothing may reach stderr. */
	{
		char *log = xasprintf("%s/review.log", p.dir);
		int lfd = tui_open_log(p.dir, log);

		if (lfd >= 0) {
			fflush(stderr);
			t.saved_stderr = dup(2);
			dup2(lfd, 2);
			close(lfd);
		}
		free(log);
	}
	{
		const char *name = config_str(p.cfg, "project.name", NULL);
		const char *slash = strrchr(p.dir, '/');

		/* the project's name, else the last part of its path */
		if (!name)
			name = slash && slash[1] ? slash + 1 : p.dir;
		draw_init(&t.d, t.r, t.km, name);
		t.d.guideline = guideline;
	}
	t.drawing = true;
	t.waited = 0;
	tui_loop(&t, t0, bench);
	review_on_wait(p.db, NULL, NULL);
	draw_fini(&t.d);
	endwin();
	delscreen(scr);
	if (t.saved_stderr >= 0) {
		fflush(stderr);
		dup2(t.saved_stderr, 2);
		close(t.saved_stderr);
	}
	if (t.script) {
		fclose(sc.fp);
		if (sc.dump)
			fclose(sc.dump);
		if (sc.ack >= 0)
			close(sc.ack);
		free(sc.lat);
		free(sc.cls);
	}
	if (!bench)
		tui_summary(t.r, stdout);
	/* what the status line said when it happened, said again where a
	 * script or a person who looked away sees it, with the status */
	ret = NS_OK;
	if (t.r->unsaved) {
		fflush(stdout);
		fprintf(stderr, "negsieve: review: %lld key%s could not be "
			"saved (decisions, undos or notes); the last: %s\n",
			(long long)t.r->unsaved, t.r->unsaved > 1 ? "s" : "",
			t.r->unsaved_msg);
		ret = t.r->unsaved_rc;
	}
	review_close(t.r);
	keymap_free(t.km);
	free(guideline);
	project_close(&p);
	return ret;
fail:
	if (t.waited > 0 && !t.script)
		fputc('\n', stderr);
	review_on_wait(p.db, NULL, NULL);
	if (t.script) {
		fclose(sc.fp);
		if (sc.dump)
			fclose(sc.dump);
		if (sc.ack >= 0)
			close(sc.ack);
	}
	keymap_free(t.km);
	free(guideline);
	project_close(&p);
	return cmd_fail(&err);
}
