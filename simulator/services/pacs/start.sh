# The hospital's PACS and its pathology archive: dcmtk's storescp, a real DICOM SCP that answers
# Verification (C-ECHO); AE PACS on the standard port 104, AE PATHOLOGY on 11112; over TLS with the system's own
# certificate (/ihc/tls, from the simulated hospital CA); a client certificate is verified if one is offered.
install -d /var/lib/ihc-dicom/pacs /var/lib/ihc-dicom/pathology
TLS="+tls /ihc/tls/key.pem /ihc/tls/cert.pem -pw -vc"
storescp $TLS --aetitle PACS --output-directory /var/lib/ihc-dicom/pacs 104 >/var/log/ihc-storescp-pacs.log 2>&1 &
storescp $TLS --aetitle PATHOLOGY --output-directory /var/lib/ihc-dicom/pathology 11112 \
    >/var/log/ihc-storescp-pathology.log 2>&1 &
