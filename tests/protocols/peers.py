"""Peers for the protocol tests: real daemons (dcmtk storescp, a pynetdicom SCP, hl7apy's MLLP server,
openssl s_server, an HTTP server serving a real CapabilityStatement) and hostile ones that misbehave on
purpose (silent, endless, stalling). All on loopback with free ports, stopped when the test ends."""

from __future__ import annotations

import json
import socket
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.daemons import _stop, free_port, require, wait_for_port

CAPABILITY = {
    "resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-01", "kind": "instance",
    "software": {"name": "ihcheck-test-fhir", "version": "1.0"}, "fhirVersion": "4.0.1",
    "format": ["json"], "implementation": {"description": "test"},
    "rest": [{"mode": "server", "resource": [{"type": t, "interaction": [{"code": "read"}]}
                                              for t in ("Patient", "Observation", "DiagnosticReport")]}],
}

DCMTK_STORESCP = "/usr/bin/storescp"


@contextmanager
def storescp(aet: str = "PACS", tls: tuple[Path, Path] | None = None) -> Iterator[int]:
    """dcmtk's storescp: a real DICOM SCP that answers Verification; over TLS with `tls` (key, certificate)."""
    # dcmtk's, by path: pynetdicom installs its own `storescp` into the venv's bin, which a test that puts that
    # folder first on PATH makes the one found (it failed CI as "argument port: invalid int value: 'PACS'").
    require(DCMTK_STORESCP)
    # A free port can be taken by another test's daemon between free_port() and storescp's bind, and storescp then
    # exits at once (it failed CI once as "nothing listening after 20 s"): try a new port, and say why at the end.
    with tempfile.TemporaryFile() as log:
        for attempt in range(3):
            port = free_port()
            secure = ["+tls", str(tls[0]), str(tls[1]), "-pw", "-vc"] if tls else []
            proc = subprocess.Popen([DCMTK_STORESCP, *secure, "--aetitle", aet, "--output-directory",
                                     tempfile.gettempdir(), str(port)], stdout=log, stderr=subprocess.STDOUT)
            try:
                wait_for_port(port, process=proc)
                break
            except TimeoutError:
                _stop(proc)
                if attempt == 2:
                    log.seek(0)
                    said = log.read().decode(errors="replace").strip()[-400:]
                    raise TimeoutError(f"storescp did not listen after 3 tries: {said!r}") from None
        try:
            yield port
        finally:
            _stop(proc)


@contextmanager
def pynetdicom_scp(aet: str = "PACS", *, require_called_aet: bool = True, verification: bool = True) -> Iterator[int]:
    """pynetdicom's own SCP: rejects a wrong called AE title when asked to, or offers no Verification."""
    from pynetdicom import AE
    from pynetdicom.sop_class import (  # type: ignore[attr-defined]
        PatientRootQueryRetrieveInformationModelFind,
        Verification,
    )

    ae = AE(ae_title=aet)
    ae.require_called_aet = require_called_aet
    ae.add_supported_context(Verification if verification else PatientRootQueryRetrieveInformationModelFind)
    port = free_port()
    server = ae.start_server(("127.0.0.1", port), block=False)
    assert server is not None
    try:
        yield port
    finally:
        server.shutdown()


@contextmanager
def mllp_server(reply: Callable[[Any], Any], tls: tuple[Path, Path] | None = None) -> Iterator[int]:
    """hl7apy's MLLP server; `reply(message)` builds the ACK from the parsed message; inside TLS with `tls`
    (key, certificate)."""
    from hl7apy.mllp import AbstractHandler, MLLPServer

    class Handler(AbstractHandler):  # type: ignore[misc]
        def reply(self) -> str:
            from hl7apy.parser import parse_message

            return str(reply(parse_message(self.incoming_message, find_groups=False)).to_mllp())

    handlers = {t: (Handler,) for t in ("NMQ^N01^NMQ_N01", "QRY^A19^QRY_A19")}
    port = free_port()
    server = MLLPServer("127.0.0.1", port, handlers, timeout=5)
    if tls is not None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[1]), str(tls[0]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def ack(code: str, text: str = "") -> Callable[[Any], Any]:
    """An ACK per HL7 v2: MSA-1 `code`, MSA-2 the incoming control id, MSA-3 `text`, an ERR when rejecting."""
    from hl7apy.core import Message

    def build(incoming: Any) -> Any:
        msg = Message("ACK", version="2.5")
        msg.msh.msh_3 = "HIS"
        msg.msh.msh_4 = "HOSPITAL"
        msg.msh.msh_9 = "ACK^N01^ACK"
        msg.msh.msh_10 = "ACK" + incoming.msh.msh_10.value
        msg.msh.msh_11 = incoming.msh.msh_11.value
        msg.add_segment("MSA")
        msg.msa.msa_1 = code
        msg.msa.msa_2 = incoming.msh.msh_10.value
        if text:
            msg.msa.msa_3 = text
        if code in ("AE", "AR"):
            msg.add_segment("ERR")
            msg.err.err_3 = "207^Application internal error^HL70357"
            msg.err.err_4 = "E"
            msg.err.err_8 = text or "rejected"
        return msg

    return build


@contextmanager
def http_server(respond: Callable[[BaseHTTPRequestHandler], None], *, tls: tuple[Path, Path] | None = None
                ) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):
                respond(self)

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if tls is not None:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def capability(handler: BaseHTTPRequestHandler, statement: dict[str, Any] | None = None) -> None:
    if handler.path.rstrip("/").endswith("/metadata"):
        send(handler, 200, json.dumps(statement or CAPABILITY).encode(), "application/fhir+json")
    else:
        send(handler, 404, b'{"resourceType": "OperationOutcome"}', "application/fhir+json")


