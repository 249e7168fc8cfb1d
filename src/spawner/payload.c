/*
 * Both payloads (see payload.h).
 *
 * The jail's environment is built from scratch: nothing of the daemon's
 * environment (which may hold API keys) reaches a script, except
 * OpenBLAS's CPU-detection overrides, which some hosts need for numpy to
 * work at all.  In warm mode the spawner replaces its own environment with
 * that one before starting Python, since os.environ is captured then and
 * inherited by every fork.
 *
 * Cold: -I keeps PYTHON* variables, user site-packages and the cwd out of
 * sys.path; the runner travels in argv so no file of ours has to exist in
 * the jail.
 *
 * Warm: CPython embedded with an isolated configuration (the -I
 * equivalent), OpenBLAS/OpenMP limited to one thread before numpy is
 * imported (the spawner must stay single-threaded to fork safely), and
 * gc.freeze() after the imports so a child's collections do not touch, and
 * so copy, the zygote's pages.
 */
#include "spawner/payload.h"

#include "spawner/forkmem.h"
#include "spawner/hotpages.h"
#include "spawner/imports.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fd.h"

#include <Python.h>

#define MAX_ENV 16

struct payload {
	enum exec_mode mode;
	char python[256];
	char version[32];
	char *argv[6];
	char *envp[MAX_ENV + 1];
	char envbuf[MAX_ENV][256];
	PyObject *run_fn;     /* warm: runner.run */
	PyObject *prepare_fn; /* warm: runner.prepare */
	PyObject *warmup_fn;  /* warm: runner.warmup */
	bool prepared;        /* set in a jail (a fork) once payload_prepare() ran */
	/* the preloads' top-level names ("scipy.stats": scipy), each NUL-ended, then an empty one */
	char preload_names[sizeof(((struct pyexec_config *)0)->preload) + 1];
	/* warm: the top-level names of every module loaded before the preload list, each NUL-ended */
	char *lean_names;
	size_t lean_names_len;
	/* warm: the zygote pages an execution writes (hotpages.h), per kind of script */
	struct hotpages *pages[PAYLOAD_PAGES__N];
	enum payload_pages next_pages; /* the set the next child copies (payload_use_pages) */
};

static const char *const fixed_env[] = {
	"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8",
	"PYTHONDONTWRITEBYTECODE=1", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1",
	"MKL_NUM_THREADS=1", "USER=sandbox", "LOGNAME=sandbox",
};
static const char *const passthrough[] = { "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE" };

static void build_env(struct payload *p)
{
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(fixed_env); i++) {
		snprintf(p->envbuf[n], sizeof(p->envbuf[n]), "%s", fixed_env[i]);
		p->envp[n] = p->envbuf[n];
		n++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(passthrough) && n < MAX_ENV; i++) {
		const char *v = getenv(passthrough[i]);
		if (!v || strlen(v) > 200)
			continue;
		snprintf(p->envbuf[n], sizeof(p->envbuf[n]), "%s=%s", passthrough[i], v);
		p->envp[n] = p->envbuf[n];
		n++;
	}
	p->envp[n] = NULL;
}

/* Formats the pending Python exception into buf (for the start-up error). */
static void python_error(char *buf, size_t len)
{
	PyObject *type, *value, *tb, *s;

	PyErr_Fetch(&type, &value, &tb);
	s = value ? PyObject_Str(value) : NULL;
	snprintf(buf, len, "%s: %s", type ? ((PyTypeObject *)type)->tp_name : "error",
		 s && PyUnicode_Check(s) ? PyUnicode_AsUTF8(s) : "?");
	Py_XDECREF(s);
	Py_XDECREF(type);
	Py_XDECREF(value);
	Py_XDECREF(tb);
}

static char reason[512]; /* the start-up error *why points at */

/* Imports every module of the comma-separated list.  0, or -ENOENT with *why. */
static int import_list(const char *list, const char **why)
{
	char copy[sizeof(((struct pyexec_config *)0)->preload)];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *mod = strtok_r(copy, ",", &save); mod; mod = strtok_r(NULL, ",", &save)) {
		PyObject *m;
		while (*mod == ' ')
			mod++;
		if (!*mod)
			continue;
		m = PyImport_ImportModule(mod);
		if (!m) {
			char err[256];
			python_error(err, sizeof(err));
			snprintf(reason, sizeof(reason), "cannot preload '%s': %s", mod, err);
			*why = reason;
			return -ENOENT;
		}
		Py_DECREF(m);
	}
	return 0;
}

