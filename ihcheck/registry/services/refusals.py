"""Why an upload is refused, said on one line: the refusal, a sender's name made safe for it, a signing time from the
future. Apart from intake so the trail anchoring (which refuses on the same terms) and the findings' index need not
import the intake that imports them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from checker.errors import InputError
from ihcheck.registry.models import Hospital


def one_line(name: str) -> str:
    """A name a sender chose (a file name, ?name=) as it goes into a one-line reason and the action log: line
    breaks and other control characters shown as U+FFFD, so it can neither split a refusal nor forge a line."""
    return "".join("\ufffd" if ord(c) < 32 or 0x7f <= ord(c) < 0xa0 or c in "\u2028\u2029" else c for c in name)


class Refused(InputError):
    """The upload is not taken in; the message is the one-line reason (also in the action log). `hospital` is
    whose it claimed to be, when an enrolled key or the token said so (for that hospital's timeline)."""

    hospital: Hospital | None = None


CLOCK_SKEW = timedelta(minutes=10)  # how far ahead of the registry's clock a hospital's clock may run


def from_the_future(when: datetime | None) -> str | None:
    """Why a signing time cannot be taken, or None. A bundle signed "in 2099" would stay the hospital's latest
    for ever: never stale, and every real bundle after it hidden behind it."""
    now = datetime.now(UTC)
    if when is not None and when > now + CLOCK_SKEW:
        return (f"signed on {when.isoformat()}, later than the registry's clock ({now.isoformat(timespec='seconds')}) "
                f"allows")
    return None
