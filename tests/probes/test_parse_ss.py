"""ss parsing on recorded output from a Debian host, including the cases that bite."""

from __future__ import annotations

from probes.parse.ps import parse_ps
from probes.parse.ss import parse_proc_net, parse_ss
from probes.services import classify

RECORDED = """\
udp   UNCONN 0      0            0.0.0.0:3478       0.0.0.0:*    users:(("turnserver",pid=77,fd=12),("turnserver",pid=77,fd=13))
tcp   LISTEN 0      244          0.0.0.0:5432       0.0.0.0:*    users:(("postgres",pid=812,fd=6))
tcp   LISTEN 0      244             [::]:5432          [::]:*    users:(("postgres",pid=812,fd=7))
tcp   LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("nginx",pid=901,fd=6),("nginx",pid=900,fd=6))
tcp   LISTEN 0      100        127.0.0.1:8080       0.0.0.0:*    users:(("java",pid=1200,fd=40))
tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=1,fd=3))
tcp   LISTEN 0      80         127.0.0.1:3306       0.0.0.0:*
"""
PS = """\
    1 sshd            sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups
  812 postgres        /usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main
  900 nginx           nginx: master process /usr/sbin/nginx
 1200 java            /usr/bin/java -Dcatalina.base=/var/lib/tomcat9 org.apache.catalina.startup.Bootstrap start
    2 kthreadd        [kthreadd]
"""


def test_parse_and_classify_recorded_output() -> None:
    sockets = parse_ss(RECORDED)
    assert len(sockets) == 8  # one per (owner, address, port); the unowned 3306 kept once
    by_engine = {s.engine: s for s in classify(sockets, parse_ps(PS))}
    assert set(by_engine) == {"coturn", "postgresql", "nginx", "tomcat", "mysql"}
    assert by_engine["tomcat"].role == "application"  # a java process, recognised by its command line
    assert by_engine["coturn"].role == "av"
    assert by_engine["mysql"].matched_by == "port"  # no owner visible: says so
    assert by_engine["postgresql"].matched_by == "process"
    assert {(s.address, s.port) for s in by_engine["postgresql"].sockets} == {("0.0.0.0", 5432), ("::", 5432)}
    assert by_engine["nginx"].pids == (900, 901)


def test_proc_net_fallback() -> None:
    table = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000:1538 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 1 1\n"
        "   1: 0100007F:0CEA 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n"
    )
    [sock] = parse_proc_net(table, "tcp")
    assert (sock.address, sock.port, sock.process) == ("0.0.0.0", 5432, None)
