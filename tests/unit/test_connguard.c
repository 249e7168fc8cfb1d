/*
 * Unit tests for http/connguard.c, with socketpairs for connections: a
 * connection the guard shuts down reads as end of file at its peer.
 * Time is passed in, so no test sleeps.
 */
#include <errno.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/connguard.h"
#include "tap.h"

#define MAXC 4
#define TIMEOUT 1000

struct pair {
	int ours, client;
	struct conn_slot *slot;
};

static bool is_shut(const struct pair *p)
{
	char c;

	/* our end shut down both ways: the client reads end of file at once */
	return recv(p->client, &c, 1, MSG_DONTWAIT) == 0;
}

static void pair_open(struct conn_guard *g, struct pair *p, uint64_t now)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		p->ours = p->client = -1;
		p->slot = NULL;
		return;
	}
	p->ours = sv[0];
	p->client = sv[1];
	p->slot = conn_guard_open(g, p->ours, now);
}

static void pair_close(struct conn_guard *g, struct pair *p)
{
	conn_guard_close(g, p->slot);
	p->slot = NULL;
	close(p->ours);
	close(p->client);
}

static int shut_count(const struct pair *p, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += is_shut(&p[i]);
	return k;
}

static void test_deadlines(void)
{
	struct conn_guard *g = NULL;
	struct conn_guard_counts c;
	struct pair p[3];
	uint32_t open;

	CHECK(conn_guard_new(MAXC, TIMEOUT, &g) == 0, "guard created");
	if (!g)
		return;
	for (int i = 0; i < 3; i++)
		pair_open(g, &p[i], 0);
	CHECK(p[0].slot && p[1].slot && p[2].slot, "three connections tracked");

	/* 0: stays waiting; 1: admitted; 2: answered at 900 */
	conn_guard_executing(g, p[1].slot, 11);
	conn_guard_answering(g, p[2].slot, 900);
	CHECK_EQ_INT(conn_guard_sweep(g, TIMEOUT - 1), 0, "nothing expires before its deadline");
	CHECK_EQ_INT(shut_count(p, 3), 0, "no socket shut down yet");
	CHECK_EQ_INT(conn_guard_sweep(g, TIMEOUT), 1, "the waiting one expires at its deadline");
	CHECK(is_shut(&p[0]) && !is_shut(&p[1]) && !is_shut(&p[2]), "only it is shut down");
	CHECK_EQ_INT(conn_guard_sweep(g, TIMEOUT + 1), 0, "a shut connection is not counted twice");
	CHECK_EQ_INT(conn_guard_sweep(g, 100 * TIMEOUT), 1,
		     "an executing one never expires; the answering one does");
	CHECK(!is_shut(&p[1]) && is_shut(&p[2]), "the executing one is still open");

	/* back to waiting after its answer: the keep-alive deadline starts then */
	conn_guard_waiting(g, p[1].slot, 200 * TIMEOUT);
	CHECK_EQ_INT(conn_guard_sweep(g, 201 * TIMEOUT - 1), 0,
		     "a kept-alive connection has a fresh deadline");
	CHECK_EQ_INT(conn_guard_sweep(g, 201 * TIMEOUT), 1, "and expires at it");

	conn_guard_counts(g, &c, &open);
	CHECK(c.expired == 3 && c.evicted == 0 && open == 3, "counts: 3 expired, 3 open");
	for (int i = 0; i < 3; i++)
		pair_close(g, &p[i]);
	conn_guard_counts(g, &c, &open);
	CHECK_EQ_INT(open, 0, "closing forgets every slot");
	conn_guard_close(g, NULL);
	conn_guard_free(g);
}

