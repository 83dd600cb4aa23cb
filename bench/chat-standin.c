/*
 * chat-standin.c - a stand-in OpenAI-compatible chat endpoint for
 * bench/judge.sh: every POST is answered DELAY seconds after it arrived
 * with one fixed verdict and token usage.  Single-threaded (epoll, HTTP/1.1
 * keep-alive), so that on a loaded 2-core machine the stand-in's own cost
 * stays far below the 50 ms it waits (the Python stand-in of the tests
 * could not keep up).
 *
 *   chat-standin PORTFILE DELAY
 *
 * Listens on 127.0.0.1 on a free port, written to PORTFILE; runs until
 * killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXCONN 4096
#define BUFSZ (1 << 20)

struct conn {
	int fd;
	char *buf;		/* request bytes */
	size_t len;
	int queued;		/* an answer is scheduled */
};

struct due {
	int fd;
	double at;
};

static struct conn conns[MAXCONN];
static struct due *fifo;	/* constant delay: arrival order = due order */
static size_t fhead, ftail, fcap;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char body[] =
	"{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\","
	"\"model\":\"bench\",\"choices\":[{\"index\":0,"
	"\"finish_reason\":\"stop\",\"message\":{\"role\":\"assistant\","
	"\"content\":\"{\\\"relevant\\\": false, \\\"confidence\\\": 0.9}\"}}],"
	"\"usage\":{\"prompt_tokens\":700,\"completion_tokens\":12,"
	"\"total_tokens\":712}}";

static void
drop(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	c->len = 0;
	c->queued = 0;
}

/* A complete request in @c?  Its length, else 0. */
static size_t
complete(struct conn *c)
{
	char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
	size_t head, clen = 0;

	if (!end)
		return 0;
	head = (size_t)(end - c->buf) + 4;
	for (char *p = c->buf; p < end; p = memchr(p, '\n', (size_t)(end - p))
	     + 1) {
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			clen = (size_t)atol(p + 15);
		if (!memchr(p, '\n', (size_t)(end - p)))
			break;
	}
	return c->len >= head + clen ? head + clen : 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	struct epoll_event ev, evs[256];
	char resp[1024], tmp[600];
	double delay;
	int ls, ep, one = 1, rlen;
	FILE *fp;

	if (argc != 3) {
		fprintf(stderr, "usage: chat-standin PORTFILE DELAY\n");
		return 2;
	}
	delay = atof(argv[2]);
	rlen = snprintf(resp, sizeof(resp), "HTTP/1.1 200 OK\r\n"
			"Content-Type: application/json\r\n"
			"Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1024) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen)) {
		perror("chat-standin");
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	fp = fopen(tmp, "w");
	fprintf(fp, "%d\n", ntohs(a.sin_port));
	fclose(fp);
	rename(tmp, argv[1]);
	for (int i = 0; i < MAXCONN; i++)
		conns[i].fd = -1;
	fcap = 1 << 16;
	fifo = malloc(fcap * sizeof(*fifo));
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		int ms = -1, n;
		double t = now();

		/* answer what is due */
		while (fhead != ftail && fifo[fhead % fcap].at <= t) {
			struct due d = fifo[fhead++ % fcap];
			struct conn *c = &conns[d.fd];

			if (c->fd != d.fd)
				continue;
			c->queued = 0;
			if (write(c->fd, resp, (size_t)rlen) != rlen)
				drop(ep, c);
		}
		if (fhead != ftail)
			ms = (int)((fifo[fhead % fcap].at - t) * 1000) + 1;
		n = epoll_wait(ep, evs, 256, ms);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			struct conn *c;
			ssize_t k;
			size_t req;

			if (fd == ls) {
				int cfd;

				while ((cfd = accept4(ls, NULL, NULL,
						      SOCK_NONBLOCK)) >= 0) {
					if (cfd >= MAXCONN) {
						close(cfd);
						continue;
					}
					setsockopt(cfd, IPPROTO_TCP,
						   TCP_NODELAY, &one,
						   sizeof(one));
					conns[cfd].fd = cfd;
					conns[cfd].len = 0;
					if (!conns[cfd].buf)
						conns[cfd].buf = malloc(BUFSZ);
					ev.events = EPOLLIN;
					ev.data.fd = cfd;
					epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
				}
				continue;
			}
			c = &conns[fd];
			k = read(fd, c->buf + c->len, BUFSZ - c->len);
			if (k <= 0) {
				if (k == 0 || errno != EAGAIN)
					drop(ep, c);
				continue;
			}
			c->len += (size_t)k;
			req = complete(c);
			if (!req || c->queued)
				continue;
			memmove(c->buf, c->buf + req, c->len - req);
			c->len -= req;
			c->queued = 1;
			if (ftail - fhead == fcap) {
				drop(ep, c);
				continue;
			}
			fifo[ftail++ % fcap] = (struct due){ fd, now() + delay };
		}
	}
}
