# MLLP listeners (python-hl7) that ACK per HL7 v2: the HIS on 2575, the LIS on 2576; IHC_HL7_ACK=AR
# makes them reject every message (the hl7-rejects fault). MLLP and FHIR travel over TLS with the system's own
# certificate (/ihc/tls, from the simulated hospital CA); the ECG health endpoint stays on plain HTTP (port 80).
python3 /ihc/mllp_listener.py 2575 HIS "$IHC_HL7_ACK" /ihc/tls/cert.pem /ihc/tls/key.pem >/var/log/ihc-mllp-his.log 2>&1 &
python3 /ihc/mllp_listener.py 2576 LIS "$IHC_HL7_ACK" /ihc/tls/cert.pem /ihc/tls/key.pem >/var/log/ihc-mllp-lis.log 2>&1 &
cat > /etc/nginx/sites-enabled/his-tls <<'CONF'
server {
    listen 443 ssl;
    ssl_certificate /ihc/tls/cert.pem;
    ssl_certificate_key /ihc/tls/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    location = /fhir/metadata { default_type application/fhir+json; alias /srv/his/fhir/metadata.json; }
}
CONF
nginx
