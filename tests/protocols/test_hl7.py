"""HL7 v2 over MLLP against hl7apy's real MLLP server, ACKing per the standard."""

from __future__ import annotations

from typing import Any

from probes.protocols import base, hl7
from tests.protocols import peers

IDS: dict[str, Any] = {"sending_application": "IHCHECK", "sending_facility": "IHOSP", "receiving_application": "HIS",
       "receiving_facility": "HOSPITAL"}


def send(port: int, **options):
    message, _ = hl7.build(**IDS, **options)
    request = hl7.request("127.0.0.1", port, message, timeout=5)
    return hl7.interpret(base.from_checker(request), request.target, message), message


def test_application_accept_with_our_control_id_is_ok():
    with peers.mllp_server(peers.ack("AA")) as port:
        result, message = send(port)
    assert result.outcome == "ok", result.detail
    assert result.fields["msa_1"] == "AA"
    assert result.fields["msa_2"] == result.fields["sent_control_id"] == hl7.sent_fields(message)["control_id"]
    assert result.fields["sending_application"] == "HIS"
    assert "MSA-2" in result.detail and result.fields["sent_processing_id"] == "D"


def test_commit_accept_counts_and_a_query_can_be_configured():
    with peers.mllp_server(peers.ack("CA")) as port:
        result, _ = send(port, message_type="QRY^A19", processing_id="T")
    assert result.outcome == "ok", result.detail
    assert result.fields["sent_message_type"].startswith("QRY^A19") and result.fields["sent_processing_id"] == "T"


def test_application_reject_fails_with_the_receivers_text():
    with peers.mllp_server(peers.ack("AR", "receiving application HIS does not accept NMQ")) as port:
        result, _ = send(port)
    assert result.outcome == "rejected"
    assert result.fields["msa_1"] == "AR"
    assert "receiving application HIS does not accept NMQ" in result.detail


def test_application_error_fails():
    with peers.mllp_server(peers.ack("AE", "segment sequence error")) as port:
        result, _ = send(port)
    assert result.outcome == "rejected" and "AE" in result.detail and "segment sequence error" in result.detail


def test_an_ack_for_another_control_id_is_not_ok():
    def wrong(incoming):
        reply = peers.ack("AA")(incoming)
        reply.msa.msa_2 = "SOMEONE-ELSE"
        return reply

    with peers.mllp_server(wrong) as port:
        result, _ = send(port)
    assert result.outcome == "malformed" and "SOMEONE-ELSE" in result.detail
