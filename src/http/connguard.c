/*
 * Connection guard (see connguard.h).  A doubly linked list of slots under
 * one mutex; both the sweep and the search for a connection to evict walk
 * it.  The list holds at most max_connections plus libmicrohttpd's
 * headroom, and the walks run once per sweep period and once per accept
 * beyond capacity, so a linear walk is cheaper than keeping an order.
 */
#include "http/connguard.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>

enum phase { PHASE_WAITING, PHASE_EXECUTING, PHASE_ANSWERING };

struct conn_slot {
	struct conn_slot *prev, *next;
	int fd;
	enum phase phase;
	bool shut; /* shut down by us; libmicrohttpd will close it */
	bool gone_reported;
	uint64_t deadline_ms;
	uint64_t exec_id; /* PHASE_EXECUTING */
};

struct conn_guard {
	pthread_mutex_t lock;
	struct conn_slot head; /* sentinel of a circular list */
	uint32_t open;	       /* slots in the list */
	uint32_t live;	       /* of them, not shut down: the ones that count against the limit */
	uint32_t max_connections;
	uint64_t timeout_ms;
	struct conn_guard_counts counts;
};

int conn_guard_new(uint32_t max_connections, uint64_t client_timeout_ms, struct conn_guard **out)
{
	struct conn_guard *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return -ENOMEM;
	r = -pthread_mutex_init(&g->lock, NULL);
	if (r < 0) {
		free(g);
		return r;
	}
	g->head.prev = g->head.next = &g->head;
	g->max_connections = max_connections;
	g->timeout_ms = client_timeout_ms;
	*out = g;
	return 0;
}

void conn_guard_free(struct conn_guard *g)
{
	struct conn_slot *s, *next;

	if (!g)
		return;
	/* Slots left are libmicrohttpd's connections closed without notice at its stop. */
	for (s = g->head.next; s != &g->head; s = next) {
		next = s->next;
		free(s);
	}
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* Under g->lock. */
static void shut(struct conn_guard *g, struct conn_slot *s)
{
	/* Both ways: a client blocked in send() of its body gets an error too. */
	(void)shutdown(s->fd, SHUT_RDWR);
	s->shut = true;
	g->live--;
}

/* Under g->lock: the slot, other than keep, nearest its deadline and not
 * executing. */
static struct conn_slot *eviction_candidate(struct conn_guard *g, const struct conn_slot *keep)
{
	struct conn_slot *best = NULL;

	for (struct conn_slot *s = g->head.next; s != &g->head; s = s->next) {
		if (s == keep || s->shut || s->phase == PHASE_EXECUTING)
			continue;
		if (!best || s->deadline_ms < best->deadline_ms)
			best = s;
	}
	return best;
}

struct conn_slot *conn_guard_open(struct conn_guard *g, int fd, uint64_t now_ms)
{
	struct conn_slot *s = calloc(1, sizeof(*s));
	struct conn_slot *victim;

	if (!s)
		return NULL;
	s->fd = fd;
	s->phase = PHASE_WAITING;
	s->deadline_ms = now_ms + g->timeout_ms;

	pthread_mutex_lock(&g->lock);
	s->prev = g->head.prev;
	s->next = &g->head;
	g->head.prev->next = s;
	g->head.prev = s;
	g->open++;
	g->live++;
	if (g->live > g->max_connections) {
		victim = eviction_candidate(g, s);
		shut(g, victim ? victim : s);
		g->counts.evicted++;
	}
	pthread_mutex_unlock(&g->lock);
	return s;
}

void conn_guard_close(struct conn_guard *g, struct conn_slot *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&g->lock);
	s->prev->next = s->next;
	s->next->prev = s->prev;
	g->open--;
	if (!s->shut)
		g->live--;
	pthread_mutex_unlock(&g->lock);
	free(s);
}

static void set_phase(struct conn_guard *g, struct conn_slot *s, enum phase p, uint64_t deadline)
{
	if (!s)
		return;
	pthread_mutex_lock(&g->lock);
	s->phase = p;
	s->deadline_ms = deadline;
	pthread_mutex_unlock(&g->lock);
}

void conn_guard_executing(struct conn_guard *g, struct conn_slot *s, uint64_t exec_id)
{
	if (!s)
		return;
	pthread_mutex_lock(&g->lock);
	s->phase = PHASE_EXECUTING;
	s->deadline_ms = UINT64_MAX;
	s->exec_id = exec_id;
	s->gone_reported = false;
	pthread_mutex_unlock(&g->lock);
}

void conn_guard_answering(struct conn_guard *g, struct conn_slot *s, uint64_t now_ms)
{
	set_phase(g, s, PHASE_ANSWERING, now_ms + g->timeout_ms);
}

void conn_guard_waiting(struct conn_guard *g, struct conn_slot *s, uint64_t now_ms)
{
	set_phase(g, s, PHASE_WAITING, now_ms + g->timeout_ms);
}

unsigned conn_guard_sweep(struct conn_guard *g, uint64_t now_ms)
{
	unsigned n = 0;

	pthread_mutex_lock(&g->lock);
	for (struct conn_slot *s = g->head.next; s != &g->head; s = s->next) {
		if (s->shut || s->phase == PHASE_EXECUTING || s->deadline_ms > now_ms)
			continue;
		shut(g, s);
		n++;
	}
	g->counts.expired += n;
	pthread_mutex_unlock(&g->lock);
	return n;
}

size_t conn_guard_gone(struct conn_guard *g, uint64_t *ids, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&g->lock);
	for (struct conn_slot *s = g->head.next; s != &g->head && n < max; s = s->next) {
		struct pollfd p = { .fd = s->fd, .events = POLLRDHUP };

		if (s->phase != PHASE_EXECUTING || s->shut || s->gone_reported)
			continue;
		/* Nothing is read: a request body or a pipelined request stays libmicrohttpd's. */
		if (poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
			s->gone_reported = true;
			ids[n++] = s->exec_id;
		}
	}
	pthread_mutex_unlock(&g->lock);
	return n;
}

void conn_guard_counts(struct conn_guard *g, struct conn_guard_counts *c, uint32_t *open)
{
	pthread_mutex_lock(&g->lock);
	*c = g->counts;
	*open = g->open;
	pthread_mutex_unlock(&g->lock);
}
