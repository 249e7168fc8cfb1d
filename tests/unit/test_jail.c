/*
 * The jail end to end, without the daemon: builds real jails on this
 * kernel and checks from inside what the script would see.  Needs root;
 * skips (with the reason) where the kernel cannot build one.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail/jail.h"
#include "tap.h"
#include "util/time.h"

struct exec_args {
	const char *path;
	char *const *argv;
};

static int exec_payload(void *arg)
{
	struct exec_args *a = arg;
	char *envp[] = { (char *)"PATH=/usr/bin:/bin", NULL };
	execve(a->path, a->argv, envp);
	return -errno;
}

static int exit_payload(void *arg)
{
	_exit((int)(long)arg);
}

/* Waits for a byte (or EOF) on fd 3, then exits 5: a payload still running when asked. */
static int wait_payload(void *arg)
{
	char c;
	(void)arg;
	(void)!read(3, &c, 1);
	_exit(5);
}

static void init_run(struct jail_run *run, const char *name)
{
	memset(run, 0, sizeof(*run));
	run->name = name;
	run->limits.memory_bytes = 32 << 20;
	run->limits.pids_max = 8;
	run->limits.cpu_percent = 100;
	run->cpu_seconds = 2;
	for (int i = 0; i < 5; i++)
		run->fds[i] = -1;
}

/* Polls the verdict the way the spawner does: on the setup fd, without blocking in between. */
static int poll_verdict(struct jail_proc *p, int *stage, int *polls)
{
	int r;
	*polls = 0;
	while ((r = jail_proc_setup_poll(p, stage)) == 0 && *polls < 10000) {
		struct pollfd pfd = { .fd = jail_proc_setup_fd(p), .events = POLLIN };
		(*polls)++;
		if (poll(&pfd, 1, 1000) == 0)
			break;
	}
	return r;
}

/* jail_start(): the caller goes on while the child sets up; the verdict is an event. */
static void test_async_verdict(struct jail *j)
{
	struct jail_run run;
	struct jail_proc *p = NULL;
	struct cgroup_usage u;
	int stage = JAIL_STAGE_NONE, status = 0, polls = 0, r;

	{
		char *argv[] = { (char *)"/nonexistent/binary", NULL };
		struct exec_args a = { argv[0], argv };
		init_run(&run, "async-1");
		run.payload = exec_payload;
		run.payload_arg = &a;
		run.payload_execs = true;
		r = jail_start(j, &run, &p, &stage);
		CHECK(r == 0, "jail_start returns before the child's exec (err %d)", r);
		if (r == 0) {
			CHECK(jail_proc_setup_fd(p) >= 0, "a setup fd to wait on");
			r = poll_verdict(p, &stage, &polls);
			CHECK(r == -ENOENT && stage == JAIL_STAGE_EXEC,
			      "the failed exec arrives as the verdict (r %d stage %s)", r,
			      jail_stage_name(stage));
			stage = JAIL_STAGE_NONE;
			r = jail_proc_setup_poll(p, &stage);
			CHECK(r == -ENOENT && stage == JAIL_STAGE_EXEC, "the verdict is given again (r %d)",
			      r);
			CHECK(jail_proc_setup_fd(p) >= 0, "its fd stays open until jail_proc_free");
			jail_proc_free(p);
		}
	}
	{
		int ctl[2];
		if (pipe2(ctl, O_CLOEXEC) < 0) {
			CHECK(0, "pipe: %s", strerror(errno));
			return;
		}
		init_run(&run, "async-2");
		run.fds[3] = ctl[0];
		run.payload = wait_payload;
		r = jail_start(j, &run, &p, &stage);
		close(ctl[0]);
		CHECK(r == 0, "jail_start with an in-process payload (err %d)", r);
		if (r == 0) {
			r = poll_verdict(p, &stage, &polls);
			CHECK(r == 1, "verdict: started, while the payload still runs (r %d)", r);
			CHECK(jail_proc_reap(p, &status, &u) == 0, "the payload is still running");
			(void)!write(ctl[1], "x", 1);
			for (int i = 0; i < 5000 && (r = jail_proc_reap(p, &status, &u)) == 0; i++)
				usleep(1000);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 5,
			      "then it goes on and exits (status %d)", status);
			jail_proc_free(p);
		}
		close(ctl[1]);
	}
	{
		/* jail_spawn waits for the same verdict. */
		init_run(&run, "async-3");
		run.payload = exit_payload;
		run.payload_arg = (void *)0L;
		r = jail_start(j, &run, &p, &stage);
		if (r == 0) {
			r = jail_proc_setup_wait(p, &stage);
			CHECK(r == 0, "jail_proc_setup_wait: started (r %d)", r);
			jail_proc_free(p);
		}
	}
}

