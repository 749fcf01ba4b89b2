"""Shared fixtures: the real seed corpus (golden data) and a writable copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED = ROOT.parent / "shared"
GOLD_DEV = SHARED / "gold-dev"


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    return RAW


@pytest.fixture(scope="session")
def seed_corpus():
    from quotetrace.pipeline import load_corpus

    return load_corpus(RAW)


@pytest.fixture()
def tmp_corpus(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(RAW, dst, ignore=shutil.ignore_patterns(".quotetrace"))
    return dst
