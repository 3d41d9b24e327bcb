"""Change events -> exposure, human-readable reasons, analysis blocks and a summary. No I/O.

The taxonomy is passed in (anything with `.categories: Mapping[str, Category]` and `.disclaimer`);
when it is None the packaged taxonomy is loaded (once: `load_taxonomy` is cached).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from monitor.clauses.taxonomy import load_taxonomy
from monitor.models import EXPOSURE_RANK, EXPOSURES, ChangeEvent, FactDelta, is_substantive

__all__ = [
    "analysis_blocks",
    "assess",
    "category_blocks",
    "category_title",
    "change_phrase",
    "describe_event",
    "describe_fact_delta",
    "fact_direction",
    "format_fact_value",
    "highest_exposure",
    "summarise",
]


class CategoryLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def default_exposure(self) -> str: ...
    @property
    def analysis(self) -> Mapping[str, Any]: ...


class TaxonomyLike(Protocol):
    @property
    def categories(self) -> Mapping[str, Any]: ...
    @property
    def disclaimer(self) -> str: ...


FACT_LABELS = {
    "notice_period": "notice period",
    "user_notice_period": "notice you must give",
    "cancellation_deadline": "cancellation deadline",
    "credit_validity": "credit validity",
    "credits_expire": "credit expiry",
    "refund_window": "refund window",
    "payment_deadline": "payment deadline",
    "optout_window": "opt-out window",
    "cure_period": "cure period",
    "claim_deadline": "deadline to bring a claim",
    "hold_period": "period funds may be held",
    "trial_period": "trial period",
    "renewal_period": "renewal period",
    "retention": "data retention period",
    "liability_cap": "liability cap",
    "liability_cap_months": "liability cap (months of fees)",
    "liability_cap_formula": "liability cap",
    "concurrent_jobs": "concurrent job limit",
    "requests_per_minute": "requests-per-minute limit",
    "requests_per_day": "requests-per-day limit",
    "minimum_age": "minimum age",
    "parental_consent_age": "age below which a parent must consent",
    "arbitration_body": "arbitration body",
    "governing_law": "governing law",
    "venue": "venue",
    "training_on_content": "AI training on your content",
    "refundable": "refundable",
    "auto_renews": "automatic renewal",
    "output_owner": "owner of outputs",
}
_DURATIONS = frozenset(
    {"notice_period", "user_notice_period", "cancellation_deadline", "credit_validity"}
    | {"refund_window", "payment_deadline", "optout_window", "cure_period", "claim_deadline"}
    | {"hold_period", "trial_period", "renewal_period", "retention", "duration"}
    | {"informal_resolution_period"}
)
# times a user must act before something (cancel before renewal, give notice): longer is stricter
_ACT_BEFORE = frozenset({"cancellation_deadline", "user_notice_period"})
HIGH_IMPACT_FACTS = frozenset(
    {"notice_period", "credit_validity", "refund_window", "optout_window", "liability_cap"}
    | {"liability_cap_months", "training_on_content", "arbitration_body", "concurrent_jobs"}
    | {"requests_per_minute", "requests_per_day"}
)
_JURISDICTION_FACTS = frozenset({"governing_law", "venue", "arbitration_body"})
# a new provision in one of these categories waives a right: at least high
_WAIVER_KEYWORDS = ("arbitration", "class_action", "jury")
# Direction of a change per fact kind, from the user's point of view: (what a higher value is,
# what a fact that appears is), each "better", "worse" or "neutral"; a fact that disappears is the
# opposite of one that appears. A longer notice before a change is better; a longer deadline to
# cancel before renewal, a longer data retention or a higher minimum age is worse.
_DIRECTIONS: dict[str, tuple[str, str]] = {
    "notice_period": ("better", "better"),
    "user_notice_period": ("worse", "worse"),
    "cancellation_deadline": ("worse", "worse"),
    "credit_validity": ("better", "worse"),
    "refund_window": ("better", "better"),
    "optout_window": ("better", "better"),
    "payment_deadline": ("better", "neutral"),
    "cure_period": ("better", "better"),
    "claim_deadline": ("better", "worse"),
    "hold_period": ("worse", "worse"),
    "trial_period": ("better", "better"),
    "retention": ("worse", "neutral"),
    "liability_cap": ("better", "worse"),
    "liability_cap_months": ("better", "worse"),
    "storage_quota": ("better", "worse"),
    "minimum_age": ("worse", "neutral"),
    "arbitration_body": ("neutral", "worse"),
}
# usage limits are named by what they count: a higher limit is better, a new limit worse
_LIMIT_PREFIXES = (
    "concurrent_",
    "requests_per_",
    "messages_per_",
    "tokens_per_",
    "images_per_",
    "generations_per_",
    "prompts_per_",
)
# ordered stances: a later value is less favourable
_STANCES: dict[str, dict[str, int]] = {
    "training_on_content": {"never": 0, "opt_in": 1, "opt_out": 2, "yes": 3},
    "credits_expire": {"never": 0, "on termination": 1, "yes": 2},
    "arbitration": {"none": 0},
    "refundable": {"yes": 0, "no": 2},
    "auto_renews": {"yes": 2},
    "output_owner": {"user": 0, "provider": 2},
}
_TOWARDS = {"better": "more_favourable", "worse": "less_favourable", "neutral": "neutral"}
_AWAY = {"better": "less_favourable", "worse": "more_favourable", "neutral": "neutral"}


def _stance_direction(order: Mapping[str, int], old: Any, new: Any) -> str:
    o = order.get(str(old)) if old is not None else None
    n = order.get(str(new)) if new is not None else None
    if o is not None and n is not None:
        return "neutral" if o == n else "less_favourable" if n > o else "more_favourable"
    if n is not None:  # appears: the most favourable stance is good news, a middle one neutral
        return "more_favourable" if n == 0 else "less_favourable" if n >= 2 else "neutral"
    if o is not None:  # disappears: losing the most favourable stance is the bad case
        return "less_favourable" if o == 0 else "neutral"
    return "neutral"


def fact_direction(name: str, old: float | str | None, new: float | str | None) -> str:
    """ "less_favourable" | "more_favourable" | "neutral" for a change of fact ``name`` from
    ``old`` to ``new`` (None: not stated), decided per fact kind (see _DIRECTIONS)."""
    if old == new:
        return "neutral"
    if name in _STANCES:
        return _stance_direction(_STANCES[name], old, new)
    higher, appears = _DIRECTIONS.get(name, ("neutral", "neutral"))
    if name.startswith(_LIMIT_PREFIXES):
        higher, appears = "better", "worse"
    if old is None:
        return _TOWARDS[appears]
    if new is None:
        return _AWAY[appears]
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return "neutral"  # bodies, laws, venues, "unspecified": a change is worth reading
    return _TOWARDS[higher] if new > old else _AWAY[higher]


_TRAINING_LABELS = {
    "never": "never",
    "opt_in": "opt-in only",
    "opt_out": "on by default with an opt-out",
    "yes": "yes (no opt-out stated)",
}
_KIND_VERBS = {
    "added": "was added",
    "removed": "was removed",
    "modified": "was modified",
    "moved": "was moved",
    "editorial": "changed editorially",
    "flapping": "flapped back to an earlier state",
}


# ------------------------------------------------------------------ helpers


def in_sentence(title: str) -> str:
    """A category title inside a sentence: "Credit and balance expiry" -> "credit and balance
    expiry", but "AI training on user content" keeps its acronym."""
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return title
    return title[:1].lower() + title[1:]


