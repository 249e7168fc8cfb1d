/*
 * Unit tests for jail/seccomp.c: the jail's filter, applied in a forked
 * child, answers the calls it refuses with the errno the policy names,
 * including calls libseccomp 2.5.4 does not know by name and calls newer
 * than the policy.  Each refusal is checked against the same call made
 * unfiltered, so a check that the kernel would pass anyway is reported
 * as a skip instead of a vacuous pass.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail/seccomp.h"
#include "util/valgrind.h"
#include "tap.h"

struct probe {
	const char *name;
	long nr;
	int want; /* the filter's errno */
};

/* Bogus arguments throughout: the call must fail either way, with a different
 * errno unfiltered. */
static const struct probe probes[] = {
	{ "statmount", 457, EPERM },
	{ "listmount", 458, EPERM },
	{ "open_tree_attr", 467, EPERM },
	{ "cachestat", 451, EPERM },
	{ "memfd_secret", 447, EPERM },
	{ "set_mempolicy_home_node", 450, EPERM },
	{ "io_setup", SYS_io_setup, EPERM },
	{ "listns (first unreviewed call)", 470, ENOSYS },
	{ "an unreviewed call, 500", 500, ENOSYS },
	{ "the last native number, 511", 511, ENOSYS },
};

/* errno of syscall(nr, 0, ...) in a child, filtered or not; -1 if the child
 * died. */
static int errno_of(const struct jail_seccomp *filter, long nr)
{
	int pipefd[2], got = -1, st;
	pid_t pid;

	if (pipe(pipefd) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int e = 0;

		close(pipefd[0]);
		if (filter) {
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
			    jail_seccomp_apply(filter) < 0)
				_exit(2);
		}
		/* -1 fds and NULL pointers: nothing is created where a call is allowed */
		if (syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L) < 0)
			e = errno;
		(void)!write(pipefd[1], &e, sizeof(e));
		_exit(0);
	}
	close(pipefd[1]);
	if (pid > 0) {
		if (read(pipefd[0], &got, sizeof(got)) != sizeof(got))
			got = -1;
		(void)waitpid(pid, &st, 0);
	}
	close(pipefd[0]);
	return got;
}

int main(void)
{
	struct jail_seccomp *jail = NULL, *front = NULL;

	CHECK(jail_seccomp_new(&jail) == 0, "the jail's policy builds (every name resolves)");
	CHECK(jail_seccomp_new_front(&front) == 0, "the front's policy builds");
	if (!jail || !front)
		return tap_done();
	CHECK(jail_seccomp_length(jail) > 0 && jail_seccomp_length(jail) < 4096,
	      "the jail's program fits in BPF_MAXINSNS (%u instructions)",
	      jail_seccomp_length(jail));

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		int filtered = errno_of(jail, probes[i].nr);
		int plain = errno_of(NULL, probes[i].nr);

		if (plain == probes[i].want)
			SKIP("%s: this kernel answers %d unfiltered too", probes[i].name, plain);
		else if (running_on_valgrind() && plain == ENOSYS)
			SKIP("%s: valgrind answers ENOSYS itself for a call it does not know",
			     probes[i].name);
		else
			CHECK(filtered == probes[i].want, "%s refused (errno %d; %d unfiltered)",
			      probes[i].name, filtered, plain);
	}
	/* An allowed call still works under the filter. */
	CHECK_EQ_INT(errno_of(jail, SYS_getppid), 0, "getppid allowed");
	CHECK_EQ_INT(errno_of(front, 470), ENOSYS, "the front refuses unreviewed calls too");

	jail_seccomp_free(jail);
	jail_seccomp_free(front);
	return tap_done();
}
