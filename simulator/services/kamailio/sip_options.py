"""Send one SIP OPTIONS over UDP and print the status line of the answer (readiness check)."""

import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
    sock.settimeout(2)
    sock.bind(("127.0.0.1", 0))
    local = sock.getsockname()[1]
    request = (
        f"OPTIONS sip:ping@{host}:{port} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK-ihcheck-sim\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:ihcheck@127.0.0.1>;tag=ihcheck\r\n"
        f"To: <sip:ping@{host}>\r\n"
        "Call-ID: ihcheck-sim-ready@127.0.0.1\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Content-Length: 0\r\n\r\n"
    )
    sock.sendto(request.encode(), (host, port))
    print(sock.recv(4096).decode(errors="replace").splitlines()[0])
