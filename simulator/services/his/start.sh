# MLLP listeners (python-hl7) that ACK per HL7 v2: the HIS on 2575, the LIS on 2576; IHC_HL7_ACK=AR
# makes them reject every message (the hl7-rejects fault).
python3 /ihc/mllp_listener.py 2575 HIS "$IHC_HL7_ACK" >/var/log/ihc-mllp-his.log 2>&1 &
python3 /ihc/mllp_listener.py 2576 LIS "$IHC_HL7_ACK" >/var/log/ihc-mllp-lis.log 2>&1 &
nginx
