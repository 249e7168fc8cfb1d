/*
 * Supervisor (see supervisor.h).
 *
 * Invariants: it never parses request data; it owns the listening socket
 * only until the front has it; it kills and removes only what its own
 * spawner created (the cgroup directories that spawner reported, which
 * must lie below /sys/fs/cgroup and be named after this daemon).
 */
#include "supervisor/supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http/front.h"
#include "jail/seccomp.h"
#include "spawner/spawner.h"
#include "util/fd.h"
#include "util/log.h"
#include "util/proctitle.h"
#include "util/time.h"

#define WATCHDOG_US (30u * 1000000u)    /* no heartbeat for this long: hung */
#define RESTART_WINDOW_US (60u * 1000000u)
#define RESTARTS_PER_WINDOW 5
#define MAX_DIRS 8

struct supervisor {
	const struct pyexec_config *cfg;
	pid_t front, spawner;
	int ctl;      /* our end of the control socket to the front */
	int beat_fd;  /* read end of the current spawner's heartbeat pipe */
	uint64_t last_beat;
	char linebuf[PATH_MAX + 8];
	size_t linelen;
	char *dirs[MAX_DIRS]; /* cgroup subtrees the current spawner reported */
	size_t ndirs;
	size_t dirs_removed; /* subtrees cleaned after spawners, for the final log line */
	uint64_t window_start;
	unsigned restarts_in_window;
	unsigned long restarts;
	bool stopping;
};

/* ---- spawner side ---- */

void supervisor_link_beat(int fd)
{
	static uint64_t last;
	uint64_t now = time_now_us();

	if (fd < 0 || now - last < 500000)
		return;
	last = now;
	/* Non-blocking: a slow supervisor must never stall the spawner. */
	if (write(fd, "b", 1) < 0)
		return;
}

void supervisor_link_report_dir(int fd, const char *dir)
{
	char line[PATH_MAX + 8];
	int n;

	if (fd < 0 || !dir || !*dir)
		return;
	n = snprintf(line, sizeof(line), "D%s\n", dir);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (fd_write_all(fd, line, (size_t)n) < 0)
		return;
}

/* ---- supervisor side ---- */

static int bind_listener(const struct pyexec_config *cfg)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[16];
	int fd = -1, one = 1, r;

	snprintf(port, sizeof(port), "%u", cfg->port);
	r = getaddrinfo(cfg->bind_address, port, &hints, &res);
	if (r != 0)
		return -EINVAL;
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		goto fail;
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		goto fail;
	if (listen(fd, 1024) < 0)
		goto fail;
	freeaddrinfo(res);
	return fd;
fail:
	r = neg_errno();
	if (fd >= 0)
		close(fd);
	freeaddrinfo(res);
	return r;
}

/* The front keeps no privilege: no root uid, no groups, no capabilities, no way back. */
static int drop_privileges(const struct pyexec_config *cfg)
{
	if (setgroups(0, NULL) < 0)
		return neg_errno();
	if (setresgid(cfg->front_gid, cfg->front_gid, cfg->front_gid) < 0)
		return neg_errno();
	if (setresuid(cfg->front_uid, cfg->front_uid, cfg->front_uid) < 0)
		return neg_errno();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return neg_errno();
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return neg_errno();
	/* Regaining root must be impossible. */
	if (setuid(0) == 0)
		return -EPERM;
	return 0;
}

/* Before any thread exists, so every thread of the front inherits the filter. */
static int confine_front(void)
{
	struct jail_seccomp *filter = NULL;
	int r = jail_seccomp_new_front(&filter);

	if (r < 0)
		return r;
	r = jail_seccomp_apply(filter);
	jail_seccomp_free(filter);
	return r;
}

static void log_num(enum log_level lvl, const char *event, const char *key, long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	log_event(lvl, event, key, buf, NULL);
}

static void forget_dirs(struct supervisor *s)
{
	for (size_t i = 0; i < s->ndirs; i++)
		free(s->dirs[i]);
	s->ndirs = 0;
}

/* A reported directory must be one of ours: under /sys/fs/cgroup, named pyexec-<our pid>. */
static bool dir_is_ours(const char *dir)
{
	char want[32];
	const char *base = strrchr(dir, '/');

	snprintf(want, sizeof(want), "pyexec-%d", (int)getpid());
	return strncmp(dir, "/sys/fs/cgroup/", 15) == 0 && !strstr(dir, "/../") && base &&
	       strcmp(base + 1, want) == 0;
}

