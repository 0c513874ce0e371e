"""How ihcheck reads the host-side items whose reading is not obvious: what passes, fails and is inconclusive, in
Chinese (shown first to a regulator) and English. Kept apart from the checks (mlps.py) so each reading is one place
to change with the judge it describes."""

from __future__ import annotations

from checker.model import Said

_ACCOUNTS = Said(
    "账户取自 /etc/passwd、/etc/group 及 /etc/shadow 摘要（空/锁定/已设置，不含散列）。输出脱敏按格式进行：只遮盖账户行"
    "第二个字段中的口令散列，账户名即使含 password、token、secret 等字样也原样保留，空口令不会因脱敏而被隐藏（判为不"
    "符合）；"
    "账户文件可读、且满足本项其余要求时为符合；账户文件无法读取或格式有误时为无法判断。",
    "Accounts come from /etc/passwd, /etc/group and the /etc/shadow summary (empty/locked/set, never a hash). The "
    "output's redaction reads these rows by their format: only a password hash in the second field is masked; an "
    "account named with password, token or secret in it is kept whole, so an empty password never hides behind it "
    "(it fails); readable account files that meet the item's other requirements pass; account files that cannot be "
    "read or are malformed make the item inconclusive.")

READINGS: dict[str, Said] = {
    "L3-CES1-01": _ACCOUNTS,
    "L3-CES1-06": _ACCOUNTS,
    "L3-CES1-07": _ACCOUNTS,
    "L3-CES1-02": Said(
        "TMOUT 取登录 shell 最终得到的值：按 bash 读取顺序（/etc/profile 及其引用的 /etc/bash.bashrc、/etc/profile.d/"
        "*.sh"
        "（按文件名顺序），再是 root 的 ~/.bash_profile、~/.bash_login、~/.profile 中第一个存在的文件及其引用的 "
        "~/.bashrc），后面的赋值覆盖前面的；readonly 之后的赋值无效；unset 清除；TMOUT=0 表示不超时，判为不符合。"
        "条件语句不求值，按书写顺序处理；最终值取决于条件下的赋值或 unset（if 块内、&& 或 || 之后，且在 readonly 之前、"
        "其后没有无条件赋值覆盖）时为无法判断（例如 root 的 shell 会跳过 `if [ \"$(id -u)\" -ne 0 ]`）。"
        "0 < TMOUT ≤ 600 且登录失败处理符合要求时为符合；文件无法读取时为无法判断。",
        "TMOUT is the value a login shell ends with: its files in the order bash reads them (/etc/profile and what it "
        "sources, /etc/bash.bashrc and /etc/profile.d/*.sh in glob order, then the first of root's ~/.bash_profile, "
        "~/.bash_login, ~/.profile and the ~/.bashrc it sources); a later assignment wins, none after `readonly`; "
        "`unset` clears; TMOUT=0 disables the timeout and fails. Conditions are not evaluated (statements in the order "
        "written): when the value rests on an assignment or `unset` under a condition (inside an if block, after && or "
        "||, before any readonly and not overridden by a later plain assignment) it is inconclusive (a root shell "
        "skips `if [ \"$(id -u)\" -ne 0 ]`). Passes with 0 < TMOUT ≤ 600 and the lockout met; a file that cannot be "
        "read makes it inconclusive."),
    "L3-CES1-08": Said(
        "sudoers 原样交给解析器：NOPASSWD:/PASSWD: 是标签而非口令，脱敏不会改动（`%wheel ALL=(ALL) NOPASSWD: ALL` "
        "与 `NOPASSWD:ALL` 均判为无需口令授予 ALL，不符合）；别名名称（Host_Alias TOKEN_HOSTS、Cmnd_Alias PASSWD_CMDS）"
        "含 token、passwd 等字样也原样保留，经 Cmnd_Alias 授予的 ALL 同样计入。"
        "没有这样的规则、且 su 受 pam_wheel 限制时为符合；"
        "sudoers 或其 include 无法读取或解析时为无法判断。",
        "sudoers reaches its parser as written: NOPASSWD:/PASSWD: are tags, not passwords, and redaction leaves them "
        "(`%wheel ALL=(ALL) NOPASSWD: ALL` and `NOPASSWD:ALL` are ALL without a password, and fail); an alias named "
        "with token or passwd in it (Host_Alias TOKEN_HOSTS, Cmnd_Alias PASSWD_CMDS) is kept as written, and ALL "
        "granted through a Cmnd_Alias counts the same. Passes with no "
        "such rule and su restricted by pam_wheel; a sudoers file or include that cannot be read or parsed makes it "
        "inconclusive."),
    "L3-CES1-14": Said(
        "远程日志按守护进程自身的语法判定：rsyslog 只读 rsyslog.conf 及其 $IncludeConfig / include() 引用的文件，"
        "注释掉的 action 不算（# 注释与 C 风格 /* */ 注释，均按 rsyslog 词法）；"
        "旧语法 @host 为 UDP、@@host 为 TCP（含 @@(z5,o)host 选项）；action(type=\"omfwd\"/\"omrelp\") 的参数名不区分大"
        "小写，"
        "protocol 按所写报告（默认 udp）；syslog-ng 只计入被 log 路径引用的 network/syslog/tcp/udp 目的地（含写在 log "
        "路径内的内联目的地；source 不算）。"
        "回环目标（127.0.0.0/8、::1、localhost）不出主机，不计入。有主机外目标、保存期限 ≥180 天且日志文件不对其他用"
        "户开放时为符合，"
        "否则不符合；配置文件无法读取时为无法判断。",
        "Remote logging follows each daemon's own grammar: rsyslog reads rsyslog.conf and what its $IncludeConfig / "
        "include() name, a commented-out action is none (`#` and C-style `/* */` comments, as rsyslog's lexer skips "
        "them); legacy @host is UDP, @@host TCP (options such as @@(z5,o)host included); action(type=\"omfwd\" or "
        "\"omrelp\") parameters in any case, the protocol reported as written (udp by default); syslog-ng counts a "
        "network/syslog/tcp/udp destination only when a log path uses it (an in-line one written inside the log path "
        "included; a source never). A loopback target "
        "(127.0.0.0/8, ::1, localhost) stays on the host and does not count. Passes with an off-host target, logs "
        "kept ≥ 180 days and log files closed to others, fails otherwise; a file that cannot be read makes it "
        "inconclusive."),
    "L3-CES1-15": Said(
        "能读取内核审计状态（auditctl -s）时以其为准：enabled 2 为符合，否则不符合。读不到时，按服务实际加载的规则判"
        "定："
        "auditd.service（含 /etc 下的副本与 drop-in）或 /etc/sysconfig/auditd 使用 augenrules --load 时，为 rules.d "
        "按自然顺序"
        "合并的结果（只保留最后一条 -e）；使用 auditctl -R 某文件时，为该文件本身，不论 rules.d 写了什么。容器内读不"
        "到内核状态时为"
        "无法判断（内核属于运行它的机器），可由证明材料替代。",
        "The kernel's audit state (auditctl -s) decides when it can be read: enabled 2 passes, anything else fails. "
        "Otherwise the rules the service loads: augenrules --load (per auditd.service, its /etc copy and drop-ins, or "
        "/etc/sysconfig/auditd) merges rules.d in natural order keeping only the last -e; auditctl -R FILE loads that "
        "file whatever rules.d holds. In a container the kernel belongs to the machine running it: inconclusive, or "
        "attested by a document."),
    "L3-CES1-29": Said(
        "含 backup 字样的定时任务本身不是备份：需观察到备份确已执行——任务写入位置（重定向、tar/pg_dump -f、borg/resti"
        "c 仓库、"
        "--backup-dir，按任务自己的文件名匹配）、ihcheck_backup_dirs 声明的目录中最新文件，或 pgBackRest 自身记录，"
        "不超过 8 天为符合；找不到或更旧为不符合；看不到任务写入位置时为无法判断；也可由 ihcheck_mlps_evidence 中的证"
        "明材料"
        "判为符合（标注为证明材料）。",
        "A scheduled job that mentions backup is not a backup: a backup must be seen to have run — the newest file "
        "where a job writes (its redirect, tar/pg_dump -f, a borg/restic repository, --backup-dir, matched by the "
        "job's own file names), in a directory declared in ihcheck_backup_dirs, or in pgBackRest's own record, at most "
        "8 days old, passes; none, or older, fails; a job whose output is not seen is inconclusive; a document in "
        "ihcheck_mlps_evidence passes it as attested."),
}
