"""GB/T 22239-2019 §8.1.3 安全区域边界 (level 3): the items a host itself can show part of.

The standard's text has no public address (see clauses/gbt22239.py); the wording below is quoted from the
third-party pages found with the search tool and named in docs/standards/gbt-22239-2019-8.1.3-level3.md.
The English is ihcheck's rendering. Only the items a rule cites are kept: the rest of §8.1.3 is the network
equipment's, which no host shows.
"""

from __future__ import annotations

from checker.catalogue.clauses.gbt22239 import GB22239
from checker.model import Clause

CLAUSES: tuple[Clause, ...] = (
    GB22239.passage(
        "8.1.3.1a", "8.1.3.1 a)",
        "应保证跨越边界的访问和数据流通过边界设备提供的受控接口进行通信",
        "Access and data flows crossing a boundary shall communicate through the controlled interfaces provided "
        "by the boundary devices.",
    ),
)