@contextmanager
def raw_peer(behaviour: Callable[[socket.socket], None]) -> Iterator[int]:
    """A TCP peer that accepts and then does `behaviour` with each connection (hostile peers)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_guard, args=(behaviour, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        stop.set()
        thread.join()
        listener.close()


def _guard(behaviour: Callable[[socket.socket], None], conn: socket.socket) -> None:
    with conn, suppress(OSError):
        behaviour(conn)


def silent(conn: socket.socket) -> None:
    """Accept, read whatever comes, answer nothing, until the client gives up."""
    conn.settimeout(30)
    while conn.recv(65536):
        pass


def endless(prefix: bytes, filler: bytes = b"A" * 65536) -> Callable[[socket.socket], None]:
    """Answer `prefix` and then an endless stream: an MLLP frame that never ends, a body that never stops."""
    def behave(conn: socket.socket) -> None:
        conn.settimeout(30)
        conn.recv(65536)
        conn.sendall(prefix)
        for _ in range(2000):  # 128 MiB at most, far past every cap
            conn.sendall(filler)

    return behave


def then_silent(reply: bytes) -> Callable[[socket.socket], None]:
    def behave(conn: socket.socket) -> None:
        conn.settimeout(30)
        conn.recv(65536)
        conn.sendall(reply)
        while conn.recv(65536):
            pass

    return behave


def recording_mllp(frames: list[bytes]) -> AbstractContextManager[int]:
    """A real MLLP peer on a socket that keeps every frame it is sent (to read back what ihcheck sent, byte for
    byte) and ACKs AA for the control id it finds."""
    def behave(conn: socket.socket) -> None:
        conn.settimeout(10)
        data = b""
        while b"\x1c\r" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        frames.append(data)
        msh = data.split(b"\r", 1)[0].split(b"|")
        control = msh[9] if len(msh) > 9 else b"?"
        conn.sendall(b"\x0bMSH|^~\\&|HIS|H|||20260101||ACK^N01^ACK|A1|D|2.5\rMSA|AA|" + control + b"\x1c\r")

    return raw_peer(behave)


def association_ac(calling: str = "IHCHECK", called: str = "PACS") -> bytes:
    """An A-ASSOCIATE-AC accepting ihcheck's Verification context: what a peer that then misbehaves sends first."""
    from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RQ

    from probes.protocols import dicom

    rq = A_ASSOCIATE_RQ()
    rq.decode(dicom.associate_rq(calling, called))
    primitive = rq.to_primitive()
    primitive.result = 0
    primitive.presentation_context_definition_results_list = list(primitive.presentation_context_definition_list)
    for context in primitive.presentation_context_definition_results_list:
        accepted: Any = context
        accepted.result = 0
        accepted.transfer_syntax = accepted.transfer_syntax[:1]
    ac = A_ASSOCIATE_AC()
    ac.from_primitive(primitive)
    return bytes(ac.encode())


# --- certificates, made in the test with cryptography ---------------------------------------------------------

def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, issuer: str, key: Any, signer: Any, *, days: tuple[int, int], names: list[str],
          ca: bool = False) -> x509.Certificate:
    import ipaddress

    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now + timedelta(days=days[0])).not_valid_after(now + timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if names:
        alt: list[x509.GeneralName] = []
        for n in names:
            try:
                alt.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                alt.append(x509.DNSName(n))
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False,
                                                      key_encipherment=False, data_encipherment=False,
                                                      key_agreement=False, key_cert_sign=True, crl_sign=True,
                                                      encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(signer, hashes.SHA256())


def _write(path: Path, cert: x509.Certificate, key: Any) -> tuple[Path, Path]:
    path.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = path / "cert.pem", path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def certificates(workdir: Path) -> dict[str, tuple[Path, Path]]:
    """A test CA (ca.pem) and four server certificates: good, expired, self-signed, wrong-name."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("ihcheck test CA", "ihcheck test CA", ca_key, ca_key, days=(-10, 3650), names=[], ca=True)
    (workdir / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    made = {}
    for kind, subject, days, names, self_signed in (
        ("good", "localhost", (-1, 365), ["localhost", "127.0.0.1"], False),
        ("expired", "localhost", (-400, -35), ["localhost", "127.0.0.1"], False),
        ("self-signed", "localhost", (-1, 365), ["localhost", "127.0.0.1"], True),
        ("wrong-name", "platform.elsewhere.example", (-1, 365), ["platform.elsewhere.example"], False),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(subject, subject if self_signed else "ihcheck test CA", key, key if self_signed else ca_key,
                     days=days, names=names)
        made[kind] = _write(workdir / kind, cert, key)
    return made


@contextmanager
def s_server(cert: Path, key: Path) -> Iterator[int]:
    """openssl s_server presenting `cert`."""
    require("openssl")
    port = free_port()
    proc = subprocess.Popen(["openssl", "s_server", "-quiet", "-accept", f"127.0.0.1:{port}", "-cert", str(cert),
                             "-key", str(key)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        yield port
    finally:
        _stop(proc)
