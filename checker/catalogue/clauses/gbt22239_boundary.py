"""GB/T 22239-2019 §8.1.2 安全通信网络 and §8.1.3 安全区域边界 (level 3): the items a host itself can show part of.

The standard's text has no public address (see clauses/gbt22239.py); the wording below is quoted from the
third-party sources found with the search tool and named in docs/standards/gbt-22239-2019-8.1.3-level3.md
(and -8.1.2-level3.md). The English is ihcheck's rendering. Only the items a rule cites are kept: the rest of
§8.1.2 and §8.1.3 is the network equipment's, which no host shows.
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
    GB22239.passage(
        "8.1.3.2a", "8.1.3.2 a)",
        "应在网络边界根据访问控制策略设置访问控制规则，默认情况下除允许通信外受控接口拒绝所有通信",
        "Access control rules shall be set at the network boundary according to the access control policy; by "
        "default the controlled interface shall refuse all communication except that which is allowed.",
    ),
    GB22239.passage(
        "8.1.3.2c", "8.1.3.2 c)",
        "应对源地址、目的地址、源端口、目的端口和协议等进行检查，以允许/拒绝数据包进出",
        "Source address, destination address, source port, destination port, protocol and the like shall be "
        "checked to allow or refuse packets in and out.",
    ),
    GB22239.passage(
        "8.1.2.1d", "8.1.2.1 d)",
        "应避免将重要网络区域部署在边界处，重要网络区域与其他网络区域之间应采取可靠的技术隔离手段",
        "Important network areas shall not be deployed at the boundary, and reliable technical means of "
        "isolation shall be taken between important network areas and other network areas.",
    ),
)
