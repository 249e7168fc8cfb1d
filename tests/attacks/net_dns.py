# attack: resolve outside names (example.com, pypi.org), by getaddrinfo and
#    gethostbyname, and by `getent hosts`
# why: no network and an empty resolv.conf: resolution fails; "localhost" still
#    resolves from the generated /etc/hosts (the control)
# expect-result: all(v.startswith("gaierror") for v in result["outside"].values())
# expect-result: result["getent"] != 0 and result["localhost"] == "127.0.0.1"
# timeout: 5

import socket
import subprocess


def main():
    outside = {}
    for host in ("example.com", "pypi.org", "github.com."):
        try:
            outside["getaddrinfo " + host] = str(socket.getaddrinfo(host, 443)[0][4])
        except socket.gaierror as e:
            outside["getaddrinfo " + host] = "gaierror %s" % e
        try:
            outside["gethostbyname " + host] = socket.gethostbyname(host)
        except socket.gaierror as e:
            outside["gethostbyname " + host] = "gaierror %s" % e
    getent = subprocess.run(["/usr/bin/getent", "hosts", "example.com"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
    return {"outside": outside, "getent": getent, "localhost": socket.gethostbyname("localhost")}
