/*
 * Route table (see route.h).  One row per endpoint; the order of the rows
 * is the order of enum http_route.
 */
#include "http/route.h"

#include <string.h>

#include "util/macros.h"

static const struct {
	const char *path;
	const char *method; /* the method to suggest */
	bool head;          /* HEAD is answered too (as GET without the body, by MHD) */
	const char *allow;
} routes[] = {
	[ROUTE_EXECUTE] = { "/execute", "POST", false, "POST" },
	[ROUTE_HEALTH] = { "/health", "GET", true, "GET, HEAD" },
	[ROUTE_METRICS] = { "/metrics", "GET", true, "GET, HEAD" },
	[ROUTE_OPENAPI] = { "/openapi.json", "GET", true, "GET, HEAD" },
};

enum http_route route_find(const char *url)
{
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++)
		if (strcmp(url, routes[i].path) == 0)
			return (enum http_route)i;
	return ROUTE_OTHER;
}

bool route_method_ok(enum http_route route, const char *method)
{
	if ((unsigned)route >= ARRAY_SIZE(routes))
		return false;
	return strcmp(method, routes[route].method) == 0 ||
	       (routes[route].head && strcmp(method, "HEAD") == 0);
}

const char *route_name(enum http_route route)
{
	return (unsigned)route < ARRAY_SIZE(routes) ? routes[route].path : "other";
}

const char *route_allow(enum http_route route)
{
	return (unsigned)route < ARRAY_SIZE(routes) ? routes[route].allow : NULL;
}

const char *route_method(enum http_route route)
{
	return (unsigned)route < ARRAY_SIZE(routes) ? routes[route].method : NULL;
}