static void test_eviction(void)
{
	struct conn_guard *g = NULL;
	struct conn_guard_counts c;
	struct pair p[MAXC + 3];
	uint32_t open;

	CHECK(conn_guard_new(MAXC, TIMEOUT, &g) == 0, "guard created");
	if (!g)
		return;
	/* MAXC connections opened at 0, 10, 20, ...; the second is executing. */
	for (int i = 0; i < MAXC; i++)
		pair_open(g, &p[i], (uint64_t)i * 10);
	conn_guard_executing(g, p[0].slot, 10);
	CHECK_EQ_INT(shut_count(p, MAXC), 0, "up to the limit nobody is evicted");

	/* One more: the oldest non-executing one (1) makes room, not the executing 0. */
	pair_open(g, &p[MAXC], 100);
	CHECK(!is_shut(&p[0]) && is_shut(&p[1]) && shut_count(p, MAXC + 1) == 1,
	      "over the limit, the waiting connection nearest its deadline is evicted");

	/* An answering connection nearer its deadline than the waiting ones goes first. */
	conn_guard_answering(g, p[3].slot, 0);
	pair_open(g, &p[MAXC + 1], 110);
	CHECK(is_shut(&p[3]) && !is_shut(&p[2]) && shut_count(p, MAXC + 2) == 2,
	      "the deadline decides, whatever the phase");

	/* All live others executing: the newcomer itself is refused. */
	conn_guard_executing(g, p[2].slot, 12);
	conn_guard_executing(g, p[MAXC].slot, 13);
	conn_guard_executing(g, p[MAXC + 1].slot, 14);
	pair_open(g, &p[MAXC + 2], 120);
	CHECK(is_shut(&p[MAXC + 2]) && shut_count(p, MAXC + 3) == 3,
	      "when every other connection executes, the new one is shut down");

	conn_guard_counts(g, &c, &open);
	CHECK(c.evicted == 3 && c.expired == 0 && open == MAXC + 3, "counts: 3 evicted, %u open",
	      open);
	/* Shut slots do not count against the limit, closed or not. */
	pair_close(g, &p[1]);
	pair_close(g, &p[3]);
	pair_close(g, &p[MAXC + 2]);
	CHECK_EQ_INT(conn_guard_sweep(g, 100 * TIMEOUT), 0,
		     "executing connections survive any sweep");
	for (int i = 0; i < MAXC + 3; i++)
		if (p[i].slot)
			pair_close(g, &p[i]);
	conn_guard_free(g);
}

static void test_gone(void)
{
	struct conn_guard *g = NULL;
	struct pair p[3];
	uint64_t ids[4];

	CHECK(conn_guard_new(MAXC, TIMEOUT, &g) == 0, "guard created");
	if (!g)
		return;
	for (int i = 0; i < 3; i++)
		pair_open(g, &p[i], 0);
	conn_guard_executing(g, p[0].slot, 100);
	conn_guard_executing(g, p[1].slot, 101);
	CHECK_EQ_INT(conn_guard_gone(g, ids, 4), 0, "clients still connected: none gone");
	/* 1's client hangs up, 2's too but 2 is only waiting (libmicrohttpd sees that itself) */
	close(p[1].client);
	p[1].client = -1;
	close(p[2].client);
	p[2].client = -1;
	CHECK(conn_guard_gone(g, ids, 4) == 1 && ids[0] == 101,
	      "an executing connection whose client closed is reported, by its execution id");
	CHECK_EQ_INT(conn_guard_gone(g, ids, 4), 0, "and only once");
	(void)!shutdown(p[0].client, SHUT_WR);
	CHECK(conn_guard_gone(g, ids, 4) == 1 && ids[0] == 100,
	      "a client that shut down its sending side looks the same");
	for (int i = 0; i < 3; i++) {
		conn_guard_close(g, p[i].slot);
		close(p[i].ours);
		if (p[i].client >= 0)
			close(p[i].client);
	}
	conn_guard_free(g);
}

static void test_free_with_slots(void)
{
	struct conn_guard *g = NULL;
	struct pair p;

	CHECK(conn_guard_new(MAXC, TIMEOUT, &g) == 0, "guard created");
	if (!g)
		return;
	pair_open(g, &p, 0);
	CHECK(p.slot != NULL, "a connection left open at the guard's end");
	/*
	 * libmicrohttpd may stop without closing notices: free takes what is
	 * left.  A leak here fails the ASan and valgrind runs of this binary.
	 */
	conn_guard_free(g);
	close(p.ours);
	close(p.client);
}

int main(void)
{
	test_deadlines();
	test_eviction();
	test_gone();
	test_free_with_slots();
	return tap_done();
}
