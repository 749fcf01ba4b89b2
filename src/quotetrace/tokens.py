"""`tokens`: text → jieba words with offsets. The only module that imports jieba.

Why a wrapper: jieba's global facade logs to stderr at import, mutates a process-wide
dictionary and writes its cache next to $TMPDIR without asking. Here a private
`jieba.Tokenizer()` is built lazily, once per process (loading the dictionary costs about
a second; `warm_up()` makes that cost explicit and measurable), its logger is quietened
and its cache file lives in a directory we checked is writable (never $HOME).
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import jieba

__all__ = [
    "FUNCTION_WORDS",
    "cache_dir",
    "content_words",
    "init_seconds",
    "warm_up",
    "words",
]

Word = tuple[str, int, int]  # (word, start, end) offsets into the text given

_lock = threading.Lock()
_tokenizer: jieba.Tokenizer | None = None
_init_seconds: float | None = None

# Function words, particles and boilerplate verbs of official prose: they carry no
# evidence that two passages say the same thing, so content_words() leaves them out.
FUNCTION_WORDS: frozenset[str] = frozenset(
    """
    的 地 得 了 着 过 和 与 及 以及 并 并且 而 而且 或 或者 也 又 都 就 才 还 再 更 最 很
    在 于 对 对于 把 被 将 从 向 以 为 为了 由 由于 因 因为 所以 因此 但 但是 然而 如果
    同 跟 给 比 是 有 没有 不 没 要 会 能 可 可以 应 应该 该 须 必须 需要 这 那 这个 那个
    这些 那些 其 其中 之 所 等 等等 上 下 中 里 内 外 个 些 一 一个 一些 各 各个 每 我们
    我 你 他 她 它 他们 大家 自己 已 已经 正 正在 着力 进一步 通过 坚持 加强 推动 推进
    进行 开展 实现 提高 提升 不断 切实 积极 全面 深入 努力 充分 着眼 围绕 作为 其他
    """.split()  # noqa: SIM905 - a word list reads better as one string
)

_PUNCT_OR_SPACE = frozenset(" \t\r\n\u3000，。、；：！？“”‘’（）《》〈〉【】「」『』—…·,.;:!?()[]\"'-/<>%")


def cache_dir() -> str:
    """A writable directory for jieba's dictionary cache: $QUOTETRACE_CACHE, else the
    system temp dir (never $HOME, which may be read-only)."""
    for base in (os.environ.get("QUOTETRACE_CACHE"), tempfile.gettempdir()):
        if not base:
            continue
        path = os.path.join(base, "quotetrace-jieba")
        try:
            os.makedirs(path, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return tempfile.gettempdir()


def _get() -> jieba.Tokenizer:
    global _tokenizer, _init_seconds
    if _tokenizer is not None:
        return _tokenizer
    with _lock:
        if _tokenizer is None:
            t0 = time.perf_counter()
            import jieba as _jieba

            _jieba.setLogLevel(logging.WARNING)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            tk = _jieba.Tokenizer()
            tk.tmp_dir = cache_dir()
            tk.initialize()
            _init_seconds = time.perf_counter() - t0
            _tokenizer = tk
    return _tokenizer


def warm_up() -> float:
    """Load the dictionary now (idempotent); returns the seconds the first load took."""
    _get()
    assert _init_seconds is not None
    return _init_seconds


def init_seconds() -> float | None:
    """Seconds the one-off dictionary load took, or None if not loaded yet."""
    return _init_seconds


@lru_cache(maxsize=4096)
def _words_cached(text: str, hmm: bool) -> tuple[Word, ...]:
    return tuple((w, s, e) for w, s, e in _get().tokenize(text, mode="default", HMM=hmm))


def words(text: str, *, hmm: bool = False) -> tuple[Word, ...]:
    """jieba words of `text` with [start, end) offsets into `text`. HMM (new-word
    discovery) is off by default: it is slower and makes tokens less stable across copies
    of the same sentence. Whitespace tokens are kept so offsets tile the text."""
    if not text:
        return ()
    return _words_cached(text, hmm)


def content_words(text: str, *, hmm: bool = False) -> tuple[Word, ...]:
    """Words that carry meaning: no punctuation/whitespace, no function words, no single
    non-Han characters. Input for IDF-weighted paraphrase candidates."""
    out = []
    for w, s, e in words(text, hmm=hmm):
        if w in FUNCTION_WORDS or all(c in _PUNCT_OR_SPACE for c in w):
            continue
        if len(w) == 1 and not ("\u4e00" <= w <= "\u9fff") and not w.isalnum():
            continue
        out.append((w, s, e))
    return tuple(out)
