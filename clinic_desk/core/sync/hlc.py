"""Hybrid logical clock: wall-clock milliseconds plus a counter, never going back.

A clock value is one integer, ``ms << 16 | counter``, so it sorts, compares and
stores as a plain number; ties between workstations are broken by the node id
(``Stamp``). Receiving a remote value moves the local clock past it, so a change
made after seeing another always dates after it (causality), even when this
machine's wall clock is a little behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

COUNTER_BITS = 16
COUNTER_MAX = (1 << COUNTER_BITS) - 1


class Stamp(NamedTuple):
    """A field's clock: (hlc, node). Compared as a tuple; ``ZERO`` is before everything."""

    hlc: int
    node: str

    def encode(self) -> list[int | str]:
        return [self.hlc, self.node]

    @classmethod
    def decode(cls, value: object) -> Stamp:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ValueError(f"not a clock stamp: {value!r}")
        hlc, node = value
        if not isinstance(hlc, int) or not isinstance(node, str):
            raise ValueError(f"not a clock stamp: {value!r}")
        return cls(hlc, node)


ZERO = Stamp(0, "")


def wall_ms(hlc: int) -> int:
    return hlc >> COUNTER_BITS


def make(ms: int, counter: int = 0) -> int:
    return (ms << COUNTER_BITS) | counter


@dataclass
class HybridClock:
    """The last value handed out; ``tick`` for a local change, ``observe`` for a remote one."""

    last: int = 0

    def tick(self, now_ms: int) -> int:
        last_ms, counter = wall_ms(self.last), self.last & COUNTER_MAX
        if now_ms > last_ms:
            self.last = make(now_ms)
        elif counter < COUNTER_MAX:
            self.last = make(last_ms, counter + 1)
        else:  # 65,536 changes in one millisecond: borrow the next millisecond
            self.last = make(last_ms + 1)
        return self.last

    def observe(self, remote: int, now_ms: int) -> int:
        """Move past ``remote`` (a value seen in another workstation's change)."""
        if remote > self.last:
            self.last = remote
        return self.tick(now_ms)
