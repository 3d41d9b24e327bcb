"""The CLI caps glibc's malloc arenas before any thread starts (a first pass's peak RSS, measured by
benchmarks/check_cycle.py), and leaves the choice to MALLOC_ARENA_MAX when the operator set it."""

from __future__ import annotations

import ctypes
import sys
from typing import Any

import pytest

from monitor.cli import limit_malloc_arenas


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


def test_arenas_capped_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: libc)
    limit_malloc_arenas()
    assert libc.calls == [(-8, 2)]  # M_ARENA_MAX


def test_operator_setting_and_other_libcs_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda _name: libc)
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    limit_malloc_arenas()
    assert libc.calls == []
    monkeypatch.delenv("MALLOC_ARENA_MAX")

    def no_mallopt(_name: Any) -> object:
        return object()  # a C library without mallopt (musl)

    monkeypatch.setattr(ctypes, "CDLL", no_mallopt)
    limit_malloc_arenas()  # no error


def test_real_glibc_accepts_the_cap() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("glibc only")
    assert ctypes.CDLL(None).mallopt(-8, 2) == 1  # glibc answers 1 on success