static void on_beat_data(struct supervisor *s)
{
	char buf[512];
	ssize_t n;

	while ((n = read(s->beat_fd, buf, sizeof(buf))) > 0) {
		s->last_beat = time_now_us();
		for (ssize_t i = 0; i < n; i++) {
			char c = buf[i];
			if (s->linelen == 0 && c == 'b')
				continue;
			if (c == '\n') {
				s->linebuf[s->linelen] = '\0';
				if (s->linebuf[0] == 'D' && dir_is_ours(s->linebuf + 1) &&
				    s->ndirs < MAX_DIRS) {
					s->dirs[s->ndirs] = strdup(s->linebuf + 1);
					if (s->dirs[s->ndirs])
						s->ndirs++;
				}
				s->linelen = 0;
			} else if (s->linelen + 1 < sizeof(s->linebuf)) {
				s->linebuf[s->linelen++] = c;
			}
		}
	}
}

/* Kills what is still listed in a cgroup directory, bounded. */
static void empty_cgroup(const char *dir)
{
	char path[PATH_MAX + 16];

	if (strlen(dir) >= PATH_MAX)
		return;
	memcpy(path, dir, strlen(dir) + 1);
	strcat(path, "/cgroup.procs");
	for (int round = 0; round < 50; round++) {
		FILE *f = fopen(path, "re");
		bool any = false;
		int pid;
		if (!f)
			return;
		while (fscanf(f, "%d", &pid) == 1) {
			if (pid > 1 && pid != getpid()) {
				kill(pid, SIGKILL);
				any = true;
			}
		}
		fclose(f);
		if (!any)
			return;
		usleep(10000);
	}
}

/*
 * rmdir, waiting out EBUSY for about a second; 0 or -errno.  Success is
 * checked, not assumed: the directory must be gone afterwards.  (A CI run
 * once found a subtree still present, empty, after a clean stop that had
 * logged no failure; if rmdir ever reports success or ENOENT for a
 * directory that is still there, this says so and keeps trying.)
 */
static int rmdir_patiently(const char *dir)
{
	bool said = false;

	for (int k = 0;; k++) {
		int r = rmdir(dir) == 0 ? 0 : -errno;

		if (r == 0 || r == -ENOENT) {
			if (access(dir, F_OK) < 0 && errno == ENOENT)
				return 0;
			if (!said) {
				log_event(LOG_WARN, "cgroup_rmdir_but_present", "path", dir, "rmdir",
					  r == 0 ? "ok" : "ENOENT", NULL);
				said = true;
			}
			r = -EEXIST;
		}
		if ((r != -EBUSY && r != -EEXIST) || k >= 100)
			return r;
		usleep(10000);
	}
}

static void remove_leftover_dir(const char *dir)
{
	int r;

	empty_cgroup(dir);
	r = rmdir_patiently(dir);
	if (r < 0)
		log_event(LOG_ERROR, "cgroup_leftover", "path", dir, "error", strerror(-r), NULL);
}

/*
 * Removes what a dead spawner left: execution directories below each
 * subtree it reported, the subtree, and a v2 "-daemon" leaf beside it.
 * What cannot be removed is logged: it would be a leak.
 */
static void remove_leftovers(struct supervisor *s)
{
	for (size_t i = 0; i < s->ndirs; i++) {
		const char *dir = s->dirs[i];
		char sub[PATH_MAX + 300];
		DIR *d = opendir(dir);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (de->d_type != DT_DIR || de->d_name[0] == '.')
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
				remove_leftover_dir(sub);
			}
			closedir(d);
		}
		remove_leftover_dir(dir);
		snprintf(sub, sizeof(sub), "%s-daemon", dir);
		(void)rmdir(sub);
	}
	s->dirs_removed += s->ndirs;
	forget_dirs(s);
}

/*
 * cgroup v2 with the daemon in a cgroup of its own (a systemd service, a
 * container): the "no internal processes" rule forbids enabling
 * controllers for child groups while processes sit in that cgroup.  Before
 * forking anything, while we are its only process, we move ourselves into
 * a leaf "<own>/pyexec-<pid>-daemon"; every daemon process is then born
 * there and the spawner manages <own> (cgroup_v2.c).  Only our own pid is
 * ever moved.  Returns true when it moved us.
 */
