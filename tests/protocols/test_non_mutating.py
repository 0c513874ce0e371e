"""Nothing ihcheck sends can change a hospital system: the bytes are read back with the same libraries a
receiver would use."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hl7apy.parser import parse_message
from pynetdicom.dimse_messages import DIMSEMessage
from pynetdicom.pdu import A_ASSOCIATE_RQ, P_DATA_TF

from probes.facts.declared_exchange import MessageType, ProcessingId
from probes.protocols import base, dicom, hl7
from tests.protocols import peers


def test_the_dicom_dialogue_is_verification_and_c_echo_only():
    with peers.storescp("PACS") as port:
        request = dicom.request("127.0.0.1", port, calling="IHCHECK", called="PACS", timeout=5)
        result = dicom.interpret(base.from_checker(request), request.target, "IHCHECK", "PACS")
    assert result.outcome == "ok"
    sent = [base64.b64decode(s.sent) for s in result.steps]
    assert [s[0] for s in sent] == [0x01, 0x04, 0x05]  # A-ASSOCIATE-RQ, one P-DATA-TF, A-RELEASE-RQ
    rq = A_ASSOCIATE_RQ()
    rq.decode(sent[0])
    contexts = rq.to_primitive().presentation_context_definition_list
    assert [str(c.abstract_syntax) for c in contexts] == ["1.2.840.10008.1.1"]  # Verification SOP Class only
    pdata = P_DATA_TF()
    pdata.decode(sent[1])
    message = DIMSEMessage()
    assert message.decode_msg(pdata.to_primitive())
    assert int(message.command_set.CommandField) == 0x0030  # C-ECHO-RQ
    assert int(message.command_set.CommandDataSetType) == 0x0101  # no data set travels with it
    assert message.data_set is None or len(message.data_set.getvalue()) == 0


@pytest.mark.parametrize("message_type", ["NMQ^N01", "QRY^A19"])
@pytest.mark.parametrize("processing_id", ["D", "T"])
def test_the_hl7_message_is_a_query_never_in_production(message_type, processing_id):
    with peers.mllp_server(peers.ack("AA")) as port:
        text, _ = hl7.build(sending_application="IHCHECK", sending_facility="IH", receiving_application="HIS",
                            receiving_facility="HOSP", message_type=message_type, processing_id=processing_id)
        request = hl7.request("127.0.0.1", port, text, timeout=5)
        result = hl7.interpret(base.from_checker(request), request.target, text)
    assert result.outcome == "ok"
    wire = base64.b64decode(result.steps[0].sent)
    assert wire.startswith(b"\x0b") and wire.endswith(b"\x1c\x0d")
    parsed = parse_message(wire[1:-2].decode(), find_groups=False)
    code = parsed.msh.msh_9.msh_9_1.value
    assert code in ("NMQ", "QRY") and code not in hl7.MUTATING_EVENTS
    assert parsed.msh.msh_11.value in ("D", "T")  # never P (production)
    assert {s.name for s in parsed.children} <= {"MSH", "QRD"}  # no PID, no ORC/OBR/OBX: nothing to store


def test_production_processing_or_an_event_cannot_be_configured():
    from pydantic import TypeAdapter, ValidationError

    with pytest.raises(ValidationError):
        TypeAdapter(ProcessingId).validate_python("P")
    with pytest.raises(ValidationError):
        TypeAdapter(MessageType).validate_python("ADT^A01")


INJECTED = {
    "second MSH (ADT^A01, production)": "HIS\rMSH|^~\\&|X|Y|HIS|H|20260101||ADT^A01^ADT_A01|1|P|2.5",
    "second MSH after LF": "HIS\nMSH|^~\\&|X|Y|HIS|H|20260101||ADT^A01|1|P|2.5",
    "field separator (MSH-11 P)": "HIS|H|20260101||ADT^A01|1|P",
    "component separator": "HIS^ADT",
    "repetition separator": "HIS~ADT",
    "escape character": "HIS\\.br\\",
    "subcomponent separator": "HIS&ADT",
    "MLLP end block": "HIS\x1c\r\x0bMSH|^~\\&|X",
    "unicode line separator": "HIS\u2028MSH",
}


@pytest.mark.parametrize("field", ["receiving_application", "receiving_facility", "sending_application",
                                   "sending_facility"])
@pytest.mark.parametrize("name", sorted(INJECTED))
def test_an_identifier_carrying_hl7_separators_never_reaches_the_receiver(tmp_path, field, name):
    """A declared identifier that would start another segment or field is refused when the inventory is read
    (one line naming file, host and field) and by the message builder itself; the real peer sees nothing."""
    from checker.errors import InputError
    from probes.inventory import load_inventory

    frames: list[bytes] = []
    with peers.recording_mllp(frames) as port:
        entry = {"name": "his", "system": "his", "protocol": "hl7v2", "address": "127.0.0.1", "port": port,
                 "receiving_application": "HIS", field: INJECTED[name]}
        inventory = tmp_path / "hosts.yml"
        inventory.write_text(__import__("json").dumps(
            {"all": {"hosts": {"app1": {"ansible_connection": "local", "ihcheck_exchange": [entry]}}}}))
        with pytest.raises(InputError) as raised:
            load_inventory(inventory)
        said = str(raised.value)
        assert "\n" not in said and "app1" in said and field in said and "HL7 separator" in said, said
        ids: dict[str, Any] = {"sending_application": "IHCHECK", "sending_facility": "IH", "receiving_application": "HIS",
               "receiving_facility": "HOSP", field: INJECTED[name]}
        with pytest.raises(ValueError, match="HL7 separator or control character"):
            hl7.build(**ids)
    assert frames == []


def test_a_plain_identifier_reaches_the_real_peer_as_one_msh_field():
    frames: list[bytes] = []
    with peers.recording_mllp(frames) as port:
        text, control = hl7.build(sending_application="IHCHECK", sending_facility="IH",
                                  receiving_application="影像科 HIS-2", receiving_facility="HOSP")
        request = hl7.request("127.0.0.1", port, text, timeout=5)
        result = hl7.interpret(base.from_checker(request), request.target, text)
    assert result.outcome == "ok", result.detail
    (frame,) = frames
    segments = frame[1:-2].split(b"\r")
    assert len(segments) == 1 and segments[0].split(b"|")[4] == "影像科 HIS-2".encode()
    assert segments[0].split(b"|")[10] == b"D" and segments[0].split(b"|")[9] == control.encode()