def _level(value: str) -> int:
    return EXPOSURE_RANK.get(value, 0)


def _max(a: str, b: str) -> str:
    return a if _level(a) >= _level(b) else b


def _step_down(value: str) -> str:
    return EXPOSURES[max(0, _level(value) - 1)]


def highest_exposure(events: Iterable[ChangeEvent]) -> str:
    out = "low"
    for ev in events:
        out = _max(out, ev.exposure)
    return out


def _resolve(taxonomy: Any) -> Any:
    return taxonomy if taxonomy is not None else load_taxonomy()


def _analysis_of(cat: Any) -> Mapping[str, Any]:
    """A category's analysis blocks as a mapping, whether the taxonomy gives a dict or a dataclass."""
    if cat is None:
        return {}
    raw = getattr(cat, "raw", None)
    if isinstance(raw, Mapping) and isinstance(raw.get("analysis"), Mapping):
        return raw["analysis"]
    analysis = getattr(cat, "analysis", None)
    return analysis if isinstance(analysis, Mapping) else {}


def _category(taxonomy: Any, category_id: str) -> Any:
    if taxonomy is None:
        return None
    return taxonomy.categories.get(category_id)


def category_title(category_id: str, taxonomy: Any = None) -> str:
    cat = _category(taxonomy, category_id)
    return str(cat.title) if cat is not None else category_id.replace("_", " ").capitalize()


