/*
 * The HTTP front: the unprivileged, network-facing role.  It parses and
 * validates requests, asks the spawner to run scripts over the IPC socket
 * and turns the spawner's answers into HTTP responses.  It never runs
 * Python and holds no privilege, so a bug here exposes no more than the
 * front's own uid.
 *
 * Routes (http/route.h):
 *   GET|HEAD /health        answered at once from the front's own state
 *   POST /execute           validated, then run in the sandbox
 *   GET|HEAD /metrics       Prometheus text format (http/metrics.h)
 *   GET|HEAD /openapi.json  the API's OpenAPI 3 description (docs/openapi.json)
 *   other paths 404, other methods on those paths 405 (with Allow)
 * With API keys configured, /execute (and /metrics with --metrics-auth)
 * answer 401 with WWW-Authenticate unless the request carries
 * "Authorization: Bearer <key>".  Every answer but /metrics is JSON with
 * Content-Type application/json; every answer carries X-Request-Id.
 */
#pragma once

#include "config.h"
#include "util/macros.h"

/*
 * Serves HTTP on listen_fd (a socket already bound and listening) and talks
 * to the spawner on spawner_sock (the front's end of the SOCK_SEQPACKET
 * socketpair; the spawner says IPC_HELLO first).  ctl_fd is the
 * supervisor's control socket (SOCK_SEQPACKET), or -1: each message on it
 * is the byte 'S' carrying the socket of a restarted spawner, which then
 * replaces spawner_sock.  Runs until SIGTERM or SIGINT: then stops
 * accepting connections, waits (at most cfg->timeout_max_ms + 5 s) for the
 * executions in flight to be answered, and returns 0.  Returns -errno if
 * the server could not be started.
 *
 * Takes ownership of the three fds: they are closed before returning, on
 * every path.  The caller must already have dropped privileges.  SIGTERM and
 * SIGINT are blocked in the calling thread (and so in every thread the
 * front creates) while it runs and taken with sigwaitinfo(); SIGPIPE is
 * set to SIG_IGN for the process.  cfg must outlive the call.
 */
int http_front_run(const struct pyexec_config *cfg, int listen_fd, int spawner_sock,
		   int ctl_fd) _wur_;
