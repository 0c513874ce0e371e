"""The watched drop folder for offline delivery (`ihcheck registry watch DIR`), safe with several intake processes
and several watchers on the same folder.

Whoever may write the folder is not trusted, and writers are not atomic (scp, a USB copy, a Samba share): so

- a file is *claimed* before anything reads it, by renaming it into this watcher's own claims folder
  (``working/HOST.PID/``). A rename within one filesystem happens once: of two watchers or two looks that
  want the same file, one succeeds and the other finds it gone. Each claimed file is then taken in by one
  worker; the same bundle under two names is still one record (the database's unique digest, services.workers);
- a file is claimed only once it has *settled*: its ctime (which every write moves and no writer can set back,
  unlike the mtime `cp -p` restores) is at least `settle` seconds old. A worker then reads it through the
  descriptor it checks (a regular file, not a link put there meanwhile) and compares size and ctime after the
  read with what the look saw: a file that grew meanwhile is handed back to the folder for a later look,
  never refused half-written;
- anything but a regular file (a link, a folder, a FIFO, a device) is refused in one line and set aside, as
  is a file that does not verify; nothing a drop holds stops the watcher or reaches beyond the folder;
- a watcher stopped mid-intake leaves its claims in ``working/HOST.PID/``: on start, a watcher hands back to the
  folder the claims of this host's watchers that no longer run (another host's claims are that host's).
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import time
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from checker.errors import InputError
from ihcheck.registry.services.workers import Outcome

SUBFOLDERS = ("taken", "refused", "working")
PATTERN = "*.tar.gz"


@dataclass(frozen=True)
class Claim:
    """A dropped file renamed into this watcher's claims folder (picklable: it crosses to a worker)."""

    path: str  # where it is now (the claims folder)
    name: str  # the name it was dropped under
    uid: int  # who dropped it (its owner): the action log's actor
    size: int  # as the look saw it
    ctime_ns: int  # just after the claim

    def changed(self, info: os.stat_result) -> bool:
        return info.st_size != self.size or info.st_ctime_ns != self.ctime_ns


def _owned_folder(path: Path) -> Path:
    """A subfolder the watcher writes into, which the folder's writers must not have pointed elsewhere."""
    path.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():  # whoever may write the folder could point it anywhere the registry writes
        raise InputError(f"{path}: a symbolic link; the drop folder's {path.name}/ must be a folder of its own")
    return path


class DropFolder:
    """One watcher's view of a drop folder: look, claim, set aside."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        for sub in SUBFOLDERS:
            _owned_folder(folder / sub)
        self.claims = _owned_folder(folder / "working" / f"{_host()}.{os.getpid()}")

    def recover(self) -> list[str]:
        """Hand back to the folder what this host's stopped watchers had claimed; the names handed back."""
        back: list[str] = []
        for claims in sorted((self.folder / "working").iterdir()):
            host, _, pid = claims.name.rpartition(".")
            if claims == self.claims or host != _host() or not pid.isdigit() or _alive(int(pid)):
                continue
            if claims.is_symlink() or not claims.is_dir():
                continue  # not a claims folder any watcher made
            for left in sorted(claims.iterdir()):
                if self._back(left):
                    back.append(left.name)
            with contextlib.suppress(OSError):
                claims.rmdir()
        return back

    def look(self, settle: float) -> tuple[list[Claim], list[str]]:
        """Claim what has settled; (the claims, the names of files still being written, left for a later look)."""
        claims: list[Claim] = []
        writing: list[str] = []
        now = time.time_ns()
        for path in sorted(self.folder.glob(PATTERN)):
            try:
                info = path.lstat()
            except FileNotFoundError:
                continue  # another watcher claimed it meanwhile
            if stat.S_ISREG(info.st_mode) and now - info.st_ctime_ns < settle * 1e9:
                writing.append(path.name)
                continue
            claimed = self.claims / path.name
            try:
                path.rename(claimed)
                after = claimed.lstat()  # the rename moved the ctime: what a read is compared with from now on
            except FileNotFoundError:
                continue  # claimed by another watcher between the look and the rename
            claims.append(Claim(str(claimed), path.name, info.st_uid, info.st_size, after.st_ctime_ns))
        return claims, writing

    def set_aside(self, outcome: Outcome, name: str) -> str | None:
        """Move a claimed file to taken/, refused/ or (still being written) back; why it could not be, or None."""
        claimed = self.claims / name
        if not outcome.settled:
            return None if self._back(claimed) else "could not be handed back (a file of that name was dropped since)"
        try:
            claimed.rename(self.folder / ("taken" if outcome.taken else "refused") / name)
        except OSError as exc:  # gone, or not ours to move: said, and the watcher goes on
            return f"could not be moved aside ({exc.strerror or exc})"
        return None

    def release(self) -> list[str]:
        """Hand back every claim not yet set aside (the watcher stops) and remove the claims folder."""
        back = [left.name for left in sorted(self.claims.iterdir()) if self._back(left)]
        with contextlib.suppress(OSError):
            self.claims.rmdir()
        return back

    def _back(self, claimed: Path) -> bool:
        """Into the folder under its name, never over a file dropped since under the same name."""
        target = self.folder / claimed.name
        try:
            os.link(claimed, target, follow_symlinks=False)
        except FileExistsError:
            return False
        except OSError:  # a filesystem without hard links: the rename's small window is the price
            if target.exists() or target.is_symlink():
                return False
            claimed.rename(target)
            return True
        claimed.unlink()
        return True


