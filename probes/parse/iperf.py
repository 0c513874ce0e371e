"""Parse `iperf3 -c … -J --get-server-output [-R]` and estimate an uplink's throughput with its error margin.

The figure is the *receiver's* steady-state TCP goodput: the sender's own count includes data still
sitting in its socket buffer when the test ends, so it overstates a shaped link. For a download
(`-R`) the client receives and its JSON intervals are receiver-side; for an upload the server
receives, and its per-interval report comes back as text under `server_output_text`.

Margin (the ± half-width reported with every figure), two terms added linearly:

* statistical: over the steady-state window (the first interval dropped for TCP slow start and the
  shaper's initial burst; runt intervals shorter than half the others dropped), the rate is the
  least-squares slope of cumulative received megabits against time, and this term is the slope's
  95 % confidence half-width, t(0.975, n−1)·SE. Interval rates scatter mostly because data lands
  on one side or the other of an interval boundary (the receiver reads in bursts), a noise that
  cancels in the cumulative count; treating each interval rate as an independent sample would
  count it again in every interval. With fewer than two steady intervals there is no fit, and the
  method term is counted twice instead.
* method: 10 % of the figure. Goodput is what the business gets, but a line's rate is counted on the
  wire: Ethernet/IP/TCP headers take 66 of every 1514 bytes (4.4 %), PPPoE/VLAN framing adds up to
  0.8 %, and TCP's sawtooth against a shaper's drops costs a few % more, varying from run to run
  more than within one (so the statistical term does not cover it). benchmarks/bandwidth_error.py
  measures this against tc rates (5–50 Mbps, 4 s per direction, on a 2-core VM): goodput 1–6 %
  below the configured rate on average, the worst single runs 8–9.7 % below. 7 % left two runs in
  24 outside their margin; 10 % covers every run seen.
"""

from __future__ import annotations

import json
import math
import re
import statistics
from dataclasses import dataclass
from typing import Any

from checker.errors import ProbeError
from probes.facts.uplinks import METHOD_UNCERTAINTY
from probes.parse.plausible import reading, why

# Two-sided 95 % Student t quantiles by degrees of freedom; 1.96 (normal) beyond the table.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
        10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101,
        19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}

_UNITS = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
MAX_BITS_PER_SECOND = 1e12  # 1 Tbit/s: above any uplink a hospital buys; 1e300 is a lie
_TEXT_INTERVAL = re.compile(
    r"^\[\s*(?:\d+|SUM)\]\s+([\d.]+)-\s*([\d.]+)\s+sec\s+[\d.]+\s+[KMGT]?Bytes\s+([\d.]+)\s+([KMGT]?)bits/sec",
    re.MULTILINE,
)

Interval = tuple[float, float, float]  # (start s, end s, Mbps)


@dataclass(frozen=True)
class IperfResult:
    reverse: bool
    receiver_mbps: float | None = None
    sender_mbps: float | None = None
    retransmits: int | None = None
    seconds: float | None = None
    intervals: tuple[Interval, ...] = ()  # receiver-side
    error: str | None = None


@dataclass(frozen=True)
class Estimate:
    mbps: float
    margin_mbps: float
    statistical_mbps: float
    method_mbps: float
    samples_mbps: tuple[float, ...]


def t95(df: int) -> float:
    """Two-sided 95 % t quantile (conservative: the next smaller tabulated df).

    >>> t95(2), t95(22), t95(1000)
    (4.303, 2.086, 1.96)
    """
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    usable = [k for k in _T95 if k <= df]
    return 1.96 if df > 120 else _T95[max(usable)]


