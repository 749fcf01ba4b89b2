"""tokens: jieba behind a lazy private Tokenizer, offsets, content words, quiet start-up,
a cache that works when $HOME is read-only."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from quotetrace import tokens

SRC = Path(__file__).resolve().parents[1] / "src" / "quotetrace"


def test_words_have_offsets_that_tile_the_text() -> None:
    text = "加强基础研究，是实现高水平科技自立自强的迫切要求。S&T 2023"
    ws = tokens.words(text)
    assert "".join(w for w, _, _ in ws) == text
    assert all(text[s:e] == w for w, s, e in ws)
    assert [s for _, s, _ in ws] == sorted(s for _, s, _ in ws)
    assert "基础" in {w for w, _, _ in ws} or "基础研究" in {w for w, _, _ in ws}


def test_empty_text() -> None:
    assert tokens.words("") == ()
    assert tokens.content_words("") == ()


def test_content_words_drop_function_words_and_punctuation() -> None:
    text = "我们要加强基础研究，提升原始创新能力。"
    cw = [w for w, _, _ in tokens.content_words(text)]
    assert cw, cw
    assert not set(cw) & tokens.FUNCTION_WORDS
    assert all(w not in "，。" for w in cw)
    assert "创新" in cw or "原始创新" in cw or "创新能力" in cw
    for w, s, e in tokens.content_words(text):
        assert text[s:e] == w


def test_initialisation_is_lazy_once_and_measured() -> None:
    t = tokens.warm_up()
    assert t >= 0.0
    assert tokens.init_seconds() == t
    assert tokens.warm_up() == t  # loaded once per process


def test_cache_dir_is_writable_and_not_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QUOTETRACE_CACHE", str(tmp_path))
    d = tokens.cache_dir()
    assert d.startswith(str(tmp_path)) and os.access(d, os.W_OK)


def test_works_quietly_with_read_only_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp)}
    env.pop("QUOTETRACE_CACHE", None)
    code = "from quotetrace.tokens import words; print(len(words('加强基础研究')))"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert int(r.stdout) >= 1
    assert r.stderr == ""  # jieba's "Building prefix dict ..." chatter is silenced
    assert any((tmp / "quotetrace-jieba").iterdir())  # the dictionary cache went to TMPDIR


def test_only_tokens_imports_jieba() -> None:
    offenders = []
    for path in SRC.glob("*.py"):
        if path.name == "tokens.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n == "jieba" or n.startswith("jieba.") for n in names):
                offenders.append(path.name)
    assert offenders == []