def _heading(path: Sequence[str]) -> str:
    return " › ".join(p for p in path if p)


def _natural_days(days: float) -> str:
    """Days in the unit a document would use: 91.25 -> "3 months", 30 -> "30 days", 365 -> "365
    days" (a month is a twelfth of a year, as the fact extractor counts it, so only a count of
    months gives a fraction of a day; whole days may have been written as days or years)."""
    months = days * 12 / 365
    if not float(days).is_integer() and abs(months - round(months)) < 1e-6 and months >= 1:
        n = round(months)
        return f"{n} month" if n == 1 else f"{n} months"
    if 0 < days < 1 and abs(days * 24 - round(days * 24)) < 1e-6:
        hours = round(days * 24)
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    value: float | int = int(days) if float(days).is_integer() else days
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    return f"{text} day" if value == 1 else f"{text} days"


def format_fact_value(name: str, value: float | str | None, unit: str, written: str = "") -> str:
    """A fact value for people: "30 days", "3 months", "USD 100", "60 requests/minute", "opt-out".

    ``written``, the value in the document's own unit ("12 months"), is used when given."""
    if value is None:
        return "not stated"
    if name == "training_on_content":
        return _TRAINING_LABELS.get(str(value), str(value).replace("_", "-"))
    if written and isinstance(value, int | float):
        return written
    if unit == "days" and isinstance(value, int | float):
        return _natural_days(float(value))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        text = f"{value:,.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        return str(value)
    if unit.isupper() and len(unit) == 3:  # currency code
        return f"{unit} {text}"
    return f"{text} {unit}".strip()


def describe_fact_delta(d: FactDelta) -> str:
    """E.g. "notice period shortened from 30 days to 7 days", "credits now expire after 90 days"."""
    label = FACT_LABELS.get(d.name, d.name.replace("_", " "))
    old = format_fact_value(d.name, d.old, d.unit, d.old_written)
    new = format_fact_value(d.name, d.new, d.unit, d.new_written)
    if d.old is None:
        if d.name == "credit_validity":
            return f"credits now expire after {new}"
        if d.name == "liability_cap":
            return f"liability cap added: {new}"
        if d.name == "arbitration_body":
            return f"arbitration now before {new}"
        if d.name == "training_on_content":
            return f"AI training on your content now stated: {new}"
        return f"{label} now stated: {new}"
    if d.new is None:
        if d.name == "credit_validity":
            return f"credit expiry no longer stated (was {old})"
        return f"{label} no longer stated (was {old})"
    if isinstance(d.old, int | float) and isinstance(d.new, int | float):
        up = d.new > d.old
        if d.name in _ACT_BEFORE:
            # a longer time you must act before (cancel 30 days ahead, not 7) is a stricter
            # deadline: "extended" would read as good news
            return f"{label} {'made stricter' if up else 'relaxed'}: from {old} to {new}"
        if d.name in _DURATIONS:
            verb = "extended" if up else "shortened"
        else:
            verb = "raised" if up else "reduced"
        return f"{label} {verb} from {old} to {new}"
    return f"{label} changed from {old} to {new}"


def _delta_exposure(d: FactDelta) -> str:
    if d.direction == "less_favourable":
        if d.name not in HIGH_IMPACT_FACTS:
            return "medium"
        if isinstance(d.old, int | float) and isinstance(d.new, int | float) and d.old:
            # small trims of a limit (< 25 %) are worth reading but not the top of the pile
            return "high" if abs(d.new - d.old) / abs(d.old) >= 0.25 else "medium"
        return "high"
    if d.name in _JURISDICTION_FACTS:
        return "medium"  # a change of forum or law is worth reading either way
    return "low"


# ------------------------------------------------------------------ assess


