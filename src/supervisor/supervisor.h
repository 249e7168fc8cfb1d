/*
 * The supervisor: the daemon's first process.  It binds the port, starts
 * the spawner and the front, and keeps the pair alive:
 *
 *  - SIGTERM/SIGINT: forwarded to the front, which drains in-flight work;
 *    the spawner then sees EOF and stops; exit 0.
 *  - the spawner (warm mode: the zygote) dies, or stops sending
 *    heartbeats: it is killed if needed, whatever cgroups it left are
 *    removed, and a new one is started and handed to the front over the
 *    control socket.  The front answers the executions that were in
 *    flight with 503 and serves later ones from the new spawner.
 *  - the front dies: the daemon exits non-zero (a platform restarts it).
 */
#pragma once

#include "config.h"

/* Runs the daemon; returns the process exit code. */
int supervisor_main(const struct pyexec_config *cfg);

/*
 * Spawner side of the supervision channel (a pipe): a heartbeat byte,
 * rate-limited, and once at start the cgroup subtree directories.
 */
void supervisor_link_beat(int fd);
void supervisor_link_report_dir(int fd, const char *dir);
