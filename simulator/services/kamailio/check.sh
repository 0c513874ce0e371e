python3 /ihc/sip_options.py 127.0.0.1 5060 | grep -q '^SIP/2.0 200' && ss -Hlnup 'sport = :5060' | grep -q kamailio
