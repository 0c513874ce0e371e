# The hospital's PACS and its pathology archive: dcmtk's storescp, a real DICOM SCP that answers
# Verification (C-ECHO); AE PACS on the standard port 104, AE PATHOLOGY on 11112.
install -d /var/lib/ihc-dicom/pacs /var/lib/ihc-dicom/pathology
storescp --aetitle PACS --output-directory /var/lib/ihc-dicom/pacs 104 >/var/log/ihc-storescp-pacs.log 2>&1 &
storescp --aetitle PATHOLOGY --output-directory /var/lib/ihc-dicom/pathology 11112 \
    >/var/log/ihc-storescp-pathology.log 2>&1 &