def assess(events: list[ChangeEvent], taxonomy: Any = None) -> list[ChangeEvent]:
    """Set `exposure` and `reasons` on each event (in place) and return the list.

    Editorial changes and moves are low. Otherwise the starting point is the categories' default
    exposure (added: the default; modified: one step below unless the change is unfavourable;
    removed: the default, or one step below when the removed clause was flagged unfair), raised by
    less favourable fact deltas and by new waivers (arbitration, class action, jury trial).
    Text outside any classified provision is low unless a fact changed.
    """
    tax = _resolve(taxonomy)
    for ev in events:
        _assess_one(ev, tax)
    return events


def _assess_one(ev: ChangeEvent, tax: Any) -> None:
    reasons: list[str] = []
    # the direction of each fact delta is decided here, per fact kind
    ev.fact_deltas = [
        d
        if d.direction == (way := fact_direction(d.name, d.old, d.new))
        else replace(d, direction=way)
        for d in ev.fact_deltas
    ]
    if ev.editorial or ev.kind == "moved":
        kind = ev.editorial_kind or ev.kind
        if ev.kind == "moved":
            reasons.append("identical text moved to another position: recorded, not alerted")
        else:
            reasons.append(f"editorial change ({kind.replace('_', ' ')}): recorded, not alerted")
        ev.exposure, ev.reasons = "low", reasons
        return
    exposure = "low"
    titles = [category_title(c, tax) for c in ev.categories]
    defaults = [
        str(getattr(_category(tax, c), "default_exposure", "medium") or "medium")
        if _category(tax, c) is not None
        else "medium"
        for c in ev.categories
    ]
    default = "low"
    for value in defaults:
        default = _max(default, value)
    old_unfair = bool(ev.extra.get("old_unfair"))
    new_unfair = bool(ev.extra.get("new_unfair"))
    what = ", ".join(in_sentence(t) for t in titles)
    if ev.kind == "added" and ev.categories:
        exposure = default
        reasons.append(f"new provision: {what}")
        if any(k in c for c in ev.categories for k in _WAIVER_KEYWORDS):
            exposure = "high"
        if new_unfair:
            exposure = _max(exposure, "medium")
            reasons.append("the new text is flagged as potentially unfair to users")
    elif ev.kind == "removed" and ev.categories:
        if old_unfair:
            exposure = _step_down(default)
            reasons.append(f"provision removed: {what} (it had been flagged as potentially unfair)")
        else:
            exposure = default
            reasons.append(f"provision removed: {what}")
    elif ev.kind == "modified" and ev.categories:
        exposure = _step_down(default)
        reasons.append(f"provision changed: {what}")
        if new_unfair and not old_unfair:
            exposure = _max(exposure, default)
            reasons.append("the revised text is flagged as potentially unfair to users")
        added_cats = [str(c) for c in ev.extra.get("new_categories", [])]
        waivers = [c for c in added_cats if any(k in c for k in _WAIVER_KEYWORDS)]
        if waivers:
            exposure = "high"
            for c in waivers:
                reasons.append(f"new provision: {in_sentence(category_title(c, tax))}")
    elif not ev.fact_deltas:
        where = {"added": "new text", "removed": "removed text"}.get(ev.kind, "changed text")
        reasons.append(f"{where} outside any classified provision")
    for d in ev.fact_deltas:
        exposure = _max(exposure, _delta_exposure(d))
        text = describe_fact_delta(d)
        if d.direction == "more_favourable":
            text += " (more favourable to users)"
        elif d.direction == "less_favourable":
            text += " (less favourable to users)"
        reasons.insert(len(reasons), text)
    ev.exposure, ev.reasons = exposure, reasons


# ------------------------------------------------------------------ descriptions and blocks


_QUOTE_MAX = 80  # words quoted in a change phrase are cut to this many characters
# words that restrict what a provision allows: added, the provision is narrowed; removed, widened
_RESTRICTING = frozenset(
    {"only", "solely", "except", "unless", "provided", "not", "no", "never", "exclusively"}
)


def _quoted(text: str) -> str:
    text = " ".join(text.split()).strip(" ,;")
    if len(text) > _QUOTE_MAX:
        text = text[: _QUOTE_MAX - 1].rstrip() + "…"
    return f"“{text}”"


