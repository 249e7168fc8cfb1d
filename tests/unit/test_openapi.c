/*
 * http/openapi: the embedded document is the JSON the daemon serves, so
 * it must parse, say OpenAPI 3.0, and describe every route of http/route
 * with the methods the front answers.
 */
#include <jansson.h>
#include <string.h>

#include "http/openapi.h"
#include "http/route.h"
#include "tap.h"

int main(void)
{
	json_error_t e;
	json_t *doc = json_loadb(pyexec_openapi_json, pyexec_openapi_json_len, 0, &e);
	json_t *paths = json_object_get(doc, "paths");
	const char *v = json_string_value(json_object_get(doc, "openapi"));

	CHECK(doc != NULL, "docs/openapi.json parses%s%s", doc ? "" : ": ", doc ? "" : e.text);
	CHECK(strlen(pyexec_openapi_json) == pyexec_openapi_json_len, "embedded without NULs");
	CHECK(v && strncmp(v, "3.0.", 4) == 0, "openapi 3.0.x (%s)", v ? v : "(none)");
	for (int r = 0; r < ROUTE_OTHER; r++) {
		const char *name = route_name((enum http_route)r);
		const char *m = r == ROUTE_EXECUTE ? "post" : "get";
		json_t *op = json_object_get(json_object_get(paths, name), m);

		CHECK(op && json_object_get(json_object_get(op, "responses"), "200") &&
			      json_object_get(json_object_get(op, "responses"), "405"),
		      "%s %s is described with 200 and 405", m, name);
	}
	CHECK(json_object_size(paths) == ROUTE_OTHER, "no path the front does not serve");
	json_decref(doc);
	return tap_done();
}
