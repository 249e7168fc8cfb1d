/*
 * pyexecd entry point: chooses the role and supervises the others.
 *
 * Process layout (privilege separation, OpenSSH style):
 *
 *   supervisor (root)     binds the port, forks the two roles, forwards
 *     |                   SIGTERM, reaps; holds no request data
 *     +-- spawner (root)  builds jails, runs scripts; talks only to the
 *     |     |             front, over one SOCK_SEQPACKET socketpair
 *     |     +-- jail      per execution: fresh namespaces, uid 1000
 *     +-- front (nobody)  HTTP + JSON parsing of untrusted input, no
 *                         capabilities, no_new_privs, seccomp (no exec,
 *                         no new processes or sockets)
 *
 * If either role dies unexpectedly the supervisor stops the other and
 * exits non-zero, so a platform's restart policy brings up a clean pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "http/front.h"
#include "jail/seccomp.h"
#include "spawner/spawner.h"
#include "util/log.h"

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

static void log_int(const char *event, const char *key, long v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%ld", v);
	log_event(LOG_INFO, event, key, buf, NULL);
}

int main(int argc, char **argv)
{
	struct pyexec_config cfg;
	int sp[2], listen_fd, r, rc = 0;
	pid_t spawner, front;
	sigset_t mask, old;

	r = config_parse(&cfg, argc, argv);
	if (r < 0)
		return 2;
	if (r > 0)
		return 0;
	log_init("supervisor", cfg.debug_log ? LOG_DEBUG : LOG_INFO);

	if (geteuid() != 0) {
		log_event(LOG_ERROR, "not_root", "error",
			  "pyexecd must start as root: it creates namespaces and cgroups, "
			  "then drops root in every process that handles requests",
			  NULL);
		return 1;
	}
	{
		char *json = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&json, &len);
		if (mem) {
			config_print_json(&cfg, mem);
			fclose(mem);
			log_event(LOG_INFO, "config", "effective", json ? json : "", NULL);
			free(json);
		}
	}

	listen_fd = bind_listener(&cfg);
	if (listen_fd < 0) {
		log_event(LOG_ERROR, "bind_failed", "address", cfg.bind_address, "error",
			  strerror(-listen_fd), NULL);
		return 1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		log_event(LOG_ERROR, "socketpair_failed", "error", strerror(errno), NULL);
		return 1;
	}

	/* Signals are handled synchronously below; children restore the defaults. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);

	spawner = fork();
	if (spawner < 0)
		return 1;
	if (spawner == 0) {
		close(listen_fd);
		close(sp[0]);
		sigprocmask(SIG_SETMASK, &old, NULL);
		_exit(spawner_main(&cfg, sp[1]));
	}
	close(sp[1]);

	front = fork();
	if (front < 0) {
		kill(spawner, SIGTERM);
		return 1;
	}
	if (front == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		log_set_role("front");
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		r = drop_privileges(&cfg);
		if (r < 0) {
			log_event(LOG_ERROR, "drop_privileges_failed", "error", strerror(-r), NULL);
			_exit(1);
		}
		r = confine_front();
		if (r < 0) {
			log_event(LOG_ERROR, "front_seccomp_failed", "error", strerror(-r), NULL);
			_exit(1);
		}
		_exit(http_front_run(&cfg, listen_fd, sp[0]) == 0 ? 0 : 1);
	}
	close(sp[0]);
	close(listen_fd);
	log_int("started", "port", (long)cfg.port);

	bool stopping = false;
	for (bool front_alive = true, spawner_alive = true; front_alive || spawner_alive;) {
		int sig = 0, status;
		pid_t w;

		if (sigwait(&mask, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
			log_event(LOG_INFO, "shutdown_requested", NULL);
			stopping = true;
			/* The front drains in-flight requests, then the spawner sees EOF. */
			if (front_alive)
				kill(front, SIGTERM);
			continue;
		}
		while ((w = waitpid(-1, &status, WNOHANG)) > 0) {
			bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			if (w == front) {
				front_alive = false;
				if (!clean) {
					log_int("front_died", "status", status);
					rc = 1;
				}
				/* Without a front the spawner gets EOF and stops by itself. */
			} else if (w == spawner) {
				spawner_alive = false;
				/* During shutdown the spawner may be reaped before the front. */
				if (!clean || (front_alive && !stopping)) {
					log_int("spawner_died", "status", status);
					rc = 1;
					if (front_alive)
						kill(front, SIGTERM);
				}
			}
		}
	}
	log_event(LOG_INFO, "stopped", NULL);
	return rc;
}
