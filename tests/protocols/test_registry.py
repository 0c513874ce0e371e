"""The protocol registry: every declaration picks its protocol's model by `protocol`, an unknown one is an input
error before any host is contacted, the wire can be replaced by canned bytes, and a reply a codec cannot read
costs that exchange only — never the host's others."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.errors import InputError
from probes import exchange
from probes.facts.declared import Declarations
from probes.facts.declared_exchange import declare
from probes.inventory import load_inventory
from probes.protocols import dicom, fhir, hl7, http, registry, tls
from probes.protocols.mock import MockWire, canned
from tests.probes.conftest import local_session
from tests.protocols import peers


def test_every_protocol_module_is_registered_once_with_its_default_port():
    assert registry.NAMES == ("dicom", "hl7v2", "fhir", "https", "http")
    assert {m.__module__ for m in registry.PROTOCOLS} == {m.__name__ for m in (dicom, hl7, fhir, tls, http)}
    assert [m.default_port for m in registry.PROTOCOLS] == [104, 2575, None, 443, None]
    pacs = declare({"name": "p", "system": "pacs", "protocol": "dicom", "address": "pacs", "called_ae_title": "P"})
    assert isinstance(pacs, dicom.DicomEndpoint) and pacs.target_port == 104


@pytest.mark.parametrize("protocol", ["ftp", "HTTPS", "tls", None])
def test_an_unknown_protocol_is_a_one_line_input_error_naming_file_host_and_field(tmp_path: Path, protocol):
    """Today's probe ran a TLS handshake for any protocol it did not know; now the inventory is refused."""
    entry = f"protocol: {protocol}, " if protocol else ""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  hosts:\n    app1:\n      ansible_connection: local\n      ihcheck_exchange:\n"
                         f"        - {{name: his, system: his, {entry}address: 127.0.0.1, port: 1}}\n")
    with pytest.raises(InputError) as raised:
        load_inventory(inventory)
    said = str(raised.value)
    assert "\n" not in said and "hosts.yml" in said and "app1" in said and "ihcheck_exchange[0]" in said, said
    assert "ihcheck speaks dicom, hl7v2, fhir, https, http" in said, said


def test_a_field_of_another_protocol_is_refused():
    with pytest.raises(ValueError, match="called_ae_title"):
        declare({"name": "h", "system": "his", "protocol": "hl7v2", "address": "his", "receiving_application": "HIS",
                 "called_ae_title": "PACS"})


def test_a_recorded_flat_entry_from_before_the_registry_still_reads():
    flat = {"name": "pacs", "system": "pacs", "protocol": "dicom", "address": "127.0.0.1", "port": 104, "url": None,
            "origin": "host", "timeout": 10.0, "called_ae_title": "PACS", "calling_ae_title": "IHCHECK",
            "sending_application": "IHCHECK", "sending_facility": "IHCHECK", "receiving_application": None,
            "receiving_facility": "", "message_type": "NMQ^N01", "processing_id": "D", "hl7_version": "2.5",
            "server_name": None, "ca_file": None, "expect_status": 200, "expect_text": None, "push_log": None}
    assert declare(flat).describe() == "pacs: PACS dicom 127.0.0.1:104 (AE IHCHECK → PACS)"


def test_the_wire_is_injectable_and_the_interpretation_cannot_tell():
    statement = __import__("json").dumps(peers.CAPABILITY).encode()
    wire = canned(b"HTTP/1.1 200 OK\r\nContent-Type: application/fhir+json\r\n\r\n" + statement)
    session = local_session(Declarations(exchange=(declare(
        {"name": "emr", "system": "emr", "protocol": "fhir", "url": "http://emr.lan/fhir"}),)))
    facts = exchange.collect(session, wire)
    assert facts.exchanges[0].result.outcome == "ok", facts.exchanges[0].result.detail
    assert wire.sent[0].startswith(b"GET /fhir/metadata HTTP/1.0\r\nHost: emr.lan\r\n")