/* The top-level names of sys.modules now, into p->lean_names.  0 or -ENOMEM. */
static int snapshot_module_names(struct payload *p)
{
	PyObject *mods = PySys_GetObject("modules"); /* borrowed */
	PyObject *key, *value;
	Py_ssize_t pos = 0;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf || !mods || !PyDict_Check(mods)) {
		free(buf);
		return -ENOMEM;
	}
	while (PyDict_Next(mods, &pos, &key, &value)) {
		const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
		size_t top;

		(void)value;
		if (!name || strchr(name, '.')) /* "os.path": its package is there too */
			continue;
		top = strlen(name);
		if (len + top + 1 > cap) {
			char *nb = realloc(buf, cap * 2 + top);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap * 2 + top;
		}
		memcpy(buf + len, name, top + 1);
		len += top + 1;
	}
	PyErr_Clear();
	p->lean_names = buf;
	p->lean_names_len = len;
	return 0;
}

static int warm_init(struct payload *p, const struct pyexec_config *cfg, const char **why)
{
	PyConfig pc;
	PyStatus st;
	PyObject *code = NULL, *ns = NULL;
	int r = -EINVAL;

	/* os.environ is captured at start-up and inherited by every jail. */
	if (clearenv() != 0)
		return -ENOMEM;
	for (size_t i = 0; p->envp[i]; i++)
		if (putenv(p->envp[i]) != 0)
			return -ENOMEM;

	forkmem_before_python();
	/*
	 * The locale a python3 started with this environment has (LANG is
	 * C.UTF-8): an isolated pre-configuration leaves LC_CTYPE at "C", and
	 * Python then encodes file names, open()'s text and os.environ in ASCII,
	 * so a warm script could not write "café" where a cold one can.
	 */
	{
		PyPreConfig pre;
		PyPreConfig_InitIsolatedConfig(&pre);
		pre.configure_locale = 1;
		st = Py_PreInitialize(&pre);
		if (PyStatus_Exception(st)) {
			*why = "python pre-configuration";
			return -EINVAL;
		}
	}
	PyConfig_InitIsolatedConfig(&pc);
	pc.write_bytecode = 0;
	pc.install_signal_handlers = 0;
	pc.buffered_stdio = 1;
	st = PyConfig_SetBytesString(&pc, &pc.program_name, cfg->python);
	if (PyStatus_Exception(st)) {
		PyConfig_Clear(&pc);
		*why = "python config";
		return -EINVAL;
	}
	st = Py_InitializeFromConfig(&pc);
	PyConfig_Clear(&pc);
	if (PyStatus_Exception(st)) {
		snprintf(reason, sizeof(reason), "cannot initialise Python: %s",
			 st.err_msg ? st.err_msg : "?");
		*why = reason;
		return -EINVAL;
	}

	/* What both zygotes have; the preload list comes later (payload_preload). */
	r = import_list(cfg->lean_preload, why);
	if (r < 0)
		return r;
	r = -EINVAL;

	code = Py_CompileString(pyexec_runner_source, "<pyexec-runner>", Py_file_input);
	ns = PyDict_New();
	if (!code || !ns)
		goto py_fail;
	if (PyDict_SetItemString(ns, "__name__", PyUnicode_FromString("pyexec_runner")) < 0 ||
	    PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) < 0)
		goto py_fail;
	{
		PyObject *res = PyEval_EvalCode(code, ns, ns);
		if (!res)
			goto py_fail;
		Py_DECREF(res);
	}
	p->run_fn = PyDict_GetItemString(ns, "run");
	if (!p->run_fn || !PyCallable_Check(p->run_fn)) {
		*why = "the runner defines no run()";
		goto out;
	}
	Py_INCREF(p->run_fn);
	p->prepare_fn = PyDict_GetItemString(ns, "prepare");
	if (!p->prepare_fn || !PyCallable_Check(p->prepare_fn)) {
		*why = "the runner defines no prepare()";
		goto out;
	}
	Py_INCREF(p->prepare_fn);
	p->warmup_fn = PyDict_GetItemString(ns, "warmup");
	if (!p->warmup_fn || !PyCallable_Check(p->warmup_fn)) {
		*why = "the runner defines no warmup()";
		goto out;
	}
	Py_INCREF(p->warmup_fn);
	r = snapshot_module_names(p);
	if (r < 0)
		*why = "cannot list the loaded modules";
	goto out;
py_fail: {
	char err[256];
	python_error(err, sizeof(err));
	snprintf(reason, sizeof(reason), "cannot load the runner: %s", err);
	*why = reason;
}
out:
	Py_XDECREF(code);
	Py_XDECREF(ns);
	return r;
}

