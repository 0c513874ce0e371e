# The hospital's push job to the supervision platform: every 20 s a POST over TLS, verified against the
# platform CA it was given; each attempt is a line in IHC_PUSH_LOG, as such jobs log.
(while :; do
    if curl -fsS --max-time 5 --cacert "$IHC_PLATFORM_CA" -X POST -H 'Content-Type: application/json' \
            -d '{"records": 0, "simulated": true}' "$IHC_PLATFORM_URL" >/dev/null 2>&1; then result=OK
    else result=FAILED; fi
    echo "$(date '+%Y-%m-%d %H:%M:%S%z') platform push $result $IHC_PLATFORM_URL" >> "$IHC_PUSH_LOG"
    sleep 20
done) &
