# The hospital's HIS: nginx serves its FHIR endpoint (a real CapabilityStatement) and the ECG system's
# health endpoint; the MLLP listeners (python-hl7) start at boot.
install -d /srv/his/fhir /srv/his/ecg
cat > /srv/his/fhir/metadata.json <<'JSON'
{"resourceType": "CapabilityStatement", "status": "active", "date": "2026-11-01", "publisher": "ihcheck simulator",
 "kind": "instance", "software": {"name": "simulated HIS FHIR facade", "version": "1.0"},
 "implementation": {"description": "模拟医院信息系统 FHIR 接口 (simulated)"},
 "fhirVersion": "4.0.1", "format": ["json"],
 "rest": [{"mode": "server", "resource": [
   {"type": "Patient", "interaction": [{"code": "read"}, {"code": "search-type"}]},
   {"type": "Encounter", "interaction": [{"code": "read"}, {"code": "search-type"}]},
   {"type": "Observation", "interaction": [{"code": "read"}, {"code": "search-type"}]},
   {"type": "DiagnosticReport", "interaction": [{"code": "read"}, {"code": "search-type"}]},
   {"type": "ImagingStudy", "interaction": [{"code": "read"}]},
   {"type": "MedicationRequest", "interaction": [{"code": "read"}]}]}]}
JSON
printf 'ECG OK\n' > /srv/his/ecg/health
rm -f /etc/nginx/sites-enabled/*
cat > /etc/nginx/sites-enabled/his <<'CONF'
server {
    listen 80 default_server;
    location = /fhir/metadata { default_type application/fhir+json; alias /srv/his/fhir/metadata.json; }
    location = /ecg/health { default_type text/plain; alias /srv/his/ecg/health; }
}
CONF
