"""The same dialogues run on a host over its transport (a real sshd, paramiko): the exchange leaves from
the application host, and the evidence says so."""

from __future__ import annotations

from probes.protocols import base, dicom, hl7
from tests.daemons import ssh_session
from tests.protocols import peers


def test_c_echo_and_hl7_from_the_host_over_ssh(tmp_path):
    with ssh_session(tmp_path / "ssh") as (session, _), peers.storescp("PACS") as pacs, \
            peers.mllp_server(peers.ack("AA")) as his:
        request = dicom.request("127.0.0.1", pacs, calling="IHCHECK", called="PACS", timeout=5)
        echo = dicom.interpret(base.from_host(request, session), request.target, "IHCHECK", "PACS")
        message, _ = hl7.build(sending_application="IHCHECK", sending_facility="IH", receiving_application="HIS",
                               receiving_facility="HOSP")
        sent = hl7.request("127.0.0.1", his, message, timeout=5)
        ack = hl7.interpret(base.from_host(sent, session), sent.target, message)
    assert echo.outcome == "ok", echo.detail
    assert ack.outcome == "ok", ack.detail
    assert echo.origin == ack.origin == "h"
    observations = {o.id: o for o in session.observations}
    record = observations[echo.observations[0]]
    assert record.transport == "paramiko" and record.host_key_fingerprint
    assert " timeout -k " in f" {record.command}" and "ihcheck wire" in record.command
    assert "C-ECHO-RQ (Verification only)" in record.command


def test_a_host_without_python3_cannot_try_it_and_says_why(tmp_path):
    with ssh_session(tmp_path / "ssh") as (session, _):
        request = dicom.request("127.0.0.1", 1, calling="IHCHECK", called="PACS", timeout=2)
        reply = base.from_host(request, session, python="no-such-python3")
    result = dicom.interpret(reply, request.target, "IHCHECK", "PACS")
    assert result.outcome == "unreachable"  # could not be tried: proves nothing, never pass
    assert result.detail.startswith("could not run the exchange on h:") and "not found" in result.detail
    assert result.origin == "h" and result.observations