/* "numpy, scipy.stats" -> "numpy\0scipy\0\0" into out (as large as list + 1). */
static void preload_names(const char *list, char *out)
{
	char copy[sizeof(((struct pyexec_config *)0)->preload)];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", list);
	for (char *mod = strtok_r(copy, ", ", &save); mod; mod = strtok_r(NULL, ", ", &save)) {
		size_t top = strcspn(mod, ".");
		memcpy(out, mod, top);
		out[top] = '\0';
		out += top + 1;
	}
	*out = '\0';
}

int payload_new(const struct pyexec_config *cfg, struct payload **out, const char **why)
{
	struct payload *p = calloc(1, sizeof(*p));
	const char *ver;
	size_t n;
	int r;

	if (!p)
		return -ENOMEM;
	p->mode = cfg->mode;
	snprintf(p->python, sizeof(p->python), "%s", cfg->python);
	preload_names(cfg->preload, p->preload_names);
	p->argv[0] = (char *)"python3";
	p->argv[1] = (char *)"-I";
	p->argv[2] = (char *)"-B";
	p->argv[3] = (char *)"-c";
	p->argv[4] = (char *)pyexec_runner_source;
	p->argv[5] = NULL;
	build_env(p);

	if (p->mode == EXEC_MODE_WARM) {
		r = warm_init(p, cfg, why);
		if (r < 0) {
			free(p);
			return r;
		}
	}
	/* libpython is the same Debian package as /usr/bin/python3. */
	ver = Py_GetVersion();
	n = strcspn(ver, " ");
	if (n >= sizeof(p->version))
		n = sizeof(p->version) - 1;
	memcpy(p->version, ver, n);
	*out = p;
	return 0;
}

void payload_freeze(struct payload *p)
{
	PyObject *gc, *res;

	if (p->mode != EXEC_MODE_WARM)
		return;
	gc = PyImport_ImportModule("gc");
	if (gc) {
		res = PyObject_CallMethod(gc, "collect", NULL);
		Py_XDECREF(res);
		res = PyObject_CallMethod(gc, "freeze", NULL);
		Py_XDECREF(res);
		Py_DECREF(gc);
	}
	PyErr_Clear();
}

void payload_forked(struct payload *p)
{
	if (p->mode != EXEC_MODE_WARM)
		return;
	PyOS_AfterFork_Child();
	payload_freeze(p);
}

int payload_preload(struct payload *p, const struct pyexec_config *cfg, const char **why)
{
	PyObject *res;
	int r;

	if (p->mode != EXEC_MODE_WARM)
		return 0;
	r = import_list(cfg->preload, why);
	if (r < 0)
		return r;
	res = PyObject_CallNoArgs(p->warmup_fn);
	if (!res) {
		char err[256];
		python_error(err, sizeof(err));
		snprintf(reason, sizeof(reason), "warm-up failed: %s", err);
		*why = reason;
		return -EINVAL;
	}
	Py_DECREF(res);
	payload_freeze(p);
	return 0;
}

void payload_free(struct payload *p)
{
	if (!p)
		return;
	/* The warm interpreter lives as long as the process: no Py_Finalize (it may hang on threads). */
	for (size_t i = 0; i < ARRAY_SIZE(p->pages); i++)
		hotpages_free(p->pages[i]);
	free(p->lean_names);
	free(p);
}

bool payload_execs(const struct payload *p)
{
	return p->mode == EXEC_MODE_COLD;
}

const char *payload_python_version(const struct payload *p)
{
	return p->version;
}

int payload_prepare(void *arg)
{
	struct payload *p = arg;
	PyObject *res;

	if (p->mode == EXEC_MODE_COLD || p->prepared)
		return 0;
	/*
	 * First, so that the fix-up below finds its pages copied already.  Not
	 * knowing its script yet, a pre-built jail copies the larger set while
	 * it waits (measured with --pool 2: the pandas example 28 -> 23 ms,
	 * hello and the throughput at c=8 unchanged).
	 */
	(void)hotpages_apply(p->pages[PAYLOAD_PAGES_DATA] ? p->pages[PAYLOAD_PAGES_DATA] :
							    p->pages[PAYLOAD_PAGES_BASE]);
	/* A fork from C: let Python fix its thread state and run at-fork hooks (random's reseed). */
	PyOS_AfterFork_Child();
	res = PyObject_CallNoArgs(p->prepare_fn);
	if (!res)
		return -EIO;
	Py_DECREF(res);
	p->prepared = true;
	return 0;
}

