"""How ihcheck reaches a host: local, OpenSSH, paramiko, podman or Ansible, every command bounded.

testinfra's backends were the first shape of this module; their contract (`run(command)` → exit status,
stdout, stderr) is kept, but their way of running commands is not: they wait for a command and its pipes
without a deadline, read its output whole, probe the host's encoding with an unwrapped `python3 -c …`,
and join OpenSSH options into one string that is split again on spaces. A hostile host could hang a run
or exhaust the checker's memory through any of these. So each transport here runs its command through
`probes.bounded` (a process on the checker, ended as a group at its deadline, its output capped) or, for
paramiko, reads the channel against the same deadline and cap; the remote side is wrapped in
`timeout -k` so that the host ends what the checker gave up on.

What evidence needs is added on top:
* strict SSH host-key checking by default (unknown or changed keys are rejected unless the user opts out);
* the fingerprint of the key the host presented, so each observation can name the machine;
* the deadline and cap the checker applied, recorded in the observation when it had to use them.

`Session` wraps a transport for one host and records every command as an `Observation`.

One module a transport (local, podman, openssh, paramiko_ssh, ansible_cli, over process and base); `session`
opens the one a host's inventory asks for; `wrap` is the host-side deadline. The names below are the package's
whole public surface.
"""

from probes.transport.base import (
    CLIENT_SLACK,
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_KNOWN_HOSTS,
    Transport,
    TransportOptions,
    known_host_keys,
    known_hosts_fingerprint,
)
from probes.transport.session import Planned, Session, open_transport, planned
from probes.transport.wrap import remote_wrap, unwrap

__all__ = [
    "CLIENT_SLACK", "DEFAULT_COMMAND_TIMEOUT", "DEFAULT_KNOWN_HOSTS", "Planned", "Session", "Transport",
    "TransportOptions", "known_host_keys", "known_hosts_fingerprint", "open_transport", "planned", "remote_wrap",
    "unwrap",
]