def parse_text_intervals(text: str) -> tuple[Interval, ...]:
    """Per-interval rates from iperf3's human report, up to the summary separator.

    >>> parse_text_intervals("[ ID] Interval  Transfer  Bitrate\\n"
    ...     "[  5]   0.00-1.00   sec   587 KBytes  4.81 Mbits/sec\\n"
    ...     "[  5]   1.00-2.00   sec  1.10 MBytes   950 Kbits/sec\\n"
    ...     "- - - - - -\\n[  5]   0.00-2.00   sec  1.7 MBytes  4.78 Mbits/sec   receiver\\n")
    ((0.0, 1.0, 4.81), (1.0, 2.0, 0.95))
    """
    body = text.split("- - -", 1)[0]
    return tuple((float(a), float(b), float(rate) * _UNITS[unit] / 1e6)
                 for a, b, rate, unit in _TEXT_INTERVAL.findall(body))


def _json_intervals(data: dict[str, Any]) -> tuple[Interval, ...]:
    found: list[Interval] = []
    items = data.get("intervals", [])
    for item in items if isinstance(items, list) else []:
        total = item.get("sum", {}) if isinstance(item, dict) else {}
        if isinstance(total, dict) and {"start", "end", "bits_per_second"} <= total.keys():
            values = (total["start"], total["end"], total["bits_per_second"])
            if any(reading(v, -1e300, 1e300) is None for v in values):
                found.append((math.nan, math.nan, math.nan))  # judged implausible below
                continue
            found.append((float(values[0]), float(values[1]), float(values[2]) / 1e6))
    return tuple(found)


def parse_iperf_json(output: str) -> IperfResult:
    """The receiver-side figures of one iperf3 client run (-J, --get-server-output).

    >>> r = parse_iperf_json('{"start": {"test_start": {"reverse": 1}}, "intervals": ['
    ...     '{"sum": {"start": 0, "end": 1, "bits_per_second": 2.1e7}},'
    ...     '{"sum": {"start": 1, "end": 2, "bits_per_second": 1.9e7}}],'
    ...     '"end": {"sum_sent": {"bits_per_second": 2.0e7, "retransmits": 3, "seconds": 2},'
    ...     '"sum_received": {"bits_per_second": 1.95e7, "seconds": 2}}}')
    >>> r.reverse, r.receiver_mbps, r.sender_mbps, r.retransmits, r.intervals
    (True, 19.5, 20.0, 3, ((0.0, 1.0, 21.0), (1.0, 2.0, 19.0)))
    >>> parse_iperf_json('{"start": {}, "intervals": [], "end": {}, '
    ...                  '"error": "error - the server is busy running a test. try again later"}').error
    'error - the server is busy running a test. try again later'
    """
    try:
        data = json.loads(output)
    except json.JSONDecodeError:
        raise ProbeError(f"iperf3 printed no JSON: {output.strip()[:160]!r}") from None
    if not isinstance(data, dict):
        raise ProbeError("iperf3 JSON is not an object")
    start = data.get("start", {})
    test_start = start.get("test_start", {}) if isinstance(start, dict) else {}
    reverse = bool(test_start.get("reverse", 0)) if isinstance(test_start, dict) else False
    if data.get("error"):
        return IperfResult(reverse=reverse, error=str(data["error"]))
    end = data.get("end", {})
    end = end if isinstance(end, dict) else {}
    received, sent = end.get("sum_received", {}), end.get("sum_sent", {})
    received, sent = (received if isinstance(received, dict) else {}), (sent if isinstance(sent, dict) else {})
    if "bits_per_second" not in received:
        return IperfResult(reverse=reverse, error="iperf3 reported no received total")
    if reverse:
        intervals = _json_intervals(data)
    elif isinstance(data.get("server_output_json"), dict):
        intervals = _json_intervals(data["server_output_json"])
    else:
        intervals = parse_text_intervals(str(data.get("server_output_text", "")))
    retransmits = sent.get("retransmits")
    # Implausible figures (NaN, inf, 1e300 bit/s, negative times) make the measurement an error, never a pass.
    figures = {"receiver bits_per_second": received.get("bits_per_second"),
               "sender bits_per_second": sent.get("bits_per_second", 0), "seconds": received.get("seconds", 0)}
    for name, value in figures.items():
        high = MAX_BITS_PER_SECOND if "bits" in name else 86400
        if reading(value, 0, high) is None:
            return IperfResult(reverse=reverse, error=f"implausible iperf3 result: {why(name, value, 0, high)}")
    if any(reading(a, 0, 86400) is None or reading(b, 0, 86400) is None or reading(m, 0, MAX_BITS_PER_SECOND / 1e6)
           is None or float(a) > float(b) for a, b, m in intervals):
        return IperfResult(reverse=reverse, error="implausible iperf3 result: an interval out of range")
    # A real iperf3 server often closes with an empty interval ("4.00-4.00 sec 0.00 Bytes"): it measured nothing.
    intervals = tuple(i for i in intervals if i[0] < i[1])
    if retransmits is not None and reading(retransmits, 0, 1e12) is None:
        return IperfResult(reverse=reverse,
                           error=f"implausible iperf3 result: {why('retransmits', retransmits, 0, 1e12)}")
    return IperfResult(
        reverse=reverse,
        receiver_mbps=float(received["bits_per_second"]) / 1e6,
        sender_mbps=float(sent["bits_per_second"]) / 1e6 if "bits_per_second" in sent else None,
        retransmits=int(retransmits) if retransmits is not None else None,
        seconds=float(received.get("seconds", 0)) or None,
        intervals=intervals,
    )


