"""DICOM C-ECHO against real SCPs: dcmtk's storescp and pynetdicom's own."""

from __future__ import annotations

from probes.protocols import base, dicom
from tests.protocols import peers


def echo(port: int, called: str = "PACS", calling: str = "IHCHECK", timeout: float = 5.0):
    request = dicom.request("127.0.0.1", port, calling=calling, called=called, timeout=timeout)
    return dicom.interpret(base.from_checker(request), request.target, calling, called)


def test_storescp_answers_c_echo_with_success():
    with peers.storescp("PACS") as port:
        result = echo(port)
    assert result.outcome == "ok", result.detail
    assert result.fields["status"] == 0
    assert result.fields["called_ae_title"] == "PACS" and result.fields["calling_ae_title"] == "IHCHECK"
    assert result.fields["verification_context"]["abstract_syntax"] == "1.2.840.10008.1.1"
    assert result.fields["released"] is True
    assert "C-ECHO status 0x0000 Success" in result.detail
    assert [s.end for s in result.steps] == ["complete", "complete", "complete"]


def test_pynetdicom_scp_answers_c_echo():
    with peers.pynetdicom_scp("ARCHIVE") as port:
        result = echo(port, called="ARCHIVE")
    assert result.outcome == "ok", result.detail
    assert result.fields["implementation_class_uid"].startswith("1.2.826.0.1.3680043.9.3811")


def test_wrong_called_ae_title_is_rejected_with_the_reason():
    with peers.pynetdicom_scp("ARCHIVE", require_called_aet=True) as port:
        result = echo(port, called="NOT-ARCHIVE")
    assert result.outcome == "rejected"
    assert result.detail == "A-ASSOCIATE-RJ: Rejected (Permanent), DUL service-user: Called AE title not recognised"
    assert "status" not in result.fields  # no C-ECHO was carried


def test_scp_without_verification_refuses_the_context():
    with peers.pynetdicom_scp("ARCHIVE", verification=False) as port:
        result = echo(port, called="ARCHIVE")
    assert result.outcome == "rejected"
    assert "Verification presentation context not accepted" in result.detail or "A-ASSOCIATE-RJ" in result.detail


def test_nothing_listening_is_refused():
    from tests.daemons import free_port

    result = echo(free_port())
    assert result.outcome == "refused" and "nothing listens" in result.detail
