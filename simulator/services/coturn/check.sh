turnutils_stunclient 127.0.0.1 >/dev/null 2>&1 && ss -Hlnup 'sport = :3478' | grep -q turnserver \
  && ss -Hlntp 'sport = :3478' | grep -q turnserver