def change_phrase(ev: ChangeEvent) -> str:
    """What a modification did to the words, stated exactly from its word diff: an added
    alternative ("“Y” added as an alternative"), text added or removed (the provision widened or
    narrowed when the words are a restriction or an item of a list), or words replaced.
    Empty when the event has no word diff."""
    if ev.kind != "modified" or not ev.diff:
        return ""
    removed = " ".join(t for op, t in ev.diff if op < 0)
    added = " ".join(t for op, t in ev.diff if op > 0)
    r_words = {w.lower().strip(".,;:()") for w in removed.split()}
    a_words = {w.lower().strip(".,;:()") for w in added.split()}
    if added.strip() and not removed.strip():
        core = added.strip(" ,;")
        if core.lower().startswith("or ") or core.lower().endswith(" or"):
            alt = core[3:] if core.lower().startswith("or ") else core[:-3]
            return f"{_quoted(alt)} added as an alternative"
        if a_words & _RESTRICTING:
            return f"narrowed: {_quoted(core)} added"
        if added.lstrip().startswith((",", "and ", "or ")) or added.rstrip().endswith(","):
            return f"widened: {_quoted(core)} added to a list"
        return f"text added: {_quoted(core)}"
    if removed.strip() and not added.strip():
        core = removed.strip(" ,;")
        if r_words & _RESTRICTING:
            return f"widened: {_quoted(core)} removed"
        if removed.lstrip().startswith((",", "and ", "or ")) or removed.rstrip().endswith(","):
            return f"narrowed: {_quoted(core)} removed from a list"
        return f"text removed: {_quoted(core)}"
    if removed.strip() and added.strip():
        return f"{_quoted(removed)} replaced by {_quoted(added)}"
    return ""


def describe_event(ev: ChangeEvent, taxonomy: Any = None) -> str:
    """One sentence saying what changed, e.g. "The provision on notice of changes (under
    "Changes") was modified: notice period shortened from 30 days to 7 days."."""
    tax = taxonomy
    if ev.categories:
        subject = "The provision on " + ", ".join(
            in_sentence(category_title(c, tax)) for c in ev.categories
        )
    else:
        subject = "Text that touches no classified provision"
    where = _heading(ev.heading_path)
    if where:
        subject += f" (under “{where}”)"
    verb = _KIND_VERBS.get(ev.kind, "changed")
    if ev.kind == "editorial" and ev.editorial_kind:
        verb = f"changed editorially ({ev.editorial_kind.replace('_', ' ')})"
    details = [describe_fact_delta(d) for d in ev.fact_deltas]
    if not details and not ev.editorial:
        details = [p for p in (change_phrase(ev),) if p]
    sentence = f"{subject} {verb}"
    if details:
        sentence += ": " + "; ".join(details)
    return sentence + "."


def _jurisdiction_flags(cat: Any, events: Sequence[ChangeEvent]) -> list[str]:
    flags: list[str] = []
    if cat is not None:
        flags.extend(str(f) for f in _analysis_of(cat).get("jurisdiction_flags", []) or [])
    for ev in events:
        for d in ev.fact_deltas:
            if d.name in _JURISDICTION_FACTS and d.new is not None:
                flags.append(f"{FACT_LABELS.get(d.name, d.name)}: {d.new}")
    out: list[str] = []
    for f in flags:
        if f not in out:
            out.append(f)
    return out


def category_blocks(
    category_id: str, events: Sequence[ChangeEvent], taxonomy: Any = None
) -> dict[str, Any]:
    """The category's analysis blocks adapted to the events that touch it."""
    tax = _resolve(taxonomy)
    cat = _category(tax, category_id)
    analysis: Mapping[str, Any] = _analysis_of(cat)
    mine = [ev for ev in events if category_id in ev.categories]
    level = highest_exposure(mine) if mine else "low"
    reasons = [r for ev in mine for r in ev.reasons if "recorded, not alerted" not in r]
    base = analysis.get("governance_exposure") or {}
    changes = "; ".join(dict.fromkeys(describe_event(ev, tax).rstrip(".") for ev in mine))
    summary = str(analysis.get("summary") or "")
    if changes:
        summary = f"What changed: {changes}. {summary}".strip()
    return {
        "id": category_id,
        "title": category_title(category_id, tax),
        "summary": summary,
        "who_is_affected": str(analysis.get("who_is_affected") or ""),
        "regulatory_landscape": str(analysis.get("regulatory_landscape") or ""),
        "governance_exposure": {
            "level": level,
            "reason": "; ".join(dict.fromkeys(reasons)) or str(base.get("reason") or ""),
            "category_level": str(
                base.get("level") or getattr(cat, "default_exposure", "") or ""
            ).lower(),
            "category_reason": str(base.get("reason") or ""),
        },
        "jurisdiction_flags": _jurisdiction_flags(cat, mine),
        "contract_implications": str(analysis.get("contract_implications") or ""),
        "compliance_considerations": str(analysis.get("compliance_considerations") or ""),
    }


