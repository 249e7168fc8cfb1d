/*
 * One execution, the daemon's way: a spawner process is forked exactly as
 * the supervisor does, and this process plays the front's part over the
 * same socketpair (hello and status, one IPC_EXEC with a sealed memfd, one
 * IPC_RESULT), then builds the body with response.c.  Nothing of the
 * sandbox is re-implemented here, so what `run` shows is what the service
 * does.
 */
#include "cli/run.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "http/response.h"
#include "ipc/proto.h"
#include "spawner/spawner.h"
#include "util/fd.h"
#include "util/log.h"

static int read_script(const char *path, uint64_t max, char **out, size_t *len)
{
	_cleanup_close_ int fd = strcmp(path, "-") == 0 ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	size_t alloc = 65536, n = 0;
	char *buf;

	if (fd < 0)
		return neg_errno();
	buf = malloc(alloc);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;
		if (n == alloc) {
			char *nb;
			if (alloc > max) {
				free(buf);
				return -EFBIG;
			}
			nb = realloc(buf, alloc * 2);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			alloc *= 2;
		}
		k = read(fd, buf + n, alloc - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return neg_errno();
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n > max) {
		free(buf);
		return -EFBIG;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int exchange(const struct pyexec_config *cfg, int sock, const char *script, size_t len,
		    struct response *resp)
{
	const struct ipc_limits lim = {
		.max_script_bytes = cfg->max_script_bytes,
		.max_result_bytes = cfg->max_result_bytes,
		.max_output_bytes = cfg->max_output_bytes,
		.timeout_max_ms = cfg->timeout_max_ms,
		.memory_max_bytes = cfg->memory_max_bytes,
	};
	const void *bufs[1] = { script };
	size_t lens[1] = { len };
	union ipc_msg m;
	_cleanup_close_ int memfd = -1, outfd = -1;
	_cleanup_free_ char *outputs = NULL;
	struct response_exec ex = { .cfg = cfg, .request_id = "cli",
				    .timeout_ms = cfg->timeout_default_ms,
				    .memory_bytes = cfg->memory_default_bytes };
	uint64_t total;
	int r;

	r = ipc_recv(sock, &lim, &m, &outfd);
	if (r < 0 || m.h.type != IPC_HELLO)
		return r < 0 ? r : -EPROTO;
	closep(&outfd);

	memfd = fd_memfd_from("pyexec-script", bufs, lens, 1);
	if (memfd < 0)
		return memfd;
	memset(&m, 0, sizeof(m));
	m.exec.h.type = IPC_EXEC;
	m.exec.h.id = 1;
	m.exec.timeout_ms = cfg->timeout_default_ms;
	m.exec.memory_bytes = cfg->memory_default_bytes;
	m.exec.script_len = len;
	r = ipc_send(sock, &m, memfd);
	if (r < 0)
		return r;

	/* Status updates (IPC_STATUS) may come before the result: /health's, not ours. */
	do {
		closep(&outfd);
		r = ipc_recv(sock, &lim, &m, &outfd);
	} while (r == 0 && m.h.type == IPC_STATUS);
	if (r < 0 || m.h.type != IPC_RESULT || m.h.id != 1)
		return r < 0 ? r : -EPROTO;
	total = m.result.result_len + m.result.stdout_len + m.result.stderr_len;
	r = fd_check_sealed(outfd, total);
	if (r < 0)
		return r;
	r = fd_read_sealed(outfd, total, &outputs);
	if (r < 0)
		return r;
	return response_from_result(&m.result, &ex, outputs, m.result.result_len,
				    outputs + m.result.result_len, m.result.stdout_len,
				    outputs + m.result.result_len + m.result.stdout_len,
				    m.result.stderr_len, resp);
}

int cli_run(int argc, char **argv)
{
	struct pyexec_config cfg;
	struct response resp = { 0 };
	_cleanup_free_ char *script = NULL;
	size_t len = 0;
	const char *file;
	int sp[2], r, status;
	pid_t spawner;

	/* argv: "pyexecd" "run" [flags] FILE */
	if (argc < 3) {
		fprintf(stderr, "usage: pyexecd run [flags] FILE.py   (FILE - reads stdin)\n");
		return 2;
	}
	file = argv[argc - 1];
	argv[argc - 1] = argv[0];
	r = config_parse(&cfg, argc - 2, argv + 1);
	argv[argc - 1] = (char *)file;
	if (r != 0)
		return r > 0 ? 0 : 2;
	log_init("run", cfg.debug_log ? LOG_DEBUG : LOG_WARN);
	if (geteuid() != 0) {
		fprintf(stderr, "pyexecd run: must run as root (it builds the same sandbox as the daemon)\n");
		return 2;
	}
	r = read_script(file, cfg.max_script_bytes, &script, &len);
	if (r < 0) {
		fprintf(stderr, "pyexecd run: %s: %s\n", file, strerror(-r));
		return 2;
	}
	if (len == 0) {
		fprintf(stderr, "pyexecd run: %s: empty script\n", file);
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return 1;
	spawner = fork();
	if (spawner < 0)
		return 1;
	if (spawner == 0) {
		close(sp[0]);
		_exit(spawner_main(&cfg, sp[1], -1));
	}
	close(sp[1]);
	r = exchange(&cfg, sp[0], script, len, &resp);
	close(sp[0]); /* the spawner sees EOF, cleans up and exits */
	while (waitpid(spawner, &status, 0) < 0 && errno == EINTR)
		;
	if (r < 0) {
		fprintf(stderr, "pyexecd run: the sandbox failed: %s\n", strerror(-r));
		return 1;
	}
	fwrite(resp.body, 1, resp.body_len, stdout);
	fputc('\n', stdout);
	r = resp.status == 200 ? 0 : 1;
	response_release(&resp);
	return r;
}
