"""Writing outputs so that an interrupted or concurrent run never leaves a half-written one in place.

Every output (a bundle directory, its .tar.gz, a report or result under `--out`) is written under a
temporary name beside its destination and renamed into place once complete: a reader sees the old file,
or none, or the whole new one. A bundle directory is locked while it is written, so two checks given
the same `--bundle` cannot both succeed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from checker.errors import InputError


def write_atomic(path: Path, data: bytes | Callable[[BinaryIO], None]) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename; `data` may be a function that
    writes the content itself, piece by piece, so that a large output is never held whole."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if isinstance(data, bytes):
                fh.write(data)
            else:
                data(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def locked_output_dir(root: Path) -> Iterator[Path]:
    """Hold `root`'s lock and yield a fresh temporary directory beside it; on success the caller's content is
    renamed to `root`. A second writer of the same `root` is refused at once, and nothing half-written is
    ever found at `root`."""
    parent = root.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(parent / f".{root.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise InputError(f"{root}: cannot write the bundle here: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"{root}: another ihcheck run is writing this bundle right now") from None
        if root.is_symlink() or (root.exists() and (not root.is_dir() or any(root.iterdir()))):
            raise InputError(f"{root}: bundle directory exists and is not empty")
        tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".part", dir=parent))
        try:
            yield tmp
            if root.exists():
                root.rmdir()  # empty (checked above, under the lock)
            os.replace(tmp, root)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    finally:
        os.close(lock_fd)  # releases the lock; the lock file stays (removing it would race a waiting writer)
