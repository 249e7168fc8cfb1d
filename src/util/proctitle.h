/*
 * Overwrites the process's original argv and environment strings in place.
 *
 * Why: /proc/<pid>/cmdline and /proc/<pid>/environ read that memory, not
 * libc's environ.  A warm jail is a fork of the spawner, so without this a
 * script could read the daemon's command line and its whole start-up
 * environment (API keys included) at /proc/1/environ.
 */
#pragma once

/* Records the argv/environ area; call first thing in main(). */
void proctitle_init(int argc, char **argv);

/*
 * Zeroes the area and writes title at its start.  Afterwards getenv()
 * finds nothing the process started with: call it once the configuration
 * has been read.
 */
void proctitle_wipe(const char *title);
