"""A small linear model over TF-IDF word and character n-grams, loaded from JSON, scored in pure Python.

The weights are produced offline by ``training/train_clause_model.py`` (scikit-learn) and stored in
``monitor/data/clause_model.json``; nothing here imports scikit-learn or pickle, and numpy is
imported only to score many clauses at once (:meth:`LinearModel.margins_many`).

Features (shared with the training script through :func:`count_features`), in two blocks:

- ``w``: lower-cased word unigrams and bigrams;
- ``c``: character n-grams inside word boundaries (each word padded with one space on either side,
  like scikit-learn's ``char_wb`` analyser), 3- to 5-grams unless the model file says otherwise
  (``char_min``: 2 gives 2- to 5-grams).

The word block is weighted like scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``: ``(1 + ln
tf) * idf``, L2-normalised over the features the model knows. The character block uses raw ``tf *
idf`` normalised by ``sqrt(sum tf * idf^2)`` (the L2 norm whenever every n-gram occurs once): since
its n-grams never cross a word boundary, both its dot product and its normaliser are sums of
per-word terms, cached per word, so scoring a clause costs a few lookups per distinct word. The
training script builds exactly these vectors over a vocabulary fixed before the final fit. The
margin of a category is ``bias + sum over blocks of scale * <x_block, w_block>``; rule hits are not
features (they did not help under cross-validation) but still decide recognition and negation in
``classify.py``.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import compress
from operator import itemgetter
from typing import Any

__all__ = [
    "CLAUDETTE_CODES",
    "BLOCKS",
    "LinearModel",
    "count_features",
    "load_model",
    "tokenize",
]

TOKEN = re.compile(r"[a-z0-9]+")
FORMAT = "clausewatch-tfidf-2"
BLOCKS = ("w", "c")
CHAR_MIN, CHAR_MAX = 3, 5
WORD_TABLE_SIZE = 200_000  # words kept in the batch scorer's table before it restarts

# CLAUDETTE category code -> taxonomy id
CLAUDETTE_CODES: dict[str, str] = {
    "a": "arbitration",
    "ch": "unilateral_change",
    "cr": "content_removal",
    "j": "jurisdiction",
    "law": "choice_of_law",
    "ltd": "limitation_of_liability",
    "ter": "unilateral_termination",
    "use": "contract_by_using",
    "pinc": "privacy_policy_by_reference",
}


def tokenize(lower: str) -> list[str]:
    return TOKEN.findall(lower)


def word_counts(tokens: Sequence[str]) -> Counter[str]:
    c = Counter(tokens)
    c.update([a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)])
    return c


@lru_cache(maxsize=65536)
def _word_grams(tok: str, lo: int = CHAR_MIN) -> tuple[str, ...]:
    w = " " + tok + " "
    n = len(w)
    out: list[str] = []
    for k in range(lo, CHAR_MAX + 1):
        if k > n:
            break
        out.extend(w[i : i + k] for i in range(n - k + 1))
    return tuple(out)


def char_counts(tokens: Sequence[str], lo: int = CHAR_MIN) -> Counter[str]:
    c: Counter[str] = Counter()
    for tok in tokens:
        c.update(_word_grams(tok, lo))
    return c


def count_features(tokens: Sequence[str], char_min: int = CHAR_MIN) -> dict[str, Counter[str]]:
    """Raw n-gram counts per block (the training script builds its TF-IDF matrices from these)."""
    return {"w": word_counts(tokens), "c": char_counts(tokens, char_min)}


_SUBLIN = [0.0] + [1.0 + math.log(t) for t in range(1, 256)]  # sublinear tf, precomputed


def multi_sub(tf: int) -> float:
    return _SUBLIN[tf] if tf < len(_SUBLIN) else 1.0 + math.log(tf)


# (block, feature names, their rows: a list of tuples, or a numpy array from score_many, ...)
_Hit = tuple[str, list[str], Any, dict[str, float], float]


@dataclass
class Scored:
    """Margins of one clause plus what produced them (reused to explain a decision)."""

    margins: list[float]
    # per block: (block, feature names, their idf * weight rows, sublinear tf of the features that
    # occur more than once, norm); for a raw-tf character block the names are the clause's words
    # and the rows their per-word sums
    hits: list[_Hit]
    tokens: Sequence[str] = ()
    # margins_many: builds ``hits`` when a decision is first explained
    lazy_hits: (
        Callable[
            [], list[tuple[str, list[str], Sequence[Sequence[float]], dict[str, float], float]]
        ]
        | None
    ) = None


@dataclass
class LinearModel:
    categories: list[str]  # taxonomy ids, one weight column each
    # block -> feature -> [idf, w_cat0, w_cat1, ...]
    # (arrays of doubles from JSON: a third of the memory of tuples of float objects, the same
    # values and summation order, and, holding no objects, never walked by the garbage collector)
    vocab: Mapping[str, Mapping[str, Sequence[float]]]
    bias: list[float]
    thresholds: list[float]  # margin at or above which the clause is unfair in that category
    low_thresholds: list[float]  # margin at or above which the category is recognised at all
    scales: dict[str, float] = field(default_factory=lambda: {b: 1.0 for b in BLOCKS})

    # per block: sublinear tf (1 + ln tf) with L2 norm, or raw tf normalised by sqrt(sum tf * idf^2)
    # (see _score_raw: character blocks are then scored word by word)
    sublinear: dict[str, bool] = field(default_factory=lambda: {b: True for b in BLOCKS})
    char_min: int = CHAR_MIN  # shortest character n-gram of the ``c`` block (longest: CHAR_MAX)

    def __post_init__(self) -> None:
        self._word_cache: dict[tuple[str, str], tuple[tuple[float, ...], float]] = {}
        self._word_ids: dict[str, int] = {}  # word -> row of _word_table (margins_many)
        self._word_table: Any = None  # numpy array, created on first use
        self._word_array: tuple[dict[str, int], Any] | None = None
        # Most n-grams occur once in a clause (sublinear tf 1), so store idf * weight rows and
        # idf squared: a clause's margins are then column sums of looked-up rows (C-level
        # map/zip/sum), with a correction only for the few n-grams that occur more than once.
        self._idf2 = {b: {f: r[0] * r[0] for f, r in v.items()} for b, v in self.vocab.items()}
        self._rows = {
            b: {f: array("d", [r[0] * x for x in r[1:]]) for f, r in v.items()}
            for b, v in self.vocab.items()
        }

    def score(self, tokens: Sequence[str]) -> Scored:
        out = list(self.bias)
        hits: list[_Hit] = []
        for block in BLOCKS:
            pw = self._rows.get(block)
            if not pw:
                continue
            if not self.sublinear.get(block, True):
                self._score_raw(block, tokens, out, hits)
                continue
            counts = word_counts(tokens) if block == "w" else char_counts(tokens, self.char_min)
            hit = list(counts.keys() & pw.keys())
            if not hit:
                continue
            idf2 = self._idf2[block]
            rows = list(map(pw.__getitem__, hit))
            sq = sum(map(idf2.__getitem__, hit))
            # n-grams occurring tf > 1 times: add (ln tf) * row, grouped by tf (few distinct tfs)
            tfs = list(map(counts.__getitem__, hit))
            multi: dict[str, float] = {}
            by_tf: dict[int, list[Sequence[float]]] = {}
            for f in compress(hit, map((1).__lt__, tfs)):
                tf = counts[f]
                sub = multi_sub(tf)
                multi[f] = sub
                sq += idf2[f] * (sub * sub - 1.0)
                by_tf.setdefault(tf, []).append(pw[f])
            norm = self.scales.get(block, 1.0) / math.sqrt(sq)
            for j, col in enumerate(zip(*rows, strict=True)):
                out[j] += norm * sum(col)
            for tf, trows in by_tf.items():
                extra = norm * (multi_sub(tf) - 1.0)
                for j, col in enumerate(zip(*trows, strict=True)):
                    out[j] += extra * sum(col)
            hits.append((block, hit, rows, multi, norm))
        return Scored(out, hits, tokens)

    def _score_raw(
        self,
        block: str,
        tokens: Sequence[str],
        out: list[float],
        hits: list[_Hit],
    ) -> None:
        """A raw-tf character block, scored word by word.

        Character n-grams never cross a word boundary, so with raw tf the dot product is the sum
        of per-word vectors, and the block's normaliser ``sqrt(sum tf * idf^2)`` (the L2 norm when
        every n-gram occurs once) is the sum of per-word terms: both are cached per word, so
        scoring costs one lookup per distinct word.
        """
        sq = 0.0
        words = []
        rows = []
        for tok, n in Counter(tokens).items():
            vec, s = self._word_vec(block, tok)
            if s:
                sq += n * s
                words.append(tok)
                rows.append(vec if n == 1 else tuple(n * x for x in vec))
        if sq <= 0.0:
            return
        norm = self.scales.get(block, 1.0) / math.sqrt(sq)
        for j, col in enumerate(zip(*rows, strict=True)):
            out[j] += norm * sum(col)
        # explained per word: the contribution of all the word's character n-grams
        hits.append((block, words, rows, {}, norm))

    def _word_vec(self, block: str, tok: str) -> tuple[tuple[float, ...], float]:
        """Sum of the idf * weight rows and of idf^2 over a word's character n-grams (cached)."""
        cache = self._word_cache
        key = (block, tok)
        got = cache.get(key)
        if got is None:
            acc = [0.0] * len(self.bias)
            s = 0.0
            pw = self._rows[block]
            idf2 = self._idf2[block]
            for g in _word_grams(tok, self.char_min):
                row = pw.get(g)
                if row is not None:
                    acc = [a + x for a, x in zip(acc, row, strict=True)]
                    s += idf2[g]
            got = (tuple(acc), s)
            if len(cache) > 200_000:
                cache.clear()
            cache[key] = got
        return got

    def margins(self, tokens: Sequence[str]) -> list[float]:
        return self.score(tokens).margins

    def score_many(self, token_lists: Sequence[Sequence[str]]) -> list[Scored]:
        """:meth:`score` for many clauses at once (a document's new clauses), vectorised with numpy.

        The same numbers as :meth:`score` up to the order of floating-point additions (a few
        units in the last place; :meth:`score` itself sums n-grams in string-hash order, which
        differs between processes). Layouts other than sublinear word n-grams plus raw-tf
        character n-grams, and a missing numpy, fall back to :meth:`score` clause by clause.
        """
        fast = (
            set(self.vocab) == set(BLOCKS)
            and self.sublinear.get("w", True)
            and not self.sublinear.get("c", True)
        )
        try:
            import numpy as np
        except ImportError:  # pragma: no cover - numpy is a dependency
            fast = False
        if not fast or len(token_lists) < 2:
            return [self.score(t) for t in token_lists]
        n = len(token_lists)
        k = len(self.bias)
        table = self._table()
        wid = self._word_ids
        windex, warray = self._word_block()
        words: list[str] = []
        tfs: list[int] = []
        seg: list[int] = []
        bigrams: list[str] = []
        btfs: list[int] = []
        bseg: list[int] = []
        wstart = [0]
        bstart = [0]
        for i, tokens in enumerate(token_lists):
            c = Counter(tokens)
            words.extend(c)
            tfs.extend(c.values())
            seg.extend([i] * len(c))
            pairs = Counter(
                filter(windex.__contains__, map(" ".join, zip(tokens, tokens[1:], strict=False)))
            )
            bigrams.extend(pairs)
            btfs.extend(pairs.values())
            bseg.extend([i] * len(pairs))
            wstart.append(len(words))
            bstart.append(len(bigrams))
        missing = [w for w in dict.fromkeys(words) if w not in wid]
        if len(wid) + len(missing) > WORD_TABLE_SIZE:  # full: restart with this batch's words
            wid.clear()
            missing = list(dict.fromkeys(words))
        if missing:
            table = self._add_words(missing)
        ids = np.fromiter(map(wid.__getitem__, words), np.intp, len(words))
        tf = np.asarray(tfs, dtype=np.float64)
        segs = np.asarray(seg, dtype=np.intp)
        rows = table[ids]
        sub = 1.0 + np.log(tf)
        # word block: unigrams (from the word table) and bigrams, sublinear tf, L2 norm
        acc_w = np.zeros((n, k))
        acc_c = np.zeros((n, k))
        _add_segments(acc_w, segs, rows[:, :k] * sub[:, None])
        sq_w = np.bincount(segs, rows[:, k] * sub * sub, minlength=n)
        brows = warray[:0, :k]
        if bigrams:
            bsub = 1.0 + np.log(np.asarray(btfs, dtype=np.float64))
            bsegs = np.asarray(bseg, dtype=np.intp)
            bids = np.fromiter(map(windex.__getitem__, bigrams), np.intp, len(bigrams))
            brows = warray[bids, :k]
            bidf2 = warray[bids, k]
            _add_segments(acc_w, bsegs, brows * bsub[:, None])
            sq_w += np.bincount(bsegs, bidf2 * bsub * bsub, minlength=n)
        # character block: per-word sums, raw tf, normaliser sqrt(sum tf * idf^2)
        _add_segments(acc_c, segs, rows[:, k + 1 : 2 * k + 1] * tf[:, None])
        sq_c = np.bincount(segs, rows[:, 2 * k + 1] * tf, minlength=n)
        norm_w = np.divide(
            self.scales.get("w", 1.0), np.sqrt(sq_w), out=np.zeros(n), where=sq_w > 0
        )
        norm_c = np.divide(
            self.scales.get("c", 1.0), np.sqrt(sq_c), out=np.zeros(n), where=sq_c > 0
        )
        out = np.asarray(self.bias) + acc_w * norm_w[:, None] + acc_c * norm_c[:, None]
        margins: list[list[float]] = out.tolist()
        nws: list[float] = norm_w.tolist()
        ncs: list[float] = norm_c.tolist()
        in_w = rows[:, k] > 0  # words that are word-block features
        in_c = rows[:, 2 * k + 1] > 0  # words with known character n-grams
        crows = rows[:, k + 1 : 2 * k + 1] * tf[:, None]

        def hits_of(i: int) -> Callable[[], list[_Hit]]:
            def hits() -> list[_Hit]:
                # as in score(): word-block rows without the tf factor, character rows times tf
                # (arrays, one row per feature: explain() reads one column)
                a, b = wstart[i], wstart[i + 1]
                out: list[_Hit] = []
                if nws[i] > 0:
                    sel = np.flatnonzero(in_w[a:b]) + a
                    names = [words[j] for j in sel.tolist()] + bigrams[bstart[i] : bstart[i + 1]]
                    wr = np.concatenate((rows[sel, :k], brows[bstart[i] : bstart[i + 1]]))
                    out.append(("w", names, wr, {}, nws[i]))
                if ncs[i] > 0:
                    sel = np.flatnonzero(in_c[a:b]) + a
                    out.append(("c", [words[j] for j in sel.tolist()], crows[sel], {}, ncs[i]))
                return out

            return hits

        return [Scored(margins[i], [], token_lists[i], hits_of(i)) for i in range(len(token_lists))]

    def _word_block(self) -> tuple[dict[str, int], Any]:
        """The word block as an array (rows: idf * weights, then idf^2) and its feature index."""
        got = self._word_array
        if got is None:
            import numpy as np

            names = list(self._rows["w"])
            arr = np.asarray([(*self._rows["w"][f], self._idf2["w"][f]) for f in names])
            got = self._word_array = ({f: i for i, f in enumerate(names)}, arr)
        return got

    def _table(self) -> Any:
        """Per-word rows for :meth:`margins_many`: the word's unigram idf * weight row and idf^2,
        then the sums of its character n-grams' rows and idf^2 (grown as words are seen)."""
        table = self._word_table
        if table is None:
            import numpy as np

            table = self._word_table = np.zeros((0, 2 * len(self.bias) + 2))
        return table

    def _add_words(self, words: list[str]) -> Any:
        import numpy as np

        k = len(self.bias)
        wid = self._word_ids
        table = self._table()
        new = np.zeros((len(words), 2 * k + 2))
        rows_w = self._rows["w"]
        idf2_w = self._idf2["w"]
        for i, tok in enumerate(words):
            row = rows_w.get(tok)
            if row is not None:
                new[i, :k] = row
                new[i, k] = idf2_w[tok]
            vec, s = self._word_vec("c", tok)
            if s:
                new[i, k + 1 : 2 * k + 1] = vec
                new[i, 2 * k + 1] = s
        start = len(wid)
        table = self._word_table = np.concatenate([table[:start], new])
        for i, tok in enumerate(words):
            wid[tok] = start + i
        return table

    def explain(self, scored: Scored, category: int, k: int = 3) -> list[str]:
        """The ``k`` n-grams that push category ``category`` towards unfair the most.

        Word n-grams are shown as they are; the character block is explained per word, as
        ``~word`` (the contribution of all the character n-grams of that word).
        """
        if scored.lazy_hits is not None:
            scored.hits = scored.lazy_hits()
            scored.lazy_hits = None
        top: list[tuple[float, str]] = []
        get = itemgetter(category)
        for block, hit, rows, _multi, norm in scored.hits:
            if isinstance(rows, list):
                contrib: Iterable[float] = map(norm.__mul__, map(get, rows))
            else:  # a numpy array (score_many): the same products, column at a time
                contrib = (rows[:, category] * norm).tolist()
            best = heapq.nlargest(k, zip(contrib, hit, strict=True))
            top.extend((c, f if block == "w" else "~" + f) for c, f in best)
        return [f for c, f in heapq.nlargest(k, top) if c > 0]

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "categories": self.categories,
            "bias": self.bias,
            "thresholds": self.thresholds,
            "low_thresholds": self.low_thresholds,
            "scales": self.scales,
            "sublinear": self.sublinear,
            "char_min": self.char_min,
            "vocab": {b: {f: list(r) for f, r in v.items()} for b, v in self.vocab.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LinearModel:
        if data.get("format") != FORMAT:
            raise ValueError("unknown clause model format")
        cats = [str(c) for c in data["categories"]]  # type: ignore[attr-defined]
        raw = data["vocab"]
        assert isinstance(raw, dict)
        vocab = {
            str(b): {str(f): array("d", v) for f, v in feats.items()} for b, feats in raw.items()
        }
        scales = data.get("scales") or {b: 1.0 for b in BLOCKS}
        assert isinstance(scales, dict)
        sublinear = data.get("sublinear") or {b: True for b in BLOCKS}
        assert isinstance(sublinear, dict)
        return cls(
            categories=cats,
            vocab=vocab,
            bias=[float(x) for x in data["bias"]],  # type: ignore[attr-defined]
            thresholds=[float(x) for x in data["thresholds"]],  # type: ignore[attr-defined]
            low_thresholds=[float(x) for x in data["low_thresholds"]],  # type: ignore[attr-defined]
            scales={str(b): float(s) for b, s in scales.items()},
            sublinear={str(b): bool(v) for b, v in sublinear.items()},
            char_min=int(data.get("char_min") or CHAR_MIN),  # type: ignore[call-overload]
        )


def _add_segments(acc: Any, segs: Any, vals: Any) -> None:
    """acc[i] += sum of the rows of vals whose segment is i (segs ascending)."""
    import numpy as np

    if len(segs) == 0:
        return
    starts = np.flatnonzero(np.r_[True, segs[1:] != segs[:-1]])
    acc[segs[starts]] += np.add.reduceat(vals, starts, axis=0)


@lru_cache(maxsize=1)
def load_model() -> LinearModel | None:
    """The packaged model, or None when it has not been trained (rules then work alone)."""
    try:
        text = resources.files("monitor").joinpath("data/clause_model.json").read_text("utf-8")
    except (FileNotFoundError, OSError):
        return None
    try:
        return LinearModel.from_json(json.loads(text))
    except (ValueError, KeyError):
        return None
