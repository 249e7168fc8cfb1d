# attack: look for secrets and the daemon's own files: /work, the repository,
#    the daemon's work dir and log, /root/.ssh, /etc/shadow, /etc/ssh,
#    /etc/sudoers, host logs, /boot, the host's /tmp
# why: none of these exist in the jail
# expect-result: result["present"] == []
# expect-result: result["var"] in ([], ["tmp"]) and result["home"] == [] and result["root"] == []
# timeout: 3

import os

PATHS = ["/work", "/work/main", "{{REPO}}", "{{REPO}}/build/pyexecd", "{{WORKDIR}}", "/root/.ssh",
         "/root/.bash_history", "/etc/shadow", "/etc/gshadow", "/etc/ssh", "/etc/sudoers",
         "/etc/machine-id", "/etc/pyexec", "/var/log", "/var/lib", "/var/run", "/run",
         "/boot", "/srv", "/opt", "/mnt", "/media", "/lost+found", "/sys", "/tmp/pytest-of-root",
         "/home/sandbox/.ssh", "/usr/local/etc/pyexec"]


def main():
    present = [p for p in PATHS if os.path.lexists(p)]
    return {"present": present, "var": sorted(os.listdir("/var")),
            "home": os.listdir("/home"), "root": os.listdir("/root")}
