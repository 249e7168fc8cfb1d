/*
 * The front's connection guard: deadlines a client cannot stretch, and room
 * for a new client when every connection is taken.
 *
 * libmicrohttpd's timeout is an idle timeout: every byte restarts it, so a
 * client that sends one header byte every few seconds keeps its connection
 * for ever, and max_connections such clients lock every other one out.  The
 * guard gives each connection one deadline per phase instead:
 *   waiting    from accept, or from the end of the previous answer, the
 *              whole next request (headers and body) must arrive within
 *              the client timeout;
 *   executing  admitted to the broker: no deadline (the execution has its
 *              own timeout, and libmicrohttpd ignores a suspended
 *              connection), but a client that hangs up is noticed
 *              (conn_guard_gone) so that its execution can be stopped;
 *   answering  the answer must be read within the client timeout.
 * A connection past its deadline is shut down (shutdown(2) on its socket;
 * libmicrohttpd then sees end of file and closes it).  When a new connection
 * makes more than max_connections, the one nearest its deadline that is
 * not executing is shut down to make room: a flood of slow clients costs
 * itself its oldest connections, not everybody else their service.
 *
 * Thread-safe: libmicrohttpd's thread opens, moves and closes slots, the
 * front's main thread sweeps.  Sockets are shut down, never closed, here;
 * a slot's fd stays valid until conn_guard_close(), which libmicrohttpd
 * calls before it closes the socket.
 */
#pragma once

#include <stdint.h>

#include "util/macros.h"

struct conn_guard;
struct conn_slot;

int conn_guard_new(uint32_t max_connections, uint64_t client_timeout_ms,
		   struct conn_guard **out) _wur_;
void conn_guard_free(struct conn_guard *g);

/*
 * Tracks a new connection on socket fd, in the waiting phase.  May shut
 * down another connection (or, when every other one is executing, this
 * one) to stay within max_connections.  NULL when out of memory: the
 * connection then goes untracked (libmicrohttpd's idle timeout still holds).
 */
struct conn_slot *conn_guard_open(struct conn_guard *g, int fd, uint64_t now_ms);
/* Forgets s (NULL is a no-op); its socket is about to be closed. */
void conn_guard_close(struct conn_guard *g, struct conn_slot *s);

/* Admitted as execution exec_id (the broker's): no deadline until answered. */
void conn_guard_executing(struct conn_guard *g, struct conn_slot *s, uint64_t exec_id);
void conn_guard_answering(struct conn_guard *g, struct conn_slot *s, uint64_t now_ms);
void conn_guard_waiting(struct conn_guard *g, struct conn_slot *s, uint64_t now_ms);

struct conn_guard_counts {
	uint64_t expired; /* shut down past their deadline */
	uint64_t evicted; /* shut down to make room */
};

/* Shuts down every connection past its deadline; returns how many it did. */
unsigned conn_guard_sweep(struct conn_guard *g, uint64_t now_ms);

/*
 * The executions whose client has closed its connection (or shut down its
 * sending side: the two look alike from here), at most max of them into
 * ids; each is reported once.  Returns how many.  libmicrohttpd does not
 * watch a connection while its request executes, so without this an
 * abandoned script would keep its slot until its own timeout.
 */
size_t conn_guard_gone(struct conn_guard *g, uint64_t *ids, size_t max);
/* Totals since conn_guard_new(); and how many connections are tracked now. */
void conn_guard_counts(struct conn_guard *g, struct conn_guard_counts *c, uint32_t *open);