def steady(intervals: tuple[Interval, ...]) -> tuple[Interval, ...]:
    """Drop the first interval and runts shorter than half the typical interval.

    >>> steady(((0, 1, 9.0), (1, 2, 5.0), (2, 3, 5.1), (3, 3.01, 7.0)))
    ((1, 2, 5.0), (2, 3, 5.1))
    """
    if len(intervals) < 2:
        return ()
    rest = intervals[1:]
    typical = statistics.median(b - a for a, b, _ in rest)
    return tuple(i for i in rest if i[1] - i[0] >= typical / 2)


def slope(samples: tuple[Interval, ...]) -> tuple[float, float]:
    """Least-squares rate of cumulative data over time, and its 95 % confidence half-width.

    >>> rate, half = slope(((1, 2, 18.0), (2, 3, 20.0), (3, 4, 19.0)))
    >>> round(rate, 3), round(half, 3)
    (19.1, 1.138)
    """
    times = [samples[0][0]] + [b for _, b, _ in samples]
    cumulative = [0.0]
    for a, b, rate in samples:
        cumulative.append(cumulative[-1] + (b - a) * rate)
    fit = statistics.linear_regression(times, cumulative)
    n = len(times)
    mean_t = statistics.fmean(times)
    sxx = sum((t - mean_t) ** 2 for t in times)
    residual = sum((y - (fit.intercept + fit.slope * t)) ** 2 for t, y in zip(times, cumulative, strict=True))
    se = math.sqrt(residual / (n - 2) / sxx)
    return fit.slope, t95(n - 2) * se


def estimate(result: IperfResult) -> Estimate | None:
    """The steady-state goodput and its margin (see the module docstring for how the margin is derived).

    >>> e = estimate(IperfResult(reverse=True, receiver_mbps=9.4,
    ...     intervals=((0, 1, 12.0), (1, 2, 9.5), (2, 3, 9.6), (3, 4, 9.4))))
    >>> round(e.mbps, 3), round(e.statistical_mbps, 3), round(e.method_mbps, 3), round(e.margin_mbps, 3)
    (9.51, 0.114, 0.951, 1.065)
    >>> e = estimate(IperfResult(reverse=False, receiver_mbps=4.78))
    >>> e.mbps, round(e.margin_mbps, 3)
    (4.78, 0.956)
    """
    if result.receiver_mbps is None:
        return None
    samples = steady(result.intervals)
    if len(samples) >= 2:
        mbps, statistical = slope(samples)
        method = METHOD_UNCERTAINTY * mbps
    else:
        mbps = result.receiver_mbps
        method = METHOD_UNCERTAINTY * mbps
        statistical = method
    return Estimate(mbps=mbps, margin_mbps=statistical + method, statistical_mbps=statistical,
                    method_mbps=method, samples_mbps=tuple(rate for _, _, rate in samples))
