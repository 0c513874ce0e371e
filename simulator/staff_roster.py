"""The simulated hospital's staff roster (`ihcheck_staff`): a GBK CSV, what Excel on a Chinese Windows saves,
written beside the other state before the containers start and handed to the checker as a file (attested).

The rows say plainly that they are simulated (模拟…). Fault (spec `staff: {no_it: true}`): the roster's only
information technology professional has left (是否在岗 否), so no 信息专业技术人员 is on duty (GD2020 一(二)1).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADER = ("姓名", "人员类别", "岗位", "资格证书编号", "证书有效期至", "所属机构", "是否在岗")
ROWS: tuple[tuple[str, ...], ...] = (
    ("模拟院长", "管理人员", "院长、主要负责人", "", "", "", "是"),
    ("模拟医师甲", "卫生技术人员", "主任医师", "110000201001010001", "", "", "是"),
    ("模拟护士甲", "卫生技术人员", "护士", "N2019440100001", "2029-05-31", "", "是"),
    ("模拟工程师甲", "信息专业技术人员", "网络工程师", "RK2019440100123", "", "", "是"),
)


def write(state: Path, *, no_it: bool = False) -> Path:
    rows = [r if not (no_it and r[1] == "信息专业技术人员") else (*r[:-1], "否") for r in ROWS]
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *rows])
    path = state / "staff" / "roster.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("gbk"))
    return path


def declaration(state: Path) -> dict[str, object]:
    """The inventory's `ihcheck_staff` for the roster `write` made."""
    return {"roster": {"file": str(state / "staff" / "roster.csv")}}
