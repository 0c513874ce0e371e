# MLPS level 3 host baseline (GB/T 22239-2019 §8.1.4), per scenario: IHC_MLPS=hardened applies what
# ihcheck's rules require, IHC_MLPS=defaults leaves Debian's defaults and opens a high-risk port.
# Key login for root (the checker) is never touched: publickey authentication bypasses PAM's auth stack.
if [ "${IHC_MLPS:-hardened}" = hardened ]; then
  # 身份鉴别 a: complexity and expiry
  pam-auth-update --package --enable pwquality
  install -d /etc/security/pwquality.conf.d
  printf 'minlen = 8\nminclass = 3\nenforce_for_root\n' > /etc/security/pwquality.conf.d/ihcheck-mlps.conf
  sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\t90/' /etc/login.defs
  # 身份鉴别 b: lockout after 5 failures for 15 minutes; idle shells end after 10 minutes
  if ! grep -q pam_faillock /etc/pam.d/common-auth; then
    sed -i 's/^auth\s\+\[success=1 default=ignore\]\s\+pam_unix.so\(.*\)$/auth\trequired\t\t\tpam_faillock.so preauth\nauth\t[success=2 default=ignore]\tpam_unix.so\1\nauth\t[default=die]\t\t\tpam_faillock.so authfail/' /etc/pam.d/common-auth
    echo 'account	required			pam_faillock.so' >> /etc/pam.d/common-account
  fi
  printf 'deny = 5\nunlock_time = 900\n' > /etc/security/faillock.conf
  printf 'TMOUT=600\nreadonly TMOUT\nexport TMOUT\n' > /etc/profile.d/ihcheck-tmout.sh
  # 身份鉴别 c, 入侵防范 c: strong algorithms only; sshd answers on the management LAN only
  cat > /etc/ssh/sshd_config.d/50-ihcheck-mlps.conf <<CONF
Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr
MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,diffie-hellman-group16-sha512,diffie-hellman-group14-sha256
ListenAddress ${IHC_LAN_ADDRESS}
MaxAuthTries 5
ClientAliveInterval 300
ClientAliveCountMax 2
CONF
  # 访问控制 d: su for the wheel group only
  sed -i 's/^#\s*\(auth\s\+required\s\+pam_wheel.so\)\s*$/\1 use_uid/' /etc/pam.d/su
  # 安全审计: rules on identity files and privileged commands, locked with -e 2 (the kernel audit itself
  # belongs to the machine running the containers, so auditd is not started here)
  cat > /etc/audit/rules.d/50-ihcheck-mlps.rules <<'RULES'
-w /etc/passwd -p wa -k identity
-w /etc/shadow -p wa -k identity
-w /etc/group -p wa -k identity
-w /etc/gshadow -p wa -k identity
-w /etc/sudoers -p wa -k identity
-a always,exit -F path=/usr/bin/su -F perm=x -F auid>=1000 -F auid!=unset -k privileged
-a always,exit -F path=/usr/bin/passwd -F perm=x -F auid>=1000 -F auid!=unset -k privileged
-a always,exit -F arch=b64 -S execve -F euid=0 -F auid>=1000 -F auid!=unset -k rootcmd
RULES
  echo '-e 2' > /etc/audit/rules.d/99-finalize.rules
  # 安全审计 c: forward everything to the log server, keep local logs 26 weeks
  printf '*.* @@%s:514\n' "${IHC_LOG_SERVER}" > /etc/rsyslog.d/90-ihcheck-remote.conf
  sed -i 's/^\(\s*\)rotate [0-9]\+/\1rotate 26/; s/^\(\s*\)daily$/\1weekly/' /etc/logrotate.d/rsyslog
  rsyslogd
  # 安全审计 b: time from the hospital's NTP server (chronyd -x: a container must not set the clock)
  # only from it: Debian's default pool (servers worldwide, some abroad) is not a hospital's time source
  sed -i 's/^pool /#pool /' /etc/chrony/chrony.conf
  printf 'server %s iburst\n' "${IHC_LOG_SERVER}" > /etc/chrony/sources.d/ihcheck.sources
  chronyd -x
  # 入侵防范 f: file-integrity database (over /etc here, see build.sh)
  aide -c /etc/aide/ihcheck-sim.conf --init >/dev/null 2>&1; mv /var/lib/aide/aide.db.new /var/lib/aide/aide.db
  # 恶意代码防范: a local signature database (no network to fetch ClamAV's), clamd scanning with it
  echo 'IhcheckSim.Test.Signature:0:*:69686368656b2d73696d756c61746f722d746573742d7369676e6174757265' \
    > /var/lib/clamav/ihcheck-sim.ndb
  install -d -o clamav -g clamav /run/clamav
  # In the foreground, put in the background by the shell: a daemonizing clamd's parent waits for its
  # child's "ready" SIGINT, but drops to the clamav user only after forking; with this one-signature
  # database the child (already clamav) is ready within milliseconds, and when it signals first its
  # kill() fails with EPERM, so the parent - and this start script, before coturn and sshd - waits forever.
  (clamd --foreground >/var/log/ihc-clamd.log 2>&1 &)
  # 数据备份恢复 a: a nightly backup job, and the backup it made (a job alone is not a backup: the checker looks
  # for the newest file the job writes and judges its age)
  printf '30 2 * * * root tar -czf /var/backups/ihcheck-etc-$(date +\\%%F).tgz /etc\n' > /etc/cron.d/ihcheck-backup
  tar -czf "/var/backups/ihcheck-etc-$(date +%F).tgz" /etc 2>/dev/null || true
else
  # Distribution defaults, plus what a default-configured server often runs: rsync's daemon on 873.
  printf 'uid = nobody\n[share]\npath = /srv\nread only = yes\n' > /etc/rsyncd.conf
  sed -i 's/^RSYNC_ENABLE=.*/RSYNC_ENABLE=true/' /etc/default/rsync
  service rsync start >/dev/null 2>&1 || rsync --daemon
fi
