"""The frozen base every fact model shares, and the one spelling of provenance.

`Record` is any frozen part of a fact; `Observed` adds `observations`, the ids of the observations
(commands and their raw output, see probes.observation) a value was read from; `Fact` is a whole
fact family as one probe returns it, with `notes` on the limits of what it could see.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Observed(Record):
    observations: tuple[str, ...] = Field(default=(), description="ids of the observations this was read from")


class Fact(Observed):
    notes: tuple[str, ...] = Field(default=(), description="limits of what could be observed")
    implausible: tuple[str, ...] = Field(
        default=(), description="what the host reported that cannot be true (contradictory owners, impossible "
                                "numbers): the engine never lets a rule pass on this fact")
