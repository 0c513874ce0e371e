"""A hospital system's MLLP listener (python-hl7's asyncio MLLP server): every message is answered with
an ACK per HL7 v2 (MSA-1 the configured code, MSA-2 the message's control id); with AR, MSA-3 and an
ERR segment say why; over TLS when given a certificate and key. Usage: mllp_listener.py PORT APPLICATION AA|AR
[CERT KEY]"""

import asyncio
import ssl
import sys
from typing import Any

import hl7
from hl7.mllp import start_hl7_server

PORT, APPLICATION, CODE = int(sys.argv[1]), sys.argv[2], sys.argv[3]
TLS = None
if len(sys.argv) > 5:
    TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    TLS.minimum_version = ssl.TLSVersion.TLSv1_2
    TLS.load_cert_chain(sys.argv[4], sys.argv[5])
REASON = f"{APPLICATION} rejects messages from this sender (simulated fault)"


async def answer(reader: Any, writer: Any) -> None:
    try:
        while not writer.is_closing():
            message = await reader.readmessage()
            ack = message.create_ack(ack_code=CODE, application=APPLICATION, facility="SIMHOSPITAL")
            text = str(ack)
            if CODE != "AA":
                text = text.rstrip("\r") + f"|{REASON}\rERR|||207^Application internal error^HL70357|E||||{REASON}\r"
            writer.writemessage(hl7.parse(text))
            await writer.drain()
    except asyncio.IncompleteReadError:
        pass
    except Exception as exc:  # a broken message ends this connection only
        print(f"connection ended: {exc!r}", flush=True)
    finally:
        writer.close()


async def main() -> None:
    async with await start_hl7_server(answer, host="0.0.0.0", port=PORT, ssl=TLS) as server:
        await server.serve_forever()


asyncio.run(main())