/*
 * Learning the page sets (hotpages.h).  A probe is a plain fork of the
 * zygote that runs the runner on one of the runner's own probe scripts,
 * exactly as a jail would (fds 3 and 4, runner.run(warm=True)), except
 * that the runner's final _exit is replaced with probe_exit(), which
 * reports the pages the child has made its own before it exits.
 */
#define PROBE_TIMEOUT_MS 10000
#define PROBE_PIPE_BYTES (1 << 20) /* > a whole report: the probe never blocks on it */

static int probe_report_fd = -1; /* in a probe child */

static PyObject *probe_exit(PyObject *self, PyObject *code)
{
	(void)self;
	(void)code;
	_exit(hotpages_report_self(probe_report_fd) < 0 ? 1 : 0);
}

static PyMethodDef probe_exit_def = { "probe_exit", probe_exit, METH_O, NULL };

static _Noreturn void probe_child(struct payload *p, int script_fd, int report_fd)
{
	/* Every fd it keeps out of the way of 0-4 before those are replaced. */
	int null = fcntl(open("/dev/null", O_RDWR | O_CLOEXEC), F_DUPFD_CLOEXEC, 10);
	PyObject *globals, *fn, *kwargs;

	probe_report_fd = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
	script_fd = fcntl(script_fd, F_DUPFD_CLOEXEC, 10);
	if (null < 0 || probe_report_fd < 0 || script_fd < 0 || dup2(null, 0) < 0 ||
	    dup2(null, 1) < 0 || dup2(null, 2) < 0 || dup2(script_fd, 3) < 0 || dup2(null, 4) < 0)
		_exit(5);
	/* The data probe comes second: its set then holds the runner's pages too (a jail copies one set). */
	(void)hotpages_apply(p->pages[PAYLOAD_PAGES_BASE]);
	PyOS_AfterFork_Child();
	globals = PyFunction_GetGlobals(p->run_fn);
	fn = PyCFunction_New(&probe_exit_def, NULL);
	if (!globals || !fn || PyDict_SetItemString(globals, "_exit", fn) < 0)
		_exit(6);
	kwargs = Py_BuildValue("{s:O}", "warm", Py_True);
	if (kwargs) {
		PyObject *args = PyTuple_New(0);
		if (args)
			(void)PyObject_Call(p->run_fn, args, kwargs);
	}
	_exit(7);
}

/* Waits up to timeout_ms for pid; kills it at the end.  Its exit status, or -ETIMEDOUT. */
static int probe_wait(pid_t pid, int timeout_ms)
{
	int status = 0;

	for (int waited = 0;; waited += 5) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
		if (w < 0 && errno != EINTR)
			return neg_errno();
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		(void)poll(NULL, 0, 5);
	}
}

static int probe(struct payload *p, const char *script, struct hotpages **out)
{
	_cleanup_close_ int script_fd = -1, rd = -1, wr = -1;
	const void *bufs[1] = { script };
	size_t lens[1] = { strlen(script) };
	int pipefd[2];
	pid_t pid;
	int r;

	script_fd = fd_memfd_from("pyexec-probe", bufs, lens, 1);
	if (script_fd < 0)
		return script_fd;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return neg_errno();
	rd = pipefd[0];
	wr = pipefd[1];
	if (fcntl(wr, F_SETPIPE_SZ, PROBE_PIPE_BYTES) < 0)
		return neg_errno();
	pid = fork();
	if (pid < 0)
		return neg_errno();
	if (pid == 0)
		probe_child(p, script_fd, wr);
	closep(&wr);
	r = probe_wait(pid, PROBE_TIMEOUT_MS);
	if (r != 0)
		return r < 0 ? r : -ECHILD;
	return hotpages_read(rd, out);
}

int payload_learn_pages(struct payload *p, struct payload_pages_stats *st)
{
	static const char *const kinds[PAYLOAD_PAGES__N] = { "base", "data" };
	PyObject *fn;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (p->mode != EXEC_MODE_WARM)
		return 0;
	fn = PyDict_GetItemString(PyFunction_GetGlobals(p->run_fn), "probe_script");
	if (!fn)
		return -ENOENT;
	for (size_t i = 0; i < PAYLOAD_PAGES__N && r == 0; i++) {
		PyObject *src = PyObject_CallFunction(fn, "s", kinds[i]);
		const char *script = src && PyUnicode_Check(src) ? PyUnicode_AsUTF8(src) : NULL;

		if (script)
			r = probe(p, script, &p->pages[i]);
		else if (!src || src != Py_None)
			r = -EIO;
		Py_XDECREF(src);
		PyErr_Clear();
	}
	if (r < 0) {
		for (size_t i = 0; i < PAYLOAD_PAGES__N; i++) {
			hotpages_free(p->pages[i]);
			p->pages[i] = NULL;
		}
		return r;
	}
	{
		/* Without a data set, data scripts copy the base one. */
		const struct hotpages *data = p->pages[PAYLOAD_PAGES_DATA] ? p->pages[PAYLOAD_PAGES_DATA] :
									     p->pages[PAYLOAD_PAGES_BASE];
		st->base_pages = hotpages_pages(p->pages[PAYLOAD_PAGES_BASE]);
		st->base_ranges = hotpages_ranges(p->pages[PAYLOAD_PAGES_BASE]);
		st->data_pages = hotpages_pages(data);
		st->data_ranges = hotpages_ranges(data);
	}
	return 0;
}

