/*
 * pyexecd entry point: parses the configuration and chooses the role.
 *
 * Process layout (privilege separation, OpenSSH style; src/supervisor/):
 *
 *   supervisor (root)     binds the port, forks the two roles, restarts a
 *     |                   dead or hung spawner, forwards SIGTERM
 *     +-- spawner (root)  builds jails, runs scripts (warm: also the zygote);
 *     |     |             talks only to the front, over one SOCK_SEQPACKET pair
 *     |     +-- jail      per execution: fresh namespaces, uid 1000
 *     +-- front (65534)   HTTP + JSON parsing of untrusted input; no
 *                         capabilities, no_new_privs, seccomp (no exec, no
 *                         new processes or sockets)
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <string.h>

#include "cli/run.h"
#include "config.h"
#include "supervisor/supervisor.h"
#include "util/log.h"
#include "util/proctitle.h"

int main(int argc, char **argv)
{
	struct pyexec_config cfg;
	int r;

	if (argc >= 2 && strcmp(argv[1], "run") == 0)
		return cli_run(argc, argv);
	proctitle_init(argc, argv);
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
	return supervisor_main(&cfg);
}
