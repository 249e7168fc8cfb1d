/*
 * `pyexecd run [flags] FILE.py`: runs one script through the same sandbox
 * and answer-building code as the daemon, without HTTP, and prints the
 * JSON body the daemon would have sent.  For debugging scripts and for
 * shell use.  FILE "-" reads the script from stdin.  Exit status: 0 when
 * the script succeeded, 1 when it failed, 2 for a usage error.
 */
#pragma once

int cli_run(int argc, char **argv);
