#include "util/proctitle.h"

#include <stddef.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static char *area;
static size_t area_len;

void proctitle_init(int argc, char **argv)
{
	char *end;

	if (argc <= 0 || !argv[0])
		return;
	/* The kernel lays argv then envp strings out back to back; take the contiguous run. */
	end = argv[0];
	for (int i = 0; i < argc && argv[i] == end; i++)
		end = argv[i] + strlen(argv[i]) + 1;
	for (size_t i = 0; environ && environ[i]; i++)
		if (environ[i] == end)
			end = environ[i] + strlen(environ[i]) + 1;
	area = argv[0];
	area_len = (size_t)(end - argv[0]);
}

void proctitle_wipe(const char *title)
{
	size_t n;

	if (!area || area_len < 2)
		return;
	memset(area, 0, area_len);
	n = strlen(title);
	if (n > area_len - 1)
		n = area_len - 1;
	memcpy(area, title, n);
}
