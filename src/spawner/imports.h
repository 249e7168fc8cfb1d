/*
 * Which top-level modules a script's import statements name, read from
 * its raw bytes without running or parsing Python.
 *
 * The spawner uses the answer only to choose an interpreter: a script
 * whose every named module is already loaded in the lean one may run
 * there, any other goes to the full one.  So the scan is a hint, tuned to
 * err one way: a name reported that the script does not really import
 * (a false positive) only sends it to the full interpreter, and an import
 * missed only costs the lean one the time to import it at run time.
 * Nothing about isolation depends on it.
 *
 * The input is hostile (any bytes, not necessarily UTF-8 or Python, up to
 * the script cap): the scan never reads outside text[0..len), allocates
 * nothing, does not recurse, and runs in one pass, linear in len.
 *
 * What counts as an import statement:
 *  - a statement starts at the beginning of the text (after a UTF-8 BOM,
 *    which Python skips), after '\n' or '\r', after ';' or after ':',
 *    then optional spaces, tabs and form feeds; `import` and `from` count
 *    only there, and only as whole words (the next byte is not an
 *    identifier byte);
 *  - `import a.b as x, c` names "a" and "c"; `from a.b import c, d` names
 *    "a" only (c and d are attributes); a relative `from . import x`,
 *    `from .a import b`, `from ..a import b` names "." (length 1);
 *  - between the parts of a statement, spaces, tabs, form feeds and
 *    backslash line continuations (backslash then "\n", "\r\n" or "\r");
 *  - identifiers are [A-Za-z_][A-Za-z0-9_]*, with every byte >= 0x80 an
 *    identifier byte (Python allows Unicode identifiers);
 *  - anything unexpected ends the statement: the names read up to there
 *    are reported, the rest of the statement is skipped.
 *
 * Strings and comments are not skipped.  Telling them apart needs a real
 * tokenizer (nested quotes, prefixes, triple quotes, f-strings), and
 * ignoring them only adds false positives: a line "import x" inside a
 * docstring is reported.  Likewise every newline starts a statement,
 * even one inside brackets or after a backslash, so a `from` that begins
 * such a line is read as a statement (`raise E \` then a line `from err`
 * reports "err").  What is missed: imports that are not statements
 * (__import__(), importlib.import_module(), exec of a string), and
 * source whose coding declaration makes its bytes differ from the text
 * Python runs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Receives one module name: name[0..len) points into the scanned text
 * (not NUL-terminated, len > 0, valid only during imports_each()).
 * Returns true to go on, false to stop the scan.
 */
typedef bool (*imports_fn)(const char *name, size_t len, void *arg);

/*
 * Calls fn(name, len, arg) once for each module an import statement in
 * text[0..len) names, with the first component of its dotted name only
 * ("a" for a.b.c, "." for a relative import), in text order; a module
 * named twice is reported twice.  text may be NULL when len is 0.
 * Returns false as soon as fn returns false (no further calls), true
 * when the whole text was scanned.
 */
bool imports_each(const char *text, size_t len, imports_fn fn, void *arg);