static bool is_ident_char(char c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* true if [s, s+n) contains word as a whole identifier. */
static bool names(const char *s, size_t n, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *at = s; (at = memmem(at, n - (size_t)(at - s), word, wlen)); at++) {
		char before = at > s ? at[-1] : ' ';
		char after = (size_t)(at - s) + wlen < n ? at[wlen] : ' ';
		if (!is_ident_char(before) && !is_ident_char(after))
			return true;
	}
	return false;
}

/*
 * Reads the script in pieces on the stack: a large buffer would be memory
 * the zygote shares with its children, and writing it would copy it.  The
 * piece is wiped before returning: this stack is the zygote's, and the
 * next jail forked from it would find the script's text there.
 */
enum payload_pages payload_pages_for(const struct payload *p, int script_fd, uint64_t len)
{
	enum payload_pages which = PAYLOAD_PAGES_BASE;
	char buf[4096 + 64];
	size_t keep = 0;

	if (p->mode != EXEC_MODE_WARM || !p->pages[PAYLOAD_PAGES_DATA] || !p->preload_names[0])
		return PAYLOAD_PAGES_BASE;
	for (uint64_t at = 0; at < len && which == PAYLOAD_PAGES_BASE;) {
		ssize_t n = pread(script_fd, buf + keep, sizeof(buf) - keep, (off_t)at);
		size_t total;

		if (n <= 0)
			break;
		at += (uint64_t)n;
		total = keep + (size_t)n;
		for (const char *w = p->preload_names; *w && which == PAYLOAD_PAGES_BASE;
		     w += strlen(w) + 1)
			if (names(buf, total, w))
				which = PAYLOAD_PAGES_DATA;
		/* A name cut by the piece's end is found in the next one. */
		keep = MIN(total, (size_t)63);
		memmove(buf, buf + total - keep, keep);
	}
	explicit_bzero(buf, sizeof(buf));
	return which;
}

static bool lean_has(const char *name, size_t len, void *arg)
{
	const struct payload *p = arg;

	for (const char *at = p->lean_names; at < p->lean_names + p->lean_names_len;
	     at += strlen(at) + 1)
		if (strlen(at) == len && memcmp(at, name, len) == 0)
			return true;
	return false;
}

bool payload_fits_lean(const struct payload *p, int script_fd, uint64_t len)
{
	void *text;
	bool fits;

	if (p->mode != EXEC_MODE_WARM || !p->lean_names)
		return false;
	if (len == 0)
		return true;
	/* Mapped, not read: a buffer would be zygote memory its next children share. */
	text = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, script_fd, 0);
	if (text == MAP_FAILED)
		return false;
	fits = imports_each(text, (size_t)len, lean_has, (void *)p);
	munmap(text, (size_t)len);
	return fits;
}

void payload_use_pages(struct payload *p, enum payload_pages which)
{
	p->next_pages = which < PAYLOAD_PAGES__N ? which : PAYLOAD_PAGES_BASE;
}

int payload_run(void *arg)
{
	struct payload *p = arg;

	if (p->mode == EXEC_MODE_COLD) {
		execve(p->python, p->argv, p->envp);
		return neg_errno();
	}
	if (!p->prepared) /* a pre-built jail has copied its pages in payload_prepare() */
		(void)hotpages_apply(p->pages[p->next_pages]);
	if (!p->prepared)
		PyOS_AfterFork_Child();
	{
		PyObject *args = PyTuple_New(0);
		PyObject *kwargs = Py_BuildValue("{s:O}", "warm", Py_True);
		PyObject *res = args && kwargs ? PyObject_Call(p->run_fn, args, kwargs) : NULL;
		(void)res;
	}
	/* run() ends the process itself; getting here means the runner broke. */
	_exit(4);
}
