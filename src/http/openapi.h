/*
 * The OpenAPI 3 description of the HTTP API, served at GET /openapi.json.
 *
 * The text is docs/openapi.json, embedded into the binary at build time
 * by scripts/embed.sh (Makefile: build/gen/openapi_json.c), so the served
 * document is always the one the daemon was built with.  Static storage,
 * NUL-terminated; pyexec_openapi_json_len excludes the terminator.
 */
#pragma once

extern const char pyexec_openapi_json[];
extern const unsigned long pyexec_openapi_json_len;
