# attack: read /etc for the host's users, groups, name service and hosts
# why: /etc is generated for the jail: three users, three groups, files-only
#    name service, an empty resolv.conf, only localhost in hosts
# expect-result: result["users"] == ["nobody", "root", "sandbox"]
# expect-result: result["groups"] == ["nogroup", "root", "sandbox"]
# expect-result: result["resolv"] == "" and set(result["hosts_names"]) <= {"localhost", "pyexec", "ip6-localhost"}
# expect-result: set(result["hosts_addrs"]) <= {"127.0.0.1", "::1"}
# expect-result: set(result["etc"]) <= {"passwd", "group", "hosts", "hostname", "nsswitch.conf", "resolv.conf", "ld.so.cache", "alternatives", "python3", "python3.11", "localtime", "mime.types", "ssl", "timezone"}
# expect-result: result["me"] == ["sandbox", 1000]
# timeout: 3

import os
import pwd


def names(path):
    return sorted(line.split(":")[0] for line in open(path) if line.strip())


def main():
    hosts_names, hosts_addrs = set(), set()
    for line in open("/etc/hosts"):
        fields = line.split("#")[0].split()
        if fields:
            hosts_addrs.add(fields[0])
            hosts_names.update(fields[1:])
    me = pwd.getpwuid(os.getuid())
    return {"users": names("/etc/passwd"), "groups": names("/etc/group"),
            "resolv": open("/etc/resolv.conf").read(), "hosts_names": sorted(hosts_names),
            "hosts_addrs": sorted(hosts_addrs), "etc": sorted(os.listdir("/etc")),
            "me": [me.pw_name, me.pw_uid]}
