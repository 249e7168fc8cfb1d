/*
 * Cold payload: execve(python3 -I -B -c <runner>).  -I keeps the host's
 * PYTHON* variables, user site-packages and the cwd out of sys.path; the
 * runner travels in argv so no file of ours needs to exist in the jail.
 * The environment is built from scratch: nothing of the daemon's leaks in,
 * except OpenBLAS's CPU-detection overrides, which some hosts need for
 * numpy to work at all.
 */
#include "spawner/payload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct payload {
	char python[256];
	char *argv[7];
	char *envp[16];
	char envbuf[16][256];
};

int payload_cold_new(const struct pyexec_config *cfg, struct payload **out)
{
	static const char *const fixed_env[] = {
		"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
		"PYTHONDONTWRITEBYTECODE=1", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1",
		"MKL_NUM_THREADS=1", "USER=sandbox", "LOGNAME=sandbox",
	};
	static const char *const passthrough[] = { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE" };
	struct payload *p = calloc(1, sizeof(*p));
	size_t n = 0;

	if (!p)
		return -ENOMEM;
	snprintf(p->python, sizeof(p->python), "%s", cfg->python);
	p->argv[0] = (char *)"python3";
	p->argv[1] = (char *)"-I";
	p->argv[2] = (char *)"-B";
	p->argv[3] = (char *)"-c";
	p->argv[4] = (char *)pyexec_runner_source;
	p->argv[5] = NULL;
	for (size_t i = 0; i < ARRAY_SIZE(fixed_env); i++) {
		snprintf(p->envbuf[n], sizeof(p->envbuf[n]), "%s", fixed_env[i]);
		p->envp[n] = p->envbuf[n];
		n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(passthrough); i++) {
		const char *v = getenv(passthrough[i]);
		if (!v || strlen(v) > 200)
			continue;
		snprintf(p->envbuf[n], sizeof(p->envbuf[n]), "%s=%s", passthrough[i], v);
		p->envp[n] = p->envbuf[n];
		n++;
	}
	p->envp[n] = NULL;
	*out = p;
	return 0;
}

void payload_free(struct payload *p)
{
	free(p);
}

int payload_cold_run(void *arg)
{
	struct payload *p = arg;
	execve(p->python, p->argv, p->envp);
	return neg_errno();
}
