"""The harness's own checks, where a wrong answer would blame or excuse the
daemon: these run without one."""
import e2e_util as u


def test_cgroup_names_are_matched_exactly():
    # A daemon's leak check looks for its own directories only.  A CI run
    # blamed a daemon whose pid was a prefix of 17721 for pyexec-17721, which
    # a daemon killed earlier had left.
    assert u.names_daemon("pyexec-1772", 1772)
    assert u.names_daemon("pyexec-1772-daemon", 1772)
    for other in ("pyexec-17721", "pyexec-177", "pyexec-17721-daemon", "xpyexec-1772",
                  "pyexec-1772-x", "exec-1772"):
        assert not u.names_daemon(other, 1772), other
