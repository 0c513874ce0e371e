"""Hostile peers: each exchange ends within its timeout, as fail (silent/malformed) with the reason, with
memory bounded by the protocol's cap — and the next exchange still runs."""

from __future__ import annotations

import tracemalloc

from probes.protocols import base, dicom, fhir, hl7, tls
from tests.protocols import peers

TIMEOUT = 2.0
SLACK = 1.5  # the bound asserted is the exchange's own deadline, not a speed target


def bounded(run):
    """Run an exchange and return its result with the peak memory it allocated."""
    tracemalloc.start()
    try:
        result = run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.elapsed is not None and result.elapsed <= TIMEOUT + SLACK
    return result, peak


def test_dicom_peer_that_accepts_and_stays_silent():
    with peers.raw_peer(peers.silent) as port:
        request = dicom.request("127.0.0.1", port, calling="IHCHECK", called="PACS", timeout=TIMEOUT)
        result, _ = bounded(lambda: dicom.interpret(base.from_checker(request), request.target, "IHCHECK", "PACS"))
    assert result.outcome == "silent"
    assert result.detail == "association request sent, no A-ASSOCIATE answer (timeout)"


def test_dicom_peer_announcing_a_huge_pdu_is_cut_at_the_cap():
    header = b"\x02\x00" + (2**31).to_bytes(4, "big")
    with peers.raw_peer(peers.endless(header)) as port:
        request = dicom.request("127.0.0.1", port, calling="IHCHECK", called="PACS", timeout=TIMEOUT)
        result, peak = bounded(lambda: dicom.interpret(base.from_checker(request), request.target, "IHCHECK", "PACS"))
    assert result.outcome == "malformed" and "exceeded" in result.detail
    assert peak < 8 * dicom.MAX_BYTES


def test_mllp_endless_frame_is_cut_at_the_cap():
    message, _ = hl7.build(sending_application="A", sending_facility="B", receiving_application="C",
                           receiving_facility="D")
    with peers.raw_peer(peers.endless(b"\x0bMSH|^~\\&|")) as port:
        request = hl7.request("127.0.0.1", port, message, timeout=TIMEOUT)
        result, peak = bounded(lambda: hl7.interpret(base.from_checker(request), request.target, message))
    assert result.outcome == "malformed" and "endless frame" in result.detail
    assert result.steps[0].received_bytes == hl7.MAX_BYTES
    assert peak < 8 * hl7.MAX_BYTES


def test_mllp_without_end_block_times_out():
    message, control = hl7.build(sending_application="A", sending_facility="B", receiving_application="C",
                                 receiving_facility="D")
    half_ack = b"\x0bMSH|^~\\&|HIS|H|A|B|20260101||ACK|1|D|2.5\rMSA|AA|" + control.encode() + b"\r"
    with peers.raw_peer(peers.then_silent(half_ack)) as port:
        request = hl7.request("127.0.0.1", port, message, timeout=TIMEOUT)
        result, _ = bounded(lambda: hl7.interpret(base.from_checker(request), request.target, message))
    assert result.outcome == "silent" and "without its end block" in result.detail


def test_fhir_server_answering_50_mb_is_cut_at_the_cap():
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/fhir+json")
        handler.send_header("Content-Length", str(50 * 1024 * 1024))
        handler.end_headers()
        chunk = b" " * 65536
        for _ in range(800):
            handler.wfile.write(chunk)

    with peers.http_server(huge) as port:
        request = fhir.request(f"http://127.0.0.1:{port}", timeout=TIMEOUT)
        result, peak = bounded(lambda: fhir.interpret(base.from_checker(request), request.target))
    assert result.outcome == "malformed" and "exceeded 2 MiB" in result.detail
    assert peak < 8 * fhir.MAX_BYTES


def test_fhir_server_answering_html_is_malformed():
    with peers.http_server(lambda h: peers.send(h, 200, b"<html>login</html>", "text/html")) as port:
        request = fhir.request(f"http://127.0.0.1:{port}", timeout=TIMEOUT)
        result, _ = bounded(lambda: fhir.interpret(base.from_checker(request), request.target))
    assert result.outcome == "malformed" and "not JSON (text/html)" in result.detail


def test_tls_server_that_stalls_mid_handshake(tmp_path):
    with peers.raw_peer(peers.silent) as port:
        request = tls.request("127.0.0.1", port, server_name="localhost", timeout=TIMEOUT)
        result, _ = bounded(lambda: tls.interpret(base.from_checker(request), request.target))
    assert result.outcome == "silent" and "did not complete in time" in result.detail
    # the run continues: the next exchange on a good peer still works
    certs = peers.certificates(tmp_path)
    with peers.s_server(*certs["good"]) as good:
        again = tls.request("127.0.0.1", good, server_name="localhost", cafile=str(tmp_path / "ca.pem"), timeout=5)
        assert tls.interpret(base.from_checker(again), again.target).outcome == "ok"