def test_a_dicom_peer_that_accepts_then_sends_garbage_loses_only_its_own_exchange(tmp_path: Path):
    """pynetdicom asserts on a P-DATA-TF whose items do not add up: once, that AssertionError escaped and cost every
    exchange of the host. A real socket peer: accepts the association, then answers the C-ECHO with garbage."""
    accept = peers.association_ac()
    garbage = b"\x04\x00\x00\x00\x00\x07" + b"\x00\x00\x00\x10\x01\xff\xff"  # a PDV item shorter than it says

    def behave(conn):
        conn.settimeout(10)
        conn.recv(65536)
        conn.sendall(accept)
        conn.recv(65536)
        conn.sendall(garbage)
        conn.recv(65536)

    with peers.raw_peer(behave) as bad, peers.storescp("PACS") as good:
        session = local_session(Declarations(exchange=(
            declare({"name": "broken", "system": "pacs", "protocol": "dicom", "address": "127.0.0.1", "port": bad,
                     "called_ae_title": "PACS", "from": "checker", "timeout": 5}),
            declare({"name": "pacs", "system": "pacs", "protocol": "dicom", "address": "127.0.0.1", "port": good,
                     "called_ae_title": "PACS", "from": "checker", "timeout": 5}))))
        facts = exchange.collect(session)
    broken, pacs = (e.result for e in facts.exchanges)
    assert broken.outcome == "malformed", broken.detail
    assert pacs.outcome == "ok", pacs.detail


@pytest.mark.parametrize("garbage", [b"\x04\x00\x00\x00\x00\x07\x00\x00\x00\x10\x01\xff\xff",
                                     b"\x04\x00\x00\x00\x00\x02\xff\xff", b"\x04\x00\x00\x00\x00\x00"])
def test_any_garbage_after_the_association_is_malformed_never_raised(garbage: bytes):
    wire = canned(peers.association_ac(), garbage)
    session = local_session(Declarations(exchange=(declare(
        {"name": "pacs", "system": "pacs", "protocol": "dicom", "address": "pacs", "called_ae_title": "PACS"}),)))
    result = exchange.collect(session, wire).exchanges[0].result
    assert result.outcome == "malformed", result.detail


@pytest.mark.parametrize("kind", ["self-signed", "expired", "wrong-name"])
def test_an_https_health_endpoint_that_does_not_verify_is_rejected(tmp_path: Path, kind: str):
    certs = peers.certificates(tmp_path)
    with peers.http_server(lambda h: peers.send(h, 200, b"ECG OK", "text/plain"), tls=certs[kind]) as port:
        endpoint = declare({"name": "ecg", "system": "ecg", "protocol": "http", "url": f"https://localhost:{port}/h",
                            "expect_text": "ECG OK", "ca_file": str(tmp_path / "ca.pem"), "from": "checker"})
        result = exchange.collect(local_session(Declarations(exchange=(endpoint,)))).exchanges[0].result
    assert result.outcome == "rejected" and result.detail.startswith("https not verified"), result.detail


def test_a_verified_https_health_endpoint_is_ok(tmp_path: Path):
    certs = peers.certificates(tmp_path)
    with peers.http_server(lambda h: peers.send(h, 200, b"ECG OK", "text/plain"), tls=certs["good"]) as port:
        endpoint = declare({"name": "ecg", "system": "ecg", "protocol": "http", "url": f"https://localhost:{port}/h",
                            "expect_text": "ECG OK", "ca_file": str(tmp_path / "ca.pem"), "from": "checker"})
        result = exchange.collect(local_session(Declarations(exchange=(endpoint,)))).exchanges[0].result
    assert result.outcome == "ok", result.detail


def test_a_mock_wire_that_cannot_connect_is_unreachable():
    endpoint = declare({"name": "p", "system": "platform", "protocol": "https", "address": "jg.example"})
    result = exchange.collect(local_session(Declarations(exchange=(endpoint,))),
                              MockWire(lambda i, s: None, connect="no route")).exchanges[0].result
    assert result.outcome == "unreachable"


def test_an_entry_is_written_exactly_as_before_the_registry():
    """result.json and the bundle keep their schema: every recorded entry round-trips byte for byte (keys in order)."""
    import json

    recorded = Path(__file__).parents[1] / "data" / "facts" / "GD2020-1.2.1-exchange" / "pass.json"
    entries = [e for h in json.loads(recorded.read_text())["hosts"] for e in h["declared"]["exchange"]]
    assert {e["protocol"] for e in entries} == set(registry.NAMES)
    for entry in entries:
        written = json.loads(declare(entry).model_dump_json())
        # recorded before `tls` (MLLP/DICOM inside TLS) joined the flat entry, after hl7_version
        expected = [*[(k, v) for k, v in entry.items() if k not in ("server_name", "ca_file", "expect_status",
                                                                    "expect_text", "push_log")], ("tls", False),
                    *[(k, v) for k, v in entry.items() if k in ("server_name", "ca_file", "expect_status",
                                                                "expect_text", "push_log")],
                    ("environment", None)]  # recorded before a platform entry could name its environment (二(三)2)
        assert list(written.items()) == expected
