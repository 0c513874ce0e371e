test "$(ipmitool -I lanplus -C 3 -H 127.0.0.1 -U "$IHC_BMC_USER" -P "$IHC_BMC_PASSWORD" sdr type 'Power Supply' 2>/dev/null \
  | grep -c '^PSU')" = "$IHC_BMC_BAYS"
