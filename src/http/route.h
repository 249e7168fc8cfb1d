/*
 * The front's routes: which path is which endpoint, which methods it
 * takes, and the names metrics use for it.  Pure and allocation-free.
 *
 * Matching is exact on the path MHD hands over (the query string is
 * already split off); anything else is ROUTE_OTHER, answered 404.
 */
#pragma once

#include <stdbool.h>

enum http_route {
	ROUTE_EXECUTE, /* POST */
	ROUTE_HEALTH,  /* GET, HEAD */
	ROUTE_METRICS, /* GET, HEAD */
	ROUTE_OPENAPI, /* GET, HEAD */
	ROUTE_OTHER,   /* any path not above: 404 */
	ROUTE__COUNT
};

/* The route of url. */
enum http_route route_find(const char *url);

/* Whether method is one the route answers (always false for ROUTE_OTHER). */
bool route_method_ok(enum http_route route, const char *method);

/* "/execute", "/health", "/metrics", "/openapi.json", or "other": also the metrics label. */
const char *route_name(enum http_route route);

/* The Allow header for a 405 ("POST" or "GET, HEAD"), NULL for ROUTE_OTHER. */
const char *route_allow(enum http_route route);

/* The one method to suggest in a 405 message ("POST" or "GET"), NULL for ROUTE_OTHER. */
const char *route_method(enum http_route route);