static bool adopt_leaf(const struct pyexec_config *cfg, char *own, size_t own_size)
{
	char path[PATH_MAX + 64], line[PATH_MAX];
	struct statfs sfs;
	FILE *f;
	bool found = false;
	int pid, n = 0;

	if (cfg->cgroup != CGROUP_WANT_AUTO && cfg->cgroup != CGROUP_WANT_V2)
		return false;
	if (statfs("/sys/fs/cgroup", &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return false;
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(own, own_size, "%s", line + 3);
			found = true;
		}
	}
	fclose(f);
	if (!found || strstr(own, ".."))
		return false;
	/*
	 * "/" is either the real root (no rule to work around) or, in a
	 * container with its own cgroup namespace, the container's cgroup:
	 * only non-root cgroups have cgroup.type.
	 */
	if (strcmp(own, "/") == 0) {
		if (access("/sys/fs/cgroup/cgroup.type", F_OK) < 0)
			return false;
		own[0] = '\0';
	}
	/* Only when we are alone there: other processes are not ours to move. */
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.procs", own);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fscanf(f, "%d", &pid) == 1) {
		n++;
		if (pid != getpid())
			n = 1000;
	}
	fclose(f);
	if (n != 1)
		return false;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/pyexec-%d-daemon", own, (int)getpid());
	if (mkdir(path, 0755) < 0)
		return false;
	strcat(path, "/cgroup.procs");
	f = fopen(path, "we");
	if (!f || fprintf(f, "%d", (int)getpid()) < 0 || fclose(f) != 0) {
		path[strlen(path) - strlen("/cgroup.procs")] = '\0';
		(void)rmdir(path);
		return false;
	}
	return true;
}

/* Undoes adopt_leaf() at exit: back into <own>, then remove the leaf. */
static void leave_leaf(const char *own)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.procs", own);
	f = fopen(path, "we");
	if (!f)
		return;
	fprintf(f, "%d", (int)getpid());
	if (fclose(f) != 0)
		return; /* controllers still enabled there: stay, leave the leaf */
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/pyexec-%d-daemon", own, (int)getpid());
	for (int k = 0; k < 100 && rmdir(path) < 0 && errno == EBUSY; k++)
		usleep(10000);
}

