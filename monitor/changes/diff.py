"""Clause-aligned diff of two versions of a document. Pure: text and clauses in, ChangeEvents out
(their exposure and reasons are set by `monitor.changes.analysis.assess`, not here).

1. Both versions are split into blocks (`monitor.changes.blocks`: paragraphs, list items, table
   rows, headings) with offsets and heading paths, so alignment covers all the text, not only the
   classified clauses.
2. Blocks are aligned: the longest common subsequence of normalised blocks keeps unchanged text in
   place; identical normalised text found elsewhere is a move; the rest is paired fuzzily
   (token-set / character similarity >= 0.5, same heading path preferred, nearby first).
3. Each changed region or pair is classified editorial or substantive (`monitor.changes.editorial`);
   modified pairs get a word-level diff for highlighting (an exact alignment of the words,
   tidied by diff-match-patch's semantic cleanup).
4. Blocks are mapped to the classified clauses overlapping the changed characters, giving
   categories and facts; facts are compared by name into FactDeltas with a direction.

Text is "removed" only when it left the document: a block whose normalised text is still present
elsewhere in the new version is reported as editorial (duplicate or merged), never as removed.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from itertools import accumulate, chain
from typing import Any

from diff_match_patch import diff_match_patch
from rapidfuzz.distance import Indel

from monitor.changes.blocks import Block, blocks_of
from monitor.changes.editorial import editorial_kind as _editorial_kind
from monitor.changes.editorial import effective_note, stamp_only, strip_chrome
from monitor.clauses.classify import context_categories
from monitor.clauses.facts import extract_facts
from monitor.models import ChangeEvent, ClassifiedClause, Excerpt, Fact, FactDelta

__all__ = [
    "diff_texts",
    "fact_deltas",
    "fact_direction",
    "word_diff",
]

SIMILARITY_THRESHOLD = 0.5
_GLOBAL_FUZZY_THRESHOLD = 0.6
_MAX_PAIR_CANDIDATES = 40_000  # cap on fuzzy comparisons per diff (keeps rewrites linear-ish)
_MERGED_MIN_CHARS = 30
_PRECISE_PAIRS = 64  # regions up to this many candidate pairs also get a word-order ratio

# ================================================================== word diff

_WORD_TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


def word_diff(old: str, new: str) -> list[tuple[int, str]]:
    """Word-level diff-match-patch ops (op in -1/0/1); ops 0/-1 rebuild `old`, 0/1 rebuild `new`.

    Deterministic: an exact longest-common-subsequence alignment of the words, whatever the load.
    """
    return list(_word_diff(old, new))


# Pure functions of their texts, kept by value: a history's versions repeat the same block pairs.
@lru_cache(maxsize=8192)
def _word_diff(old: str, new: str) -> tuple[tuple[int, str], ...]:
    return tuple(_word_diff_uncached(old, new))


@lru_cache(maxsize=8192)
def editorial_kind(old: str, new: str) -> str | None:
    return _editorial_kind(old, new)


@lru_cache(maxsize=8192)
def _facts_of_passage(text: str, categories: tuple[str, ...]) -> tuple[Fact, ...]:
    return tuple(extract_facts(text, list(categories)))


def read_passage_facts(text: str, categories: list[str]) -> list[Fact]:
    """`monitor.clauses.facts.extract_facts`, memoised: a history repeats the same passages."""
    return list(_facts_of_passage(text, tuple(categories)))


def _token_codes() -> Iterator[int]:
    return chain(range(1, 0xD800), range(0xE000, 0x110000))


def _word_diff_uncached(old: str, new: str) -> list[tuple[int, str]]:
    if old == new:
        return [(0, old)] if old else []
    # Each distinct token (a run of spaces, of word characters, or one other character; together
    # they tile the text) becomes one character, numbered by first appearance, surrogates skipped.
    ta, tb = _WORD_TOKEN_RE.findall(old), _WORD_TOKEN_RE.findall(new)
    vocab = dict(zip(dict.fromkeys(chain(ta, tb)), map(chr, _token_codes()), strict=False))
    ea, eb = "".join(map(vocab.__getitem__, ta)), "".join(map(vocab.__getitem__, tb))
    # An exact LCS alignment of the word tokens, computed in C (bit-parallel, O(n*m/64)); the
    # diff-match-patch bisection it replaces was pure Python under a wall-clock timeout, so its
    # highlights depended on the machine's load. Among equally long alignments rapidfuzz picks its
    # own, so ties can be highlighted differently than diff-match-patch did.
    diffs: list[tuple[int, str]] = []
    for oc in Indel.opcodes(ea, eb):
        if oc.tag == "equal":
            diffs.append((0, ea[oc.src_start : oc.src_end]))
        elif oc.tag == "delete":
            diffs.append((-1, ea[oc.src_start : oc.src_end]))
        else:  # Indel has no "replace": insertions and deletions only
            diffs.append((1, eb[oc.dest_start : oc.dest_end]))
    dmp = diff_match_patch()
    dmp.diff_cleanupMerge(diffs)  # as diff_main ends: deletion before insertion, runs merged
    dmp.diff_cleanupSemantic(diffs)  # on word tokens, so highlights never split a word
    # ops 0/-1 still spell `ea` in order and 0/1 spell `eb`: decode by token offsets
    offs_a, offs_b = [0, *accumulate(map(len, ta))], [0, *accumulate(map(len, tb))]
    pa = pb = 0
    merged: list[tuple[int, str]] = []
    for op, chars in diffs:
        n = len(chars)
        if not n:
            continue
        if op <= 0:
            chunk = old[offs_a[pa] : offs_a[pa + n]]
            pa += n
            pb += n if op == 0 else 0
        else:
            chunk = new[offs_b[pb] : offs_b[pb + n]]
            pb += n
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + chunk)
        else:
            merged.append((op, chunk))
    return merged


def _changed_ranges(ops: Sequence[tuple[int, str]], side: int) -> list[tuple[int, int]]:
    """Character ranges (relative to the side's text) touched by the diff on one side (-1 or 1).

    Pure insertions/deletions on the other side appear as zero-width ranges at their position.
    """
    ranges: list[tuple[int, int]] = []
    pos = 0
    for op, chunk in ops:
        if op == 0:
            pos += len(chunk)
        elif op == side:
            ranges.append((pos, pos + len(chunk)))
            pos += len(chunk)
        else:
            ranges.append((pos, pos))
    return ranges


# ================================================================== clause mapping


class _ClauseIndex:
    def __init__(self, clauses: Sequence[ClassifiedClause]) -> None:
        self.clauses = sorted(clauses, key=lambda c: c.clause.start)
        self.starts = [c.clause.start for c in self.clauses]
        # the largest end among the first k+1 clauses (non-decreasing even where clauses nest):
        # clauses before the first one whose running maximum reaches a range cannot overlap it
        self.max_ends = list(accumulate((c.clause.end for c in self.clauses), max))

    def overlapping(self, ranges: Sequence[tuple[int, int]]) -> list[ClassifiedClause]:
        found: list[ClassifiedClause] = []
        seen: set[int] = set()
        for s, e in ranges:
            hi = bisect_left(self.starts, e + 1 if s == e else e)
            lo = bisect_left(self.max_ends, s) if s == e else bisect_right(self.max_ends, s)
            for k in range(lo, hi):
                c = self.clauses[k].clause
                hit = c.start <= s <= c.end if s == e else c.end > s
                if hit and k not in seen:
                    seen.add(k)
                    found.append(self.clauses[k])
        return sorted(found, key=lambda c: c.clause.start)


def _categories(clauses: Sequence[ClassifiedClause]) -> list[str]:
    out: list[str] = []
    for cc in clauses:
        for cl in sorted(cc.categories, key=lambda c: -c.confidence):
            if cl.category not in out:
                out.append(cl.category)
    return out


def _block_categories(index: _ClauseIndex, block: Block) -> set[str]:
    """Categories of the clauses a block overlaps."""
    return set(_categories(index.overlapping([(block.start, block.end)])))


def _facts(clauses: Sequence[ClassifiedClause]) -> list[Fact]:
    return [f for cc in clauses for f in cc.facts]


FactReader = Callable[[str, list[str]], list[Fact]]


def _span_facts(
    ctx: _Ctx,
    text: str,
    span: tuple[int, int] | None,
    clauses: Sequence[ClassifiedClause],
    categories: Sequence[str],
) -> list[Fact]:
    """Facts of a changed passage. With a fact reader and a category, they are read from the
    passage's whole text, so a number in an unclassified sentence of a classified paragraph
    ("at least 7 days' notice") still yields a delta; otherwise they are the facts of the clauses
    the passage overlaps."""
    if span is None:
        return []
    if categories and ctx.fact_reader is not None:
        return ctx.fact_reader(text[span[0] : span[1]], list(categories))
    return _facts(clauses)


def _unfair(clauses: Sequence[ClassifiedClause]) -> bool:
    return any(cl.unfair for cc in clauses for cl in cc.categories)


def _block_at(blocks: Sequence[Block], start: int) -> Block | None:
    """The block of a version that starts at offset `start` (None inside a block)."""
    lo, hi = 0, len(blocks)
    while lo < hi:  # bisect on the blocks' starts, without building the list of them
        mid = (lo + hi) // 2
        if blocks[mid].start < start:
            lo = mid + 1
        else:
            hi = mid
    return blocks[lo] if lo < len(blocks) and blocks[lo].start == start else None


def _is_list_part(block: Block) -> bool:
    return bool(_ITEM_RE.match(block.text) or block.text.startswith("|"))


def lead_in(blocks: Sequence[Block], block: Block, *, colon: bool = False) -> Block | None:
    """The paragraph that introduces the list or table `block` belongs to: the first block
    before the run of items or rows holding it, under the same heading, when it reads as a
    provision (ends with ":", or, unless `colon`, is a sentence of at least eight words; not
    only links)."""
    if not _is_list_part(block):
        return None
    k = block.index - 1
    while k >= 0 and _is_list_part(blocks[k]) and blocks[k].heading_path == block.heading_path:
        k -= 1
    if k < 0:
        return None
    lead = blocks[k]
    if lead.is_heading or lead.heading_path != block.heading_path or _link_only(lead.text):
        return None
    if lead.text.rstrip(" *_").endswith(":") or (not colon and len(lead.norm.split()) >= 8):
        return lead
    return None


def _lead_in_clauses(
    blocks: Sequence[Block], index: _ClauseIndex, span: tuple[int, int] | None
) -> list[ClassifiedClause]:
    if span is None:
        return []
    block = _block_at(blocks, span[0])
    lead = lead_in(blocks, block) if block is not None else None
    return index.overlapping([(lead.start, lead.end)]) if lead is not None else []


# heading words that name a section's subject, not what its items provide ("Disallowed usage of
# our models", "To provide and improve the Services", "Outputs"): no category for an item alone
_SUBJECT_ONLY = frozenset({"ai_training_on_user_content", "output_ownership"})


def _heading_named(blocks: Sequence[Block], span: tuple[int, int] | None) -> list[str]:
    """The categories named by the heading right over a list item or table row (none for a
    paragraph: a heading alone is not a provision's wording; nor from a parent heading, which
    introduces its sections, not their lists)."""
    block = _block_at(blocks, span[0]) if span is not None else None
    if block is None or not block.heading_path or not _is_list_part(block):
        return []
    named = context_categories(block.heading_path[-1:])
    return [c for c, where in named.items() if where == "heading" and c not in _SUBJECT_ONLY]


# ================================================================== facts

_SHORTER_WORSE = frozenset({"notice_period", "credit_validity", "refund_window", "optout_window"})
_LONGER_WORSE = frozenset({"retention"})
# usage limits are named by what they count (concurrent_jobs, concurrent_videos, requests_per_...)
_LIMIT_PREFIXES = ("concurrent_", "requests_per_", "messages_per_")
_LOWER_WORSE = frozenset(
    {"liability_cap", "liability_cap_months", "concurrent_jobs", "requests_per_minute"}
    | {"requests_per_day", "requests_per_hour", "requests_per_month", "storage_quota"}
)
# a fact that appears: is the document now less favourable (a limit now applies) or more?
_APPEARS_WORSE = frozenset(
    {"credit_validity", "liability_cap", "liability_cap_months", "concurrent_jobs"}
    | {"requests_per_minute", "requests_per_day", "requests_per_hour", "requests_per_month"}
    | {"arbitration_body", "storage_quota"}
)
_APPEARS_BETTER = frozenset({"notice_period", "refund_window", "optout_window"})
TRAINING_ORDER = {"never": 0, "opt_in": 1, "opt_out": 2, "yes": 3}


def fact_direction(name: str, old: float | str | None, new: float | str | None) -> str:
    """ "less_favourable" | "more_favourable" | "neutral", from the user's point of view."""
    if old == new:
        return "neutral"
    if name == "training_on_content":
        o = TRAINING_ORDER.get(str(old)) if old is not None else None
        n = TRAINING_ORDER.get(str(new)) if new is not None else None
        if o is not None and n is not None:
            return "less_favourable" if n > o else "more_favourable"
        if n is not None:  # appears
            return "less_favourable" if n >= 2 else "more_favourable" if n == 0 else "neutral"
        if o is not None:  # disappears: losing a "never" promise is the bad case
            return "less_favourable" if o == 0 else "neutral"
        return "neutral"
    if old is None:
        if name in _APPEARS_WORSE or name.startswith(_LIMIT_PREFIXES):
            return "less_favourable"
        return "more_favourable" if name in _APPEARS_BETTER else "neutral"
    if new is None:
        if name in _APPEARS_WORSE or name.startswith(_LIMIT_PREFIXES):
            return "more_favourable"
        return "less_favourable" if name in _APPEARS_BETTER else "neutral"
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return "neutral"  # named bodies, laws, venues: a change is worth reading, not ranked
    if name in _SHORTER_WORSE or name in _LOWER_WORSE or name.startswith(_LIMIT_PREFIXES):
        return "less_favourable" if new < old else "more_favourable"
    if name in _LONGER_WORSE:
        return "less_favourable" if new > old else "more_favourable"
    return "neutral"


def fact_deltas(old_facts: Sequence[Fact], new_facts: Sequence[Fact]) -> list[FactDelta]:
    """Compare facts by name. Same values (as multisets) give no delta; otherwise the first value
    that is not on the other side is reported (None when the fact appears or disappears)."""
    names: list[str] = []
    for f in [*old_facts, *new_facts]:
        if f.name not in names:
            names.append(f.name)
    deltas: list[FactDelta] = []
    for name in names:
        olds = [f for f in old_facts if f.name == name]
        news = [f for f in new_facts if f.name == name]
        ov, nv = [f.value for f in olds], [f.value for f in news]
        if sorted(map(str, ov)) == sorted(map(str, nv)):
            continue
        o = (
            next((f for f in olds if f.value not in nv), None)
            if nv
            else (olds[0] if olds else None)
        )
        n = (
            next((f for f in news if f.value not in ov), None)
            if ov
            else (news[0] if news else None)
        )
        if o is None and n is None:
            continue  # only the multiplicity changed
        ref = n or o
        assert ref is not None
        old_value = o.value if o else None
        new_value = n.value if n else None
        deltas.append(
            FactDelta(
                name=name,
                kind=ref.kind,
                old=old_value,
                new=new_value,
                unit=ref.unit,
                direction=fact_direction(name, old_value, new_value),
                old_written=o.written if o else "",
                new_written=n.written if n else "",
            )
        )
    return deltas


# ================================================================== alignment


def _similarity(a: Block, b: Block, precise: bool) -> float:
    """Token-set Jaccard; for short blocks in small regions, also the word-sequence ratio (so a
    one-word edit of a short line, "30 days" -> "7 days", still pairs)."""
    if a.is_heading != b.is_heading:
        return 0.0
    ta, tb = a.tokens, b.tokens
    if not ta or not tb:
        return 1.0 if a.norm == b.norm else 0.0
    score = len(ta & tb) / len(ta | tb)
    if precise and score < SIMILARITY_THRESHOLD and len(ta) + len(tb) <= 80:
        words = SequenceMatcher(None, a.norm.split(), b.norm.split(), autojunk=False)
        score = max(score, words.ratio() * 0.95)
    return score


def _pair_fuzzily(
    olds: Sequence[Block], news: Sequence[Block], threshold: float, budget: list[int]
) -> list[tuple[Block, Block, float]]:
    """Greedy best-first pairing; same heading path and nearby position break ties."""
    if not olds or not news or len(olds) * len(news) > budget[0]:
        return []
    budget[0] -= len(olds) * len(news)
    precise = len(olds) * len(news) <= _PRECISE_PAIRS
    candidates: list[tuple[float, int, int, int]] = []
    for x, a in enumerate(olds):
        na = len(a.tokens)
        for y, b in enumerate(news):
            if a.tokens.isdisjoint(b.tokens) and a.norm and b.norm:
                continue
            if not precise and na and b.tokens:
                # Jaccard is at most the ratio of the token-set sizes: skip hopeless pairs
                nb = len(b.tokens)
                if min(na, nb) / max(na, nb) < threshold:
                    continue
            score = _similarity(a, b, precise)
            if score >= threshold:
                bonus = 0.05 if a.heading_path == b.heading_path else 0.0
                candidates.append((score + bonus, -abs(x - y), x, y))
    candidates.sort(reverse=True)
    used_o: set[int] = set()
    used_n: set[int] = set()
    pairs: list[tuple[Block, Block, float]] = []
    for score, _, x, y in candidates:
        if x in used_o or y in used_n:
            continue
        used_o.add(x)
        used_n.add(y)
        pairs.append((olds[x], news[y], min(score, 1.0)))
    return pairs


_SAME_PROVISION_THRESHOLD = 0.0  # heading + category + place are the evidence


def _pair_same_provision(
    ctx: _Ctx, olds: Sequence[Block], news: Sequence[Block]
) -> list[tuple[Block, Block, float]]:
    """Pair leftover blocks of one changed region that sit under the same heading and carry a
    common provision category, even when their wording is mostly new."""
    if not olds or not news:
        return []
    old_cats = {a.index: _block_categories(ctx.old_idx, a) for a in olds}
    new_cats = {b.index: _block_categories(ctx.new_idx, b) for b in news}
    candidates: list[tuple[float, int, int]] = []
    for x, a in enumerate(olds):
        for y, b in enumerate(news):
            if a.heading_path != b.heading_path or not old_cats[a.index] & new_cats[b.index]:
                continue
            score = _similarity(a, b, False)
            if score >= _SAME_PROVISION_THRESHOLD:
                candidates.append((score, x, y))
    candidates.sort(reverse=True)
    used_o: set[int] = set()
    used_n: set[int] = set()
    pairs: list[tuple[Block, Block, float]] = []
    for score, x, y in candidates:
        if x in used_o or y in used_n:
            continue
        used_o.add(x)
        used_n.add(y)
        pairs.append((olds[x], news[y], score))
    return pairs


_ABSORB_GAIN = 0.02  # a neighbour joins a pair when the two sides become clearly more alike,
_ABSORB_SHARE = (
    0.4  # or when this share of its words is on the other side and it is the same provision
)


def _jaccard(ta: frozenset[str] | set[str], tb: frozenset[str] | set[str]) -> float:
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def _absorb_neighbours(
    ctx: _Ctx,
    a: Block,
    b: Block,
    olds_left: dict[int, Block],
    news_left: dict[int, Block],
) -> tuple[tuple[Block, list[int]], tuple[Block, list[int]]] | None:
    """Grow a pair into the unpaired blocks next to it, under the same heading, while the two sides
    grow more alike or the neighbour carries the same provision. A provision rewritten from a
    paragraph plus a list into one paragraph (or the reverse) is one modification, not a
    modification plus stray removals or additions. Absorbed blocks are taken out of `olds_left` /
    `news_left`; None when nothing was absorbed."""
    cats_a = _block_categories(ctx.old_idx, a)
    cats_b = _block_categories(ctx.new_idx, b)
    o_lo = o_hi = a.index
    n_lo = n_hi = b.index
    ta, tb = set(a.tokens), set(b.tokens)
    best = _jaccard(ta, tb)
    while True:
        options: list[tuple[float, float, int, bool]] = []
        for idx, is_old in (
            (o_lo - 1, True),
            (o_hi + 1, True),
            (n_lo - 1, False),
            (n_hi + 1, False),
        ):
            blk = (olds_left if is_old else news_left).get(idx)
            if blk is None or blk.is_heading or not blk.tokens:
                continue
            if blk.heading_path != (a.heading_path if is_old else b.heading_path):
                continue
            other = tb if is_old else ta
            score = _jaccard(ta | blk.tokens, tb) if is_old else _jaccard(ta, tb | blk.tokens)
            share = len(blk.tokens & other) / len(blk.tokens)
            if score <= best + _ABSORB_GAIN:
                if share < _ABSORB_SHARE:
                    continue
                own = _block_categories(ctx.old_idx if is_old else ctx.new_idx, blk)
                if not own & (cats_b if is_old else cats_a):
                    continue
            options.append((share, score, idx, is_old))
        if not options:
            break
        _, score, idx, is_old = max(options)
        best = max(best, score)
        if is_old:
            ta |= olds_left.pop(idx).tokens
            o_lo, o_hi = min(o_lo, idx), max(o_hi, idx)
        else:
            tb |= news_left.pop(idx).tokens
            n_lo, n_hi = min(n_lo, idx), max(n_hi, idx)
    if (o_lo, o_hi, n_lo, n_hi) == (a.index, a.index, b.index, b.index):
        return None
    return (
        _span_block(a, o_lo, o_hi, ctx.old_text, frozenset(ta)),
        list(range(o_lo, o_hi + 1)),
    ), (_span_block(b, n_lo, n_hi, ctx.new_text, frozenset(tb)), list(range(n_lo, n_hi + 1)))


def _span_block(anchor: Block, lo: int, hi: int, text: str, tokens: frozenset[str]) -> Block:
    """A block covering blocks lo..hi of `text` (a fresh object: cached blocks stay untouched)."""
    blocks = blocks_of(text)
    start, end = blocks[lo].start, blocks[hi].end
    norm = " ".join(blk.norm for blk in blocks[lo : hi + 1] if blk.norm)
    return Block(lo, start, end, text[start:end], anchor.heading_path, False, norm, tokens)


# ================================================================== events


@dataclass
class _Ctx:
    old_text: str
    new_text: str
    old_sha: str
    new_sha: str
    old_blocks: list[Block]
    new_blocks: list[Block]
    old_idx: _ClauseIndex
    new_idx: _ClauseIndex
    fact_reader: FactReader | None = None

    def before(self, s: int, e: int) -> Excerpt:
        return Excerpt(self.old_text[s:e], s, e, self.old_sha)

    def after(self, s: int, e: int) -> Excerpt:
        return Excerpt(self.new_text[s:e], s, e, self.new_sha)


def _event(
    ctx: _Ctx,
    kind: str,
    old_span: tuple[int, int] | None,
    new_span: tuple[int, int] | None,
    heading_path: tuple[str, ...],
    *,
    ekind: str | None = None,
    ops: list[tuple[int, str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> ChangeEvent:
    old_all: list[ClassifiedClause] = []
    new_all: list[ClassifiedClause] = []
    old_changed: list[ClassifiedClause] = []
    new_changed: list[ClassifiedClause] = []
    if old_span:
        old_all = ctx.old_idx.overlapping([old_span])
        old_changed = old_all
    if new_span:
        new_all = ctx.new_idx.overlapping([new_span])
        new_changed = new_all
    if ops and old_span and new_span and kind == "modified":
        o0, n0 = old_span[0], new_span[0]
        # only the clauses holding the changed words: a block's other clauses did not change
        old_changed = ctx.old_idx.overlapping(
            [(o0 + s, o0 + e) for s, e in _changed_ranges(ops, -1)]
        )
        new_changed = ctx.new_idx.overlapping(
            [(n0 + s, n0 + e) for s, e in _changed_ranges(ops, 1)]
        )
    categories = _categories([*new_changed, *old_changed])
    if not categories and not ekind:
        # an item of a list or a row of a table completes the provision that introduces it
        # ("We share your data with:" + "* Law enforcement"): read with that lead-in clause
        lead_ins = [
            *_lead_in_clauses(ctx.new_blocks, ctx.new_idx, new_span),
            *_lead_in_clauses(ctx.old_blocks, ctx.old_idx, old_span),
        ]
        categories = _categories(lead_ins) or (
            # with no introducing paragraph, the heading introduces the list ("Sub-processors"
            # over a table of vendors, "Analytics cookies" over a cookie table)
            _heading_named(ctx.new_blocks, new_span) or _heading_named(ctx.old_blocks, old_span)
        )
    old_cats = set(_categories(old_changed))
    deltas = (
        []
        if ekind
        else fact_deltas(
            _span_facts(ctx, ctx.old_text, old_span, old_all, categories),
            _span_facts(ctx, ctx.new_text, new_span, new_all, categories),
        )
    )
    unfair = _unfair(old_changed if kind == "removed" else new_changed)
    return ChangeEvent(
        kind=kind,
        categories=categories,
        editorial=ekind is not None,
        exposure="low",
        reasons=[],
        fact_deltas=deltas,
        heading_path=heading_path,
        before=ctx.before(*old_span) if old_span else None,
        after=ctx.after(*new_span) if new_span else None,
        diff=ops or [],
        editorial_kind=ekind,
        unfair=unfair,
        extra={
            "new_categories": [c for c in _categories(new_changed) if c not in old_cats],
            "old_unfair": _unfair(old_changed),
            "new_unfair": _unfair(new_changed),
            **(extra or {}),
        },
    )


def _block_opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib opcodes aligning two lists of block norms, their common head and tail matched
    first: successive versions differ in a few blocks, and difflib's cost grows with the lengths.
    (Where the changed middle repeats blocks of the head or tail, this can pair a different copy
    than difflib over the whole lists, which looks for the longest run first.)"""
    size = min(len(old), len(new))
    head = 0
    while head < size and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < size - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    middle = SequenceMatcher(
        None, old[head : len(old) - tail], new[head : len(new) - tail], autojunk=False
    )
    ops = [("equal", 0, head, 0, head)] if head else []
    ops.extend(
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in middle.get_opcodes()
    )
    if tail:
        ops.append(("equal", len(old) - tail, len(old), len(new) - tail, len(new)))
    return ops


def diff_texts(
    old_text: str,
    old_clauses: Sequence[ClassifiedClause],
    new_text: str,
    new_clauses: Sequence[ClassifiedClause],
    *,
    old_sha256: str,
    new_sha256: str,
    fact_reader: FactReader | None = read_passage_facts,
) -> list[ChangeEvent]:
    """Change events from `old_text` to `new_text`, in new-document order, not yet assessed
    (exposure "low", no reasons: `monitor.changes.version_analysis.diff_versions` assesses them).

    Excerpts are exact substrings of the respective version with its sha256.

    `fact_reader(text, categories) -> list[Fact]` reads the facts of a changed categorised passage
    from its whole text (by default `monitor.clauses.facts.extract_facts`, memoised); None uses
    only the facts carried by the given clauses (pure: clauses in, events out).
    """
    ctx = _Ctx(
        old_text,
        new_text,
        old_sha256,
        new_sha256,
        blocks_of(old_text),
        blocks_of(new_text),
        _ClauseIndex(old_clauses),
        _ClauseIndex(new_clauses),
        fact_reader,
    )
    keyed, regions = _align_blocks(ctx)
    pairing = _Pairing(
        [b for i1, i2, _, _ in regions for b in ctx.old_blocks[i1:i2]],
        [b for _, _, j1, j2 in regions for b in ctx.new_blocks[j1:j2]],
    )
    keyed += _moved_blocks(ctx, pairing)
    pairs = _pair_blocks(ctx, regions, pairing)
    keyed += _pair_events(ctx, pairs)
    keyed += _unpaired_events(ctx, regions, pairing)
    keyed.sort(key=lambda kv: kv[0])
    return [ev for _, ev in keyed]


# An event with its sort key, in the new version's order: (new block index, 0, rank), the rank 0
# for aligned blocks and editorial regions, 1 moved, 2 paired, 3 added; a removal sorts before the
# first new block of its region: (that block's index, -1, old block index).
_Keyed = tuple[tuple[int, int, int], ChangeEvent]
# A changed region of the alignment: old blocks [i1, i2) replaced by new blocks [j1, j2).
_Region = tuple[int, int, int, int]
# Two paired blocks (spans of blocks once grown), their similarity, and whether they were paired
# across regions (a move with changes).
_Pair = tuple[Block, Block, float, bool]


@dataclass
class _Pairing:
    """The blocks of the changed regions, old and new, and which of them are paired so far (by
    block index)."""

    old: list[Block]
    new: list[Block]
    paired_old: set[int] = field(default_factory=set)
    paired_new: set[int] = field(default_factory=set)

    def pair(self, a: Block, b: Block) -> None:
        self.paired_old.add(a.index)
        self.paired_new.add(b.index)


def _align_blocks(ctx: _Ctx) -> tuple[list[_Keyed], list[_Region]]:
    """Align the versions' blocks by their normalised text. Aligned blocks whose characters
    differ, and changed regions that are editorial as a whole, are editorial events; the other
    changed regions are returned for pairing."""
    old_blocks, new_blocks = ctx.old_blocks, ctx.new_blocks
    old_text, new_text = ctx.old_text, ctx.new_text
    keyed: list[_Keyed] = []
    regions: list[_Region] = []
    for tag, i1, i2, j1, j2 in _block_opcodes(
        [b.norm for b in old_blocks], [b.norm for b in new_blocks]
    ):
        if tag == "equal":
            for a, b in zip(old_blocks[i1:i2], new_blocks[j1:j2], strict=True):
                if a.text != b.text:  # same words, different characters: editorial
                    ek: str | None = editorial_kind(a.text, b.text) or "punctuation"
                    ev = _event(
                        ctx,
                        "editorial",
                        (a.start, a.end),
                        (b.start, b.end),
                        b.heading_path,
                        ekind=ek,
                        ops=word_diff(a.text, b.text),
                    )
                    keyed.append(((b.index, 0, 0), ev))
            continue
        if i1 < i2 and j1 < j2:
            os_, oe = old_blocks[i1].start, old_blocks[i2 - 1].end
            ns, ne = new_blocks[j1].start, new_blocks[j2 - 1].end
            ek = editorial_kind(old_text[os_:oe], new_text[ns:ne])
            if ek is not None:
                ev = _event(
                    ctx,
                    "editorial",
                    (os_, oe),
                    (ns, ne),
                    new_blocks[j1].heading_path,
                    ekind=ek,
                    ops=word_diff(old_text[os_:oe], new_text[ns:ne]),
                    extra={"blocks": [i2 - i1, j2 - j1]},
                )
                keyed.append(((j1, 0, 0), ev))
                continue
        regions.append((i1, i2, j1, j2))
    return keyed, regions


def _moved_blocks(ctx: _Ctx, pairing: _Pairing) -> list[_Keyed]:
    """Moves: blocks of the changed regions whose normalised text is found elsewhere."""
    keyed: list[_Keyed] = []
    by_norm: dict[str, list[Block]] = {}
    for b in pairing.new:
        if b.norm:
            by_norm.setdefault(b.norm, []).append(b)
    for a in pairing.old:
        cands = by_norm.get(a.norm)
        if not cands:
            continue
        b = cands.pop(0)
        pairing.pair(a, b)
        extra = {"from_heading_path": list(a.heading_path), "old_block": a.index}
        ev = _event(
            ctx,
            "moved",
            (a.start, a.end),
            (b.start, b.end),
            b.heading_path,
            ekind="reorder",
            ops=word_diff(a.text, b.text),
            extra=extra,
        )
        keyed.append(((b.index, 0, 1), ev))
    return keyed


def _pair_blocks(ctx: _Ctx, regions: list[_Region], pairing: _Pairing) -> list[_Pair]:
    """Pair the blocks left unpaired: fuzzily inside each region, then as the same provision,
    grown into their unpaired neighbours, and last fuzzily across regions."""
    old_blocks, new_blocks = ctx.old_blocks, ctx.new_blocks
    paired_old, paired_new = pairing.paired_old, pairing.paired_new
    budget = [_MAX_PAIR_CANDIDATES]
    pairs: list[_Pair] = []
    for i1, i2, j1, j2 in regions:
        olds = [b for b in old_blocks[i1:i2] if b.index not in paired_old]
        news = [b for b in new_blocks[j1:j2] if b.index not in paired_new]
        for a, b, score in _pair_fuzzily(olds, news, SIMILARITY_THRESHOLD, budget):
            pairing.pair(a, b)
            pairs.append((a, b, score, False))
    # a renamed heading keeps its place: the region's leftover headings, as many on each side,
    # pair in order (one heading event, not a removal and an addition)
    for i1, i2, j1, j2 in regions:
        olds = [b for b in old_blocks[i1:i2] if b.is_heading and b.index not in paired_old]
        news = [b for b in new_blocks[j1:j2] if b.is_heading and b.index not in paired_new]
        if olds and len(olds) == len(news):
            for a, b in zip(olds, news, strict=True):
                pairing.pair(a, b)
                pairs.append((a, b, _similarity(a, b, False), False))
    # a rewritten provision ("we will not train" -> "we may train unless you opt out") shares
    # little wording but keeps its place, its heading and its category: still a modification
    for i1, i2, j1, j2 in regions:
        olds = [b for b in old_blocks[i1:i2] if b.index not in paired_old]
        news = [b for b in new_blocks[j1:j2] if b.index not in paired_new]
        for a, b, score in _pair_same_provision(ctx, olds, news):
            pairing.pair(a, b)
            pairs.append((a, b, score, False))
    for i1, i2, j1, j2 in regions:
        olds_left = {b.index: b for b in old_blocks[i1:i2] if b.index not in paired_old}
        news_left = {b.index: b for b in new_blocks[j1:j2] if b.index not in paired_new}
        if not olds_left and not news_left:
            continue
        for k, (a, b, score, moved) in enumerate(pairs):
            if i1 <= a.index < i2 and j1 <= b.index < j2:
                grown = _absorb_neighbours(ctx, a, b, olds_left, news_left)
                if grown is not None:
                    (a2, old_ids), (b2, new_ids) = grown
                    paired_old.update(old_ids)
                    paired_new.update(new_ids)
                    pairs[k] = (a2, b2, score, moved)
    rest_old = [b for b in pairing.old if b.index not in paired_old]
    rest_new = [b for b in pairing.new if b.index not in paired_new]
    for a, b, score in _pair_fuzzily(rest_old, rest_new, _GLOBAL_FUZZY_THRESHOLD, budget):
        pairing.pair(a, b)
        pairs.append((a, b, score, True))
    return pairs


def _pair_events(ctx: _Ctx, pairs: list[_Pair]) -> list[_Keyed]:
    """A paired block is modified, or edited editorially: its word diff tells."""
    keyed: list[_Keyed] = []
    for a, b, score, moved in pairs:
        ops = word_diff(a.text, b.text)
        ek = editorial_kind(a.text, b.text) or _pair_chrome(a, b)
        if ek is None and a.is_heading and b.is_heading:
            ek = "heading_rename"  # the text under it is compared block by block
        extra: dict[str, Any] = {
            "similarity": round(score, 3),
            "old_block": a.index,
            "moved": moved,
        }
        if moved:
            extra["from_heading_path"] = list(a.heading_path)
        kind = "modified" if ek is None else "editorial"
        ev = _event(
            ctx,
            kind,
            (a.start, a.end),
            (b.start, b.end),
            b.heading_path,
            ekind=ek,
            ops=ops,
            extra=extra,
        )
        keyed.append(((b.index, 0, 2), ev))
    return keyed


def _unpaired_events(ctx: _Ctx, regions: list[_Region], pairing: _Pairing) -> list[_Keyed]:
    """What is left unpaired was removed or added, unless its text is still in the other version
    (editorial)."""
    old_blocks, new_blocks = ctx.old_blocks, ctx.new_blocks
    keyed: list[_Keyed] = []
    new_norms = {b.norm for b in new_blocks}
    old_norms = {b.norm for b in old_blocks}
    new_joined = " ".join(b.norm for b in new_blocks)
    old_joined = " ".join(b.norm for b in old_blocks)
    region_of_old = {b.index: j1 for i1, i2, j1, _ in regions for b in old_blocks[i1:i2]}
    banner: set[tuple[int, int]] = set()  # (side, block index) of consent banners
    for side, blocks, paired in (
        (-1, pairing.old, pairing.paired_old),
        (1, pairing.new, pairing.paired_new),
    ):
        for run in _runs([b for b in blocks if b.index not in paired]):
            if _consent_banner(run):
                banner.update((side, b.index) for b in run)
    for a in pairing.old:
        if a.index in pairing.paired_old:
            continue
        ek = (
            ("interface_text" if (-1, a.index) in banner else None)
            or _still_present(a, new_norms, new_joined)
            or _chrome_block(old_blocks, a)
        )
        kind = "editorial" if ek else "removed"
        ev = _event(ctx, kind, (a.start, a.end), None, a.heading_path, ekind=ek)
        keyed.append(((region_of_old[a.index], -1, a.index), ev))
    for b in pairing.new:
        if b.index in pairing.paired_new:
            continue
        ek = (
            ("interface_text" if (1, b.index) in banner else None)
            or _still_present(b, old_norms, old_joined)
            or _chrome_block(new_blocks, b)
        )
        kind = "editorial" if ek else "added"
        ev = _event(ctx, kind, None, (b.start, b.end), b.heading_path, ekind=ek)
        keyed.append(((b.index, 0, 3), ev))
    return keyed


_FRAGMENT_MAX_WORDS = 3
_SHORT_LINE_WORDS = 12
# a Markdown link or image, "[text](url)" / "![alt](url)", and what may sit between links of a
# menu or banner: list markers, separators, emphasis, emoji and other symbols
# (a target runs to the first ")": a bracket inside a URL leaves text behind, never hides it)
_MD_LINK_RE = re.compile(r"!?\[[^\]\n]*\]\([^\s]*?(?:\s+\"[^\"\n]*\")?\s*\)")
_MD_IMAGE_RE = re.compile(r"!\[[^\]\n]*\]\([^\s]*?(?:\s+\"[^\"\n]*\")?\s*\)")
# a browser page title captured as a line: "EU terms of use | OpenAI", "Fireworks - Terms"
_TITLE_SEPARATOR_RE = re.compile(r"\s(?:\||-|–|—|·)\s")
_ITEM_RE = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+\S")


def _link_only(text: str) -> bool:
    """A block that is links and nothing else (a menu entry, a promotional banner, a tracking
    pixel): no word outside a link's brackets."""
    if "](" not in text:
        return False
    # images first, so that a link around an image ("[![alt](src)](href)") is a link again
    rest = _MD_LINK_RE.sub(" ", _MD_IMAGE_RE.sub(" ", text))
    return not any(ch.isalnum() for ch in rest)


def _filler(block: Block) -> bool:
    """Measurement text a page renders to size fonts ("word word word ..."): many words, almost
    all the same."""
    words = block.norm.split()
    return len(words) >= 12 and len(set(words)) * 5 <= len(words)


def _chrome_block(blocks: Sequence[Block], block: Block) -> str | None:
    """Editorial kind of a block that appeared or disappeared and is page chrome, or None.

    Links alone are navigation, unless they are items of a provision's list (a list introduced
    by a clause: "Our sub-processors:" + "* [Acme](...)"); filler text is interface text; a
    short fragment (at most three words, no digits, no sentence punctuation: "Select language",
    "Copy") is interface text unless it is an item of a provision's list ("Date of birth" under
    "We collect:")."""
    if _link_only(block.text):
        # a list of links after any paragraph is a menu; after "Our sub-processors:" a provision's
        return None if lead_in(blocks, block, colon=True) is not None else "navigation"
    if _filler(block) or (block.norm and not strip_chrome(block.norm)):
        return "interface_text"  # filler, or nothing but known widget text ("Copy page")
    if len(block.norm.split()) <= _SHORT_LINE_WORDS + 4 and _SITE_CREDIT_RE.match(block.norm):
        return "interface_text"
    short = len(block.tokens) <= _SHORT_LINE_WORDS  # page titles and stamps are short lines
    if (short and stamp_only(block.text)) or effective_note(block.text):
        return "date_stamp"
    if block.is_heading:
        # a heading alone: the text under it is compared block by block (its own events)
        return "heading_format"
    if short and _page_title(block):
        return "interface_text"
    words = block.norm.split()
    raw = block.text.strip()
    if not 0 < len(words) <= _FRAGMENT_MAX_WORDS or any(ch.isdigit() for ch in raw):
        return None
    if block.is_heading or raw.rstrip("*_ ").endswith((".", ":", ";", "!", "?")):
        return None  # a heading or a sentence, however short, is part of the document
    if lead_in(blocks, block) is not None or _heading_named(blocks, (block.start, block.end)):
        return None  # an item of a provision's list (introduced by a clause or by its heading)
    return "interface_text"


# a site's credit line: "This website is made with Hugo", "Site built with ..." (the site, not
# the service: "The Services are powered by ..." names a provider and stays a change)
_SITE_CREDIT_RE = re.compile(
    r"(?:this |our )?(?:web ?site|site|page|blog) (?:is |was )?(?:proudly )?(?:made|built|powered|"
    r"designed|created|developed|hosted) (?:with|by|on|using)\b"
)


def _page_title(block: Block) -> bool:
    """A browser title line: one line of at most eight words in two parts around a separator,
    no digits, no sentence punctuation, once any links or images are set aside."""
    raw = _MD_LINK_RE.sub(" ", block.text).strip()
    if "\n" in raw or raw.startswith("|") or any(ch.isdigit() for ch in raw):
        return False
    if raw.rstrip("*_ ").endswith((".", ":", ";", "!", "?")):
        return False
    return 0 < len(block.norm.split()) <= 8 and bool(_TITLE_SEPARATOR_RE.search(raw))


# a consent banner's row of buttons: "Customise Reject All Accept All", "Allow all Deny"
_CONSENT_BUTTONS_RE = re.compile(r"\b(?:accept|reject|allow|deny|decline|refuse) all\b")


def _consent_banner(run: Sequence[Block]) -> bool:
    """A run of blocks that appeared or disappeared together is a cookie-consent banner: one of
    its blocks is a short row of consent buttons and another speaks of cookies."""
    buttons = any(len(b.norm.split()) <= 8 and _CONSENT_BUTTONS_RE.search(b.norm) for b in run)
    return buttons and any("cookies" in b.tokens for b in run)


def _runs(blocks: Sequence[Block]) -> list[list[Block]]:
    """Blocks grouped into runs of consecutive indexes."""
    runs: list[list[Block]] = []
    for b in sorted(blocks, key=lambda b: b.index):
        if runs and runs[-1][-1].index + 1 == b.index:
            runs[-1].append(b)
        else:
            runs.append([b])
    return runs


def _pair_chrome(a: Block, b: Block) -> str | None:
    """Editorial kind of a modified pair that is chrome on both sides (a banner's links, a
    browser page title, a stamp line: "Version: April 14, 2026 (Latest)" -> "(current)")."""
    if _link_only(a.text) and _link_only(b.text):
        return "navigation"
    if _page_title(a) and _page_title(b):
        return "interface_text"
    short = len(a.tokens) <= _SHORT_LINE_WORDS and len(b.tokens) <= _SHORT_LINE_WORDS
    if short and stamp_only(a.text) and stamp_only(b.text):
        return "date_stamp"
    # a labelled menu ("Models[A](..)[B](..)[C](..)") whose entries changed: the same words
    # outside its links on both sides, no ":" introducing them, three links or more
    la, lb = _MD_LINK_RE.findall(a.text), _MD_LINK_RE.findall(b.text)
    if len(la) >= 3 and len(lb) >= 3:
        rest_a, rest_b = _MD_LINK_RE.sub(" ", a.text), _MD_LINK_RE.sub(" ", b.text)
        if ":" not in rest_a and rest_a.split() == rest_b.split() and len(rest_a.split()) <= 3:
            return "navigation"
    return None


def _still_present(block: Block, norms: set[str], joined: str) -> str | None:
    """Editorial kind for a block that has no counterpart but whose words are still there."""
    if not block.norm:
        return "heading_format"  # only markup (a rule, an empty link, emphasis markers)
    if block.norm in norms:
        return "duplicate"
    if len(block.norm) >= _MERGED_MIN_CHARS and block.norm in joined:
        return "merged"
    return None