def _host() -> str:
    return socket.gethostname().replace("/", "_") or "localhost"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def take_claimed(claim: Claim) -> Outcome:
    """One claimed file taken in (in a worker): refused if it is not a regular file or does not verify; not
    settled if it changed while it was read."""
    from ihcheck.registry.services import actions, intake

    name = intake.one_line(claim.name)
    actor = f"drop:uid {claim.uid}"  # who put it there, not the registry's operator
    try:
        info = os.lstat(claim.path)
    except FileNotFoundError:
        return Outcome(claim.path, False, False, f"{name}: gone from the claims folder", settled=True)
    if not stat.S_ISREG(info.st_mode):
        reason = f"{name}: not a regular file (a link, a folder or a device): a drop is a bundle file put here"
        actions.record("refuse", actor, source=name, via="drop", reason=reason)
        return Outcome(claim.path, False, False, reason)
    try:
        data = read_dropped(Path(claim.path), name, claim)
    except _StillWritten:
        return Outcome(claim.path, False, False, f"{name}: still being written, left for a later look",
                       settled=False)
    except InputError as exc:  # the file could not be read as it was put
        actions.record("refuse", actor, source=name, via="drop", reason=str(exc))
        return Outcome(claim.path, False, False, intake.one_line(str(exc)))
    try:
        taken = intake.take(data, name=name, via="drop", actor=actor)
    except intake.Refused as exc:  # logged by intake
        return Outcome(claim.path, False, False, intake.one_line(str(exc)))
    b = taken.bundle
    return Outcome(claim.path, True, taken.created, f"{'taken in' if taken.created else 'already held'}: {name} → "
                   f"{b.hospital.uscc} {b.digest[:16]}… signed {b.signed_at.isoformat()} worst {b.worst}")


class _StillWritten(Exception):
    pass


def read_dropped(path: Path, name: str, claim: Claim) -> bytes:
    """The bytes of a claimed file, opened without following a link put there after it was looked at, and
    only if it is what the look saw (a writer that went on meanwhile: _StillWritten)."""
    from django.conf import settings

    limit = int(settings.IHCHECK_MAX_UPLOAD_BYTES)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"{name}: cannot be opened ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise InputError(f"{name}: not a regular file")
        data = handle.read(limit + 1)
        if claim.changed(os.fstat(handle.fileno())):
            raise _StillWritten
    if len(data) > limit:
        raise InputError(f"{name}: more than the {limit} bytes an upload may hold")
    return data


def watch(folder: Path, *, settle: float, interval: float, once: bool, workers: int) -> Generator[
        tuple[Outcome | None, str | None, bool], None, None]:
    """Look, claim, take in (by this process or `workers` processes), set aside, again every `interval` seconds
    (or once). Yields (outcome of a settled file or None, a note or None, whether the note is a problem)."""
    from ihcheck.registry.services.intake import one_line
    from ihcheck.registry.services.workers import pool

    drop = DropFolder(folder)
    for name in drop.recover():
        yield None, f"{one_line(name)}: handed back from a watcher that stopped mid-intake", False
    try:
        with pool(workers) as run:
            if not once:
                yield None, (f"watching {folder} ({workers} intake process{'es' if workers > 1 else ''}, a look "
                             f"every {interval:g} s, files left {settle:g} s unwritten); Ctrl-C stops"), False
            while True:
                claims, writing = drop.look(settle)
                for name in writing:
                    yield None, f"{one_line(name)}: still being written, left for a later look", False
                by_path = {c.path: c.name for c in claims}
                for outcome in run(take_claimed, claims):
                    name = by_path[outcome.path]
                    problem = drop.set_aside(outcome, name)
                    if not outcome.settled:
                        yield None, outcome.line + (f"; {problem}" if problem else ""), problem is not None
                    else:
                        yield outcome, problem and f"{one_line(name)}: {problem}", True
                if once:
                    return
                time.sleep(interval)
    finally:
        drop.release()