def analysis_blocks(event: ChangeEvent, taxonomy: Any = None) -> dict[str, Any]:
    """Analysis blocks for one event: the blocks of its categories adapted to the change.

    Keys: categories, summary, who_is_affected, regulatory_landscape, governance_exposure
    {level, reason}, jurisdiction_flags, contract_implications, compliance_considerations.
    """
    tax = _resolve(taxonomy)
    per_cat = [category_blocks(c, [event], tax) for c in event.categories]
    sentence = describe_event(event, tax)

    def joined(key: str) -> str:
        return " ".join(dict.fromkeys(b[key] for b in per_cat if b[key]))

    summaries = " ".join(
        dict.fromkeys(
            str(_analysis_of(_category(tax, c)).get("summary") or "")
            for c in event.categories
            if _category(tax, c) is not None
        )
    ).strip()
    flags: list[str] = []
    for b in per_cat:
        flags.extend(f for f in b["jurisdiction_flags"] if f not in flags)
    if not per_cat:
        flags = _jurisdiction_flags(None, [event])
    return {
        "categories": [{"id": b["id"], "title": b["title"]} for b in per_cat],
        "summary": f"{sentence} {summaries}".strip(),
        "who_is_affected": joined("who_is_affected"),
        "regulatory_landscape": joined("regulatory_landscape"),
        "governance_exposure": {
            "level": event.exposure,
            "reason": "; ".join(event.reasons),
        },
        "jurisdiction_flags": flags,
        "contract_implications": joined("contract_implications"),
        "compliance_considerations": joined("compliance_considerations"),
    }


def summarise(events: Sequence[ChangeEvent], taxonomy: Any = None) -> str:
    """One plain-language paragraph about a whole version change."""
    substantive = [ev for ev in events if is_substantive(ev)]
    editorial = [ev for ev in events if not is_substantive(ev)]
    ed_kinds = list(
        dict.fromkeys((ev.editorial_kind or ev.kind).replace("_", " ") for ev in editorial)
    )
    if not events:
        return "No differences were found between the two versions."
    if not substantive:
        return (
            f"Only editorial changes ({', '.join(ed_kinds)}) were found: "
            f"{len(editorial)} recorded, none affects what the document states."
        )
    counts = {
        k: sum(1 for ev in substantive if ev.kind == k) for k in ("added", "modified", "removed")
    }
    parts = [
        f"{n} {'passage' if n == 1 else 'passages'} {_KIND_VERBS[k].split()[-1]}"
        for k, n in counts.items()
        if n
    ]
    level = highest_exposure(substantive)
    ranked = sorted(substantive, key=lambda ev: -_level(ev.exposure))
    # the first sentence states the change itself (the highest-exposure one), then the counts
    text = describe_event(ranked[0], _resolve(taxonomy)) + " "
    if len(substantive) > 1:
        text += "It is one of "
    text += f"{len(substantive)} substantive {'change' if len(substantive) == 1 else 'changes'} ("
    text += ", ".join(parts) + f"); highest exposure: {level}."
    if not any(ev.categories for ev in substantive):
        text += " None of them touches a classified provision."
    key_points: list[str] = []
    for ev in ranked:
        for r in ev.reasons:
            if r not in key_points and "outside any classified provision" not in r:
                key_points.append(r)
    if key_points:
        shown = key_points[:5]
        more = len(key_points) - len(shown)
        text += " Key points: " + "; ".join(shown) + (f"; and {more} more." if more else ".")
    cats = list(dict.fromkeys(c for ev in substantive for c in ev.categories))
    if cats:
        tax = _resolve(taxonomy)
        titles = ", ".join(in_sentence(category_title(c, tax)) for c in cats)
        text += f" Provisions concerned: {titles}."
    if editorial:
        text += (
            f" {len(editorial)} editorial {'change' if len(editorial) == 1 else 'changes'} "
            f"({', '.join(ed_kinds)}) recorded without alert."
        )
    return text