static int start_spawner(struct supervisor *s, int *front_end)
{
	int sp[2], beat[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return neg_errno();
	if (pipe2(beat, O_CLOEXEC | O_NONBLOCK) < 0) {
		int r = neg_errno();
		close(sp[0]);
		close(sp[1]);
		return r;
	}
	pid = fork();
	if (pid < 0) {
		int r = neg_errno();
		close(sp[0]);
		close(sp[1]);
		close(beat[0]);
		close(beat[1]);
		return r;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close(sp[0]);
		close(beat[0]);
		if (s->ctl >= 0)
			close(s->ctl);
		if (s->beat_fd >= 0)
			close(s->beat_fd);
		_exit(spawner_main(s->cfg, sp[1], beat[1]));
	}
	close(sp[1]);
	close(beat[1]);
	if (s->beat_fd >= 0)
		close(s->beat_fd);
	s->beat_fd = beat[0];
	s->linelen = 0;
	s->spawner = pid;
	s->last_beat = time_now_us();
	*front_end = sp[0];
	return 0;
}

/* One byte plus the new spawner socket, to the front's broker. */
static int hand_to_front(struct supervisor *s, int fd)
{
	return fd_send_with_fd(s->ctl, "S", 1, fd, 0);
}

static bool may_restart(struct supervisor *s)
{
	uint64_t now = time_now_us();
	if (now - s->window_start > RESTART_WINDOW_US) {
		s->window_start = now;
		s->restarts_in_window = 0;
	}
	return ++s->restarts_in_window <= RESTARTS_PER_WINDOW;
}

static int restart_spawner(struct supervisor *s)
{
	int fd, r;

	remove_leftovers(s);
	if (!may_restart(s)) {
		log_event(LOG_ERROR, "spawner_restart_limit", "error",
			  "the spawner keeps dying; giving up", NULL);
		return -EAGAIN;
	}
	r = start_spawner(s, &fd);
	if (r < 0)
		return r;
	r = hand_to_front(s, fd);
	close(fd);
	s->restarts++;
	log_num(LOG_WARN, "spawner_restarted", "restarts", (long)s->restarts);
	return r;
}

int supervisor_main(const struct pyexec_config *cfg)
{
	struct supervisor s = { .cfg = cfg, .front = -1, .spawner = -1, .ctl = -1, .beat_fd = -1 };
	int listen_fd, front_end = -1, ctl[2], sigfd, r, rc = 0;
	bool front_alive = true, spawner_alive = true, in_leaf;
	char own_cgroup[PATH_MAX];
	sigset_t mask;

	listen_fd = bind_listener(cfg);
	if (listen_fd < 0) {
		log_event(LOG_ERROR, "bind_failed", "address", cfg->bind_address, "error",
			  strerror(-listen_fd), NULL);
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		log_event(LOG_ERROR, "socketpair_failed", "error", strerror(errno), NULL);
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigfd < 0)
		return 1;

	in_leaf = adopt_leaf(cfg, own_cgroup, sizeof(own_cgroup));
	s.window_start = time_now_us();
	r = start_spawner(&s, &front_end);
	if (r < 0) {
		log_event(LOG_ERROR, "spawner_start_failed", "error", strerror(-r), NULL);
		return 1;
	}

	s.front = fork();
	if (s.front < 0) {
		kill(s.spawner, SIGTERM);
		return 1;
	}
	if (s.front == 0) {
		sigset_t none;
		close(ctl[1]);
		close(s.beat_fd);
		close(sigfd);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		log_set_role("front");
		proctitle_wipe("pyexec-front");
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		r = drop_privileges(cfg);
		if (r < 0) {
			log_event(LOG_ERROR, "drop_privileges_failed", "error", strerror(-r), NULL);
			_exit(1);
		}
		r = confine_front();
		if (r < 0) {
			log_event(LOG_ERROR, "front_seccomp_failed", "error", strerror(-r), NULL);
			_exit(1);
		}
		_exit(http_front_run(cfg, listen_fd, front_end, ctl[0]) == 0 ? 0 : 1);
	}
	close(ctl[0]);
	close(front_end);
	close(listen_fd);
	s.ctl = ctl[1];
	log_num(LOG_INFO, "started", "port", (long)cfg->port);

	while (front_alive || spawner_alive) {
		struct pollfd pfd[2] = { { .fd = sigfd, .events = POLLIN },
					 { .fd = s.beat_fd, .events = POLLIN } };
		struct signalfd_siginfo si;
		int status;
		pid_t w;

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			on_beat_data(&s);
		while (read(sigfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			log_event(LOG_INFO, "shutdown_requested", NULL);
			s.stopping = true;
			/* The front drains in-flight requests, then the spawner sees EOF. */
			if (front_alive)
				kill(s.front, SIGTERM);
		}
		if (spawner_alive && !s.stopping && time_now_us() - s.last_beat > WATCHDOG_US) {
			log_event(LOG_ERROR, "spawner_hung", "action", "killing it", NULL);
			kill(s.spawner, SIGKILL);
			s.last_beat = time_now_us();
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (w == s.front) {
				front_alive = false;
				if (!clean) {
					log_num(LOG_ERROR, "front_died", "status", status);
					rc = 1;
				}
				/* Without a front the spawner gets EOF and stops by itself. */
			} else if (w == s.spawner) {
				on_beat_data(&s);
				spawner_alive = false;
				if (s.stopping || !front_alive) {
					if (!clean) {
						log_num(LOG_ERROR, "spawner_died", "status", status);
						rc = 1;
					}
					remove_leftovers(&s);
					continue;
				}
				log_num(LOG_ERROR, "spawner_died", "status", status);
				if (restart_spawner(&s) == 0) {
					spawner_alive = true;
				} else {
					rc = 1;
					if (front_alive)
						kill(s.front, SIGTERM);
				}
			}
		}
	}
	forget_dirs(&s);
	if (in_leaf)
		leave_leaf(own_cgroup);
	close(s.ctl);
	if (s.beat_fd >= 0)
		close(s.beat_fd);
	close(sigfd);
	log_num(LOG_INFO, "stopped", "cgroup_subtrees_checked", (long)s.dirs_removed);
	return rc;
}
