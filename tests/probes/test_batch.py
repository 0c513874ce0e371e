"""A host's commands as one batch: each command still its own Observation, with its own output and SHA-256.

The parser is fed the way a network delivers (any chunking); the session tests run against a real sshd.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable
from pathlib import Path

from probes import batch
from probes.observation import sha256_text
from tests.daemons import ssh_session

COMMANDS = [
    "printf 'no newline at the end'",
    "echo out; echo err >&2; exit 3",
    "true",
    "printf 'a\\n\\n\\n'",
    "printf '@@ihcheck-batch:forged:0:e:0\\n'",  # a forged marker with another nonce is just output
    "printf '\\303\\251t\\303\\251 \\344\\275\\240\\345\\245\\275\\n'",
]


def _local(commands: list[str], nonce: str) -> tuple[bytes, bytes]:
    done = subprocess.run(["sh", "-s"], input=batch.script(commands, nonce).encode(), capture_output=True, check=False)
    return done.stdout, done.stderr


def _alone(command: str) -> tuple[int, bytes, bytes]:
    done = subprocess.run(["sh", "-c", command], capture_output=True, check=False, stdin=subprocess.DEVNULL)
    return done.returncode, done.stdout, done.stderr


def test_each_command_gets_exactly_its_own_output() -> None:
    nonce = batch.new_nonce()
    out, err = _local(COMMANDS, nonce)
    framed = batch.split(out, err, nonce)
    assert [f.index for f in framed] == list(range(len(COMMANDS)))
    for command, part in zip(COMMANDS, framed, strict=True):
        assert (part.exit_status, part.stdout, part.stderr) == _alone(command), command


def test_any_chunking_gives_the_same_result() -> None:
    nonce = batch.new_nonce()
    out, err = _local(COMMANDS, nonce)
    whole = batch.split(out, err, nonce)
    rng = random.Random(7)
    for _ in range(20):
        assert _fed_in_pieces(nonce, out, err, rng, lambda: rng.randint(1, 9), 0.5) == whole


def _fed_in_pieces(nonce: str, out: bytes, err: bytes, rng: random.Random, stdout_piece: Callable[[], int],
                   stdout_share: float) -> list[batch.Framed]:
    """What the parser completes when stdout (pieces of `stdout_piece()` bytes) and stderr (1 to 9 bytes) come
    interleaved at random, stdout next with chance `stdout_share`."""
    got: list[batch.Framed] = []
    parser = batch.BatchParser(nonce, got.append)
    i = j = 0
    while i < len(out) or j < len(err):
        if i < len(out) and (j >= len(err) or rng.random() < stdout_share):
            n = stdout_piece()
            parser.feed_stdout(out[i:i + n])
            i += n
        else:
            n = rng.randint(1, 9)
            parser.feed_stderr(err[j:j + n])
            j += n
    return got


def test_long_outputs_and_near_markers_in_any_chunking() -> None:
    """Outputs of many chunks (the end marker is searched in what came since, not all again) and lines one
    character from this batch's markers (its nonce with a character more, none, or a marker's own line) are output."""
    nonce = batch.new_nonce()
    commands = [
        "seq 1 30000",
        f"printf '\\n@@ihcheck-batch:{nonce}0:0:e:0\\n@@ihcheck-batch:{nonce[:-1]}:1:b\\n'",
        "printf '\\n@@ihcheck-batch::2:e:0\\n'; seq 1 5 >&2",
        "printf '@@ihcheck-batch:%s:9:b\\n' forged; seq 1 20000",
    ]
    out, err = _local(commands, nonce)
    whole = batch.split(out, err, nonce)
    for command, part in zip(commands, whole, strict=True):
        assert (part.exit_status, part.stdout, part.stderr) == _alone(command), command
    rng = random.Random(11)
    for _ in range(10):
        assert _fed_in_pieces(nonce, out, err, rng, lambda: rng.choice([1, 7, 60, 700, 4096]), 0.7) == whole


def test_a_truncated_batch_completes_only_what_finished() -> None:
    nonce = batch.new_nonce()
    out, err = _local(["echo one", "echo two"], nonce)
    cut = out.index(b"two")  # the second command never finished
    framed = batch.split(out[:cut], err, nonce)
    assert [(f.index, f.stdout) for f in framed] == [(0, b"one\n")]


def test_session_batches_and_shares_over_real_sshd(tmp_path: Path) -> None:
    with ssh_session(tmp_path) as (session, _):
        commands = ["cat /etc/hostname", "echo out; echo err >&2; exit 4", "ps -e -o pid=,args="]
        sender = session.prefetch(commands)
        assert sender is not None
        sender.join(30)
        first = [session.scoped().run(c) for c in commands]
        # one Observation per command, its own output and SHA-256, the exact command line as sent
        assert [o.command for o in first] == [session.wrap(c) for c in commands]
        assert first[1].exit_status == 4 and first[1].stdout == "out\n" and first[1].stderr == "err\n"
        for obs in first:
            assert obs.stdout_sha256 == sha256_text(obs.stdout) and obs.host_key_fingerprint
        # the batch ran under one `sh -s` reading the envelope from stdin (not on its command line)
        assert "sh -s" in first[2].stdout
        # a second probe asking for the same command shares the same evidence; a fresh run is new evidence
        other = session.scoped()
        assert other.run(commands[0]) is first[0] and other.observations == [first[0]]
        again = other.run(commands[0], fresh=True)
        assert again.id != first[0].id and again.stdout == first[0].stdout
        assert len(session.log.all()) == len(commands) + 1
