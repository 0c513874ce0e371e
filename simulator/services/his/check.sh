curl -fsS http://127.0.0.1/fhir/metadata >/dev/null && curl -fsS http://127.0.0.1/ecg/health >/dev/null &&
curl -fsSk https://127.0.0.1/fhir/metadata >/dev/null &&
python3 -c 'import socket; [socket.create_connection(("127.0.0.1", p), 2).close() for p in (2575, 2576)]'
