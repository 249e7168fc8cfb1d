/*
 * The spawner: the small privileged process that builds jails.
 *
 * Single-threaded event loop over one SOCK_SEQPACKET socket to the front:
 * IPC_EXEC in, IPC_RESULT out.  It queues executions beyond the slot count,
 * runs each in a fresh jail, collects its three output channels (result,
 * stdout, stderr) with hard caps, enforces the wall-clock timeout, and
 * cleans up every process, fd and cgroup before answering.
 */
#pragma once

#include "config.h"
#include "util/macros.h"

/*
 * Runs until the front hangs up or SIGTERM; returns the process exit code.
 * beat_fd: the supervisor's heartbeat pipe (supervisor.h), or -1.
 * Call it in a process of its own (a fork): it first wipes the API keys
 * in *cfg (config_forget_secrets()), const notwithstanding.
 */
int spawner_main(const struct pyexec_config *cfg, int front_sock, int beat_fd);