/* Runs argv in a jail; returns the wait status and fills out with its stdout. */
static int run_in_jail(struct jail *j, const char *name, char *const argv[], char *out, size_t outsz,
		       int *spawn_err, int *stage)
{
	struct exec_args a = { argv[0], argv };
	struct jail_run run;
	struct jail_proc *p = NULL;
	struct cgroup_usage u;
	int pfd[2], status = -1;
	size_t len = 0;
	ssize_t n;

	out[0] = '\0'; /* the checks read it even when the spawn fails */
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	memset(&run, 0, sizeof(run));
	run.name = name;
	run.limits.memory_bytes = 64 << 20;
	run.limits.pids_max = 16;
	run.limits.cpu_percent = 100;
	run.cpu_seconds = 5;
	run.fds[0] = -1;
	run.fds[1] = pfd[1];
	run.fds[2] = pfd[1];
	run.fds[3] = -1;
	run.fds[4] = -1;
	run.payload = exec_payload;
	run.payload_arg = &a;
	run.payload_execs = true;
	*spawn_err = jail_spawn(j, &run, &p, stage);
	close(pfd[1]);
	if (*spawn_err < 0) {
		close(pfd[0]);
		return -1;
	}
	while (len + 1 < outsz && (n = read(pfd[0], out + len, outsz - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	close(pfd[0]);
	for (int i = 0; i < 5000; i++) {
		int r = jail_proc_reap(p, &status, &u);
		if (r != 0)
			break;
		usleep(1000);
	}
	jail_proc_free(p);
	return status;
}

int main(void)
{
	struct jail_params jp = {
		.sandbox_uid = 100000,
		.sandbox_gid = 100000,
		.tmp_bytes = 8 << 20,
		.nofile = 64,
		.inotify_per_jail = 8,
		.cgroup = CGROUP_WANT_AUTO,
		.allow_no_cgroup = true,
	};
	char name[64], out[8192];
	struct jail *j = NULL;
	const char *why = "";
	int r, err, stage = JAIL_STAGE_NONE; /* jail_spawn sets it only on failure */

	if (geteuid() != 0) {
		SKIP("jail tests need root");
		return tap_done();
	}
	snprintf(name, sizeof(name), "pyexec-test-%d", (int)getpid());
	jp.cgroup_name = name;
	r = jail_new(&jp, &j, &why, &stage);
	CHECK(r == 0, "jail_new (%s%s%s)", r < 0 ? why : "ok", r < 0 ? ": " : "",
	      r < 0 ? jail_stage_name(stage) : "");
	if (r < 0)
		return tap_done();

	{
		char *argv[] = { (char *)"/bin/sh", (char *)"-c",
				 (char *)"id -u; id -g; hostname; cat /proc/self/status | grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):'; "
					 "echo pid=$$; ls /; touch /usr/x 2>&1; touch /x 2>&1; touch /tmp/ok && echo tmp-ok; "
					 "test -e /etc/shadow || echo no-shadow; test -e /sys/kernel || echo no-sys; "
					 "cat /proc/self/uid_map; grep '^Max open files' /proc/self/limits; pwd",
				 NULL };
		int st = run_in_jail(j, "exec-1", argv, out, sizeof(out), &err, &stage);
		CHECK(err == 0, "spawn a shell (err %d stage %s)", err, jail_stage_name(stage));
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "shell exits 0 (status %d)", st);
		CHECK(strstr(out, "1000\n1000\n") != NULL, "uid and gid are 1000");
		CHECK(strstr(out, "pyexec\n") != NULL, "hostname is pyexec");
		CHECK(strstr(out, "CapEff:\t0000000000000000") != NULL, "no effective capabilities");
		CHECK(strstr(out, "CapBnd:\t0000000000000000") != NULL, "empty bounding set");
		CHECK(strstr(out, "NoNewPrivs:\t1") != NULL, "no_new_privs set");
		CHECK(strstr(out, "Seccomp:\t2") != NULL, "seccomp filter mode");
		CHECK(strstr(out, "pid=1\n") != NULL, "the payload is pid 1 of its namespace");
		CHECK(strstr(out, "'/usr/x': Read-only file system") != NULL, "/usr is read-only");
		CHECK(strstr(out, "'/x': Read-only file system") != NULL, "/ is read-only");
		CHECK(strstr(out, "tmp-ok") != NULL, "/tmp is writable");
		CHECK(strstr(out, "no-shadow") != NULL, "no /etc/shadow");
		CHECK(strstr(out, "no-sys") != NULL, "no /sys");
		CHECK(strstr(out, "1000     100000          1") != NULL, "uid 1000 maps to host 100000");
		{
			/* the kernel's limit, not a copy a tool like valgrind keeps */
			char lim[96];
			snprintf(lim, sizeof(lim), "%-25s %-20u %-20u", "Max open files", jp.nofile, jp.nofile);
			CHECK(strstr(out, lim) != NULL, "RLIMIT_NOFILE is %u in the kernel", jp.nofile);
		}
		if (tap_failed)
			printf("# output:\n%s\n", out);
	}

	{
		char *argv[] = { (char *)"/nonexistent/binary", NULL };
		int st = run_in_jail(j, "exec-2", argv, out, sizeof(out), &err, &stage);
		(void)st;
		CHECK(err == -ENOENT && stage == JAIL_STAGE_EXEC,
		      "a failing exec is reported as stage exec (err %d stage %s)", err,
		      jail_stage_name(stage));
	}

	{
		struct jail_run run;
		struct jail_proc *p = NULL;
		struct cgroup_usage u;
		int status = 0;
		memset(&run, 0, sizeof(run));
		run.name = "exec-3";
		run.limits.memory_bytes = 32 << 20;
		run.limits.pids_max = 8;
		run.limits.cpu_percent = 100;
		run.cpu_seconds = 2;
		for (int i = 0; i < 5; i++)
			run.fds[i] = -1;
		run.payload = exit_payload;
		run.payload_arg = (void *)7L;
		r = jail_spawn(j, &run, &p, &stage);
		CHECK(r == 0, "in-process payload spawns");
		if (r == 0) {
			for (int i = 0; i < 5000 && (r = jail_proc_reap(p, &status, &u)) == 0; i++)
				usleep(1000);
			CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7, "in-process payload exit code");
			jail_proc_free(p);
		}
	}

	test_async_verdict(j);

	{
		uint64_t t0 = time_now_us();
		for (int i = 0; i < 20; i++) {
			struct jail_run run;
			struct jail_proc *p = NULL;
			struct cgroup_usage u;
			int status = 0;
			char n2[32];
			snprintf(n2, sizeof(n2), "loop-%d", i);
			memset(&run, 0, sizeof(run));
			run.name = n2;
			run.limits.memory_bytes = 32 << 20;
			run.limits.pids_max = 8;
			run.limits.cpu_percent = 100;
			run.cpu_seconds = 2;
			for (int k = 0; k < 5; k++)
				run.fds[k] = -1;
			run.payload = exit_payload;
			run.payload_arg = (void *)0L;
			if (jail_spawn(j, &run, &p, &stage) < 0)
				break;
			while (jail_proc_reap(p, &status, &u) == 0)
				usleep(100);
			jail_proc_free(p);
		}
		printf("# 20 jails built and torn down in %.1f ms\n", (double)(time_now_us() - t0) / 1000.0);
	}

	jail_free(j);
	{
		char path[256];
		struct stat st;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/pids/%s", name);
		CHECK(stat(path, &st) < 0 && errno == ENOENT, "cgroup subtree removed (%s)", path);
	}
	return tap_done();
}
