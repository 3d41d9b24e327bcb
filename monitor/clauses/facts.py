"""Structured facts with normalised units: durations in days, money with currency, counts, rates,
arbitration bodies, governing law, venue, and the AI-training stance.

``extract_facts(text, categories)`` reads one clause; ``categories`` (taxonomy ids or
Classification objects) decide what a bare duration or amount measures (a duration in a
credit-expiry clause is the credit validity, in a change clause the notice period, ...).
Every ``Fact.text`` is a verbatim substring of the clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from monitor.clauses.numwords import NUMBER, NUMBER_WORD, ORDINAL, parse_number, parse_ordinal
from monitor.clauses.places import PLACE, US_STATES, place_code, trim_place
from monitor.models import Classification, Fact

# parse_number and US_STATES are re-exported: they were public here before the helper modules
__all__ = ["extract_facts", "parse_number", "US_STATES"]

_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}

_DURATION = re.compile(
    rf"\b(?P<num>{NUMBER})(?:\s*\(\s*(?P<paren>\d+)\s*\))?[\s-]*(?P<biz>business |calendar |working )?"
    r"(?P<unit>hours?|days?|weeks?|months?|years?)\b(?:['’]s?)?",
    re.I,
)
_ORD_DURATION = re.compile(
    rf"\b(?:end of (?:the )?)?(?P<ord>{ORDINAL})(?:\s*\(\s*(?P<paren>\d+)(?:st|nd|rd|th)?\s*\))?\s+"
    r"(?P<unit>month|year|day|week)\b",
    re.I,
)
_MONEY = re.compile(
    r"(?P<cur>US\$|USD|\$|€|EUR|£|GBP|CHF|CAD|AUD|C\$|A\$)\s?(?P<amt>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<mult>k|m|million|thousand))?"
    r"|\b(?P<amt2>\d[\d,]*(?:\.\d+)?)\s?(?P<cur2>USD|EUR|GBP|CHF|CAD|AUD|U\.S\. dollars|US dollars|dollars|euros?|pounds)\b"
    rf"|\b(?P<words>{NUMBER_WORD})\s+(?P<cur3>(?:U\.S\.|US|United States)\s+dollars|dollars|euros?|pounds)\b",
    re.I,
)
_CUR = {
    "$": "USD",
    "US$": "USD",
    "USD": "USD",
    "€": "EUR",
    "EUR": "EUR",
    "£": "GBP",
    "GBP": "GBP",
    "CHF": "CHF",
    "CAD": "CAD",
    "C$": "CAD",
    "AUD": "AUD",
    "A$": "AUD",
    "DOLLARS": "USD",
    "U.S. DOLLARS": "USD",
    "US DOLLARS": "USD",
    "UNITED STATES DOLLARS": "USD",
    "EURO": "EUR",
    "EUROS": "EUR",
    "POUNDS": "GBP",
}
_FEES_PAID = re.compile(
    r"\b(?:amounts?|fees?|sums?|charges?|total|price)\b[^.;]{0,60}?\b(?:paid|payable|pay)\b[^.;]{0,120}",
    re.I,
)
_CONCURRENT = re.compile(
    rf"\b(?P<num>{NUMBER})(?:\s*\(\s*(?P<paren>\d+)\s*\))?\s+(?:(?:concurrent|simultaneous|parallel|"
    r"active|running)\s+)?(?P<what>jobs?|generations?|requests?|tasks?|runs?|predictions?|sessions?|"
    r"renders?|images?|videos?|streams?|connections?|workers?|gpus?)\b(?P<tail>[^.;]{0,40})",
    re.I,
)
_CONC_WORD = re.compile(r"concurren|simultaneous|parallel|at (?:the same time|once)", re.I)
_RATE = re.compile(
    r"\b(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<what>requests?|calls?|queries|tokens?|messages?|images?|"
    r"generations?|prompts?|req)\s*(?:per|a|an|each|/|every)\s*(?P<unit>second|sec|s|minute|min|hour|hr|"
    r"day|24 hours|month|week)\b",
    re.I,
)
_RATE_UNIT = {
    "second": "second",
    "sec": "second",
    "s": "second",
    "minute": "minute",
    "min": "minute",
    "hour": "hour",
    "hr": "hour",
    "day": "day",
    "24 hours": "day",
    "week": "week",
    "month": "month",
}
_PERCENT = re.compile(r"\b(?P<num>\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.I)
_BODIES: list[tuple[str, re.Pattern[str]]] = [
    ("AAA", re.compile(r"\bAmerican Arbitration Association\b|\bAAA\b")),
    ("JAMS", re.compile(r"\bJAMS\b|\bJudicial Arbitration and Mediation Services\b", re.I)),
    ("ICDR", re.compile(r"\bICDR\b|\bInternational Cent(?:re|er) for Dispute Resolution\b")),
    ("ICC", re.compile(r"\bICC\b|\bInternational Chamber of Commerce\b")),
    ("LCIA", re.compile(r"\bLCIA\b|\bLondon Court of International Arbitration\b")),
    ("SIAC", re.compile(r"\bSIAC\b|\bSingapore International Arbitration Cent(?:re|er)\b")),
    ("HKIAC", re.compile(r"\bHKIAC\b|\bHong Kong International Arbitration Cent(?:re|er)\b")),
    ("NAM", re.compile(r"\bNational Arbitration (?:and|&) Mediation\b")),
    ("ADR Institute", re.compile(r"\bADR Institute of Canada\b")),
    ("DIS", re.compile(r"\bGerman Arbitration Institute\b|\bDIS\b")),
]

_ADJ_LAW = {
    "english": "GB-EAW",
    "irish": "IE",
    "german": "DE",
    "french": "FR",
    "swiss": "CH",
    "dutch": "NL",
    "swedish": "SE",
    "luxembourg": "LU",
    "singapore": "SG",
    "israeli": "IL",
    "californian": "US-CA",
    "california": "US-CA",
    "delaware": "US-DE",
    "new york": "US-NY",
    "japanese": "JP",
    "chinese": "CN",
    "finnish": "FI",
    "danish": "DK",
    "norwegian": "NO",
}
_LAW = re.compile(
    rf"\blaws?\s+(?:in force\s+)?(?:of|in)\s+(?:the\s+)?(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?"
    rf"(?P<place>{PLACE})",
)
_LAW_ADJ = re.compile(
    r"\b(?P<adj>English|Irish|German|French|Swiss|Dutch|Swedish|Luxembourg|Singapore|Israeli|Californian?|"
    r"Delaware|New York|Japanese|Chinese|Finnish|Danish|Norwegian)\s+(?:substantive\s+)?law\b"
)
_LAW_CONTEXT = re.compile(r"govern|construed|interpret|apply|applicable|subject to", re.I)
_VENUE = re.compile(
    r"\b(?:courts?|tribunals?)\b[^.;]{0,60}?\b(?:of|in|for|at)\s+(?:the\s+)?(?:State\s+of\s+)?"
    rf"(?P<place>{PLACE})"
)
_VENUE_STOP = {"The", "These", "This", "Your", "You", "Any", "Such", "Terms", "Agreement"}
_OPT_OUT = re.compile(
    r"\bopt(?:ing)?[- ]?out\b|\bturn(?:ing)? off\b|\bdisabl\w+\b|\bsettings\b", re.I
)
_OPT_IN = re.compile(
    r"\bopt(?:ing)?[- ]?in\b|\bonly (?:if|when) you (?:choose|consent|agree|allow|explicitly|opt)|"
    r"\bwith your (?:explicit |express |prior )?(?:permission|consent)|\bunless you (?:choose|agree|opt "
    r"in|explicitly)",
    re.I,
)
_WITHOUT_NOTICE = re.compile(r"\bwithout (?:any |prior |advance )?notice\b", re.I)
_NO_CARRY = re.compile(
    r"\b(?:not|no)\b[^.;]{0,30}\b(?:roll|carry)[- ]?over|\bdo not accumulate", re.I
)


_DIGIT = re.compile(r"\d")
_UNIT_WORD = re.compile(r"hour|day|week|month|year", re.I)
# Cheap substring gates for ASCII text (most clauses): a regex that cannot match is not run. They
# are exact only where str.lower() agrees with re.I case folding, i.e. for ASCII text (re.I also
# folds e.g. "\u017f" to "s" and "\u212a" to "k"), so non-ASCII text skips the gates.
_UNIT_WORDS = ("hour", "day", "week", "month", "year")
# _MONEY needs a currency symbol or code (first two branches) or a currency word (last two)
_MONEY_WORDS = ("$", "usd", "eur", "gbp", "chf", "cad", "aud", "dollar", "pound")
# _ORD_DURATION needs an ordinal: a word below or a digit ("30th"), and a unit other than hours
_ORD_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "eighteenth",
    "thirtieth",
    "sixtieth",
    "ninetieth",
)
# _RATE needs what is counted (requests, calls, tokens, ...)
_RATE_WORDS = ("req", "call", "quer", "token", "message", "image", "generation", "prompt")
_CONC_WORDS = ("concurren", "simultaneous", "parallel", "at the same time", "at once")


def _cat_ids(categories: Iterable[Classification | str]) -> list[str]:
    return [c.category if isinstance(c, Classification) else c for c in categories]


def _reasons(categories: Iterable[Classification | str]) -> set[str]:
    out: set[str] = set()
    for c in categories:
        if isinstance(c, Classification):
            out.update(c.reasons)
    return out


_STANCE_CATEGORIES = frozenset(("ai_training_on_user_content", "credit_expiry"))


def _stance_rules(text: str, cats: Sequence[str]) -> set[str]:
    """Rule reasons for stance facts when the caller passed bare category ids (the differ reads
    facts from a changed passage): "we will not train" must read "never" there too."""
    wanted = _STANCE_CATEGORIES.intersection(cats)
    if not wanted:
        return set()
    from monitor.clauses.classify import fired_rules  # the rules classification itself applies
    from monitor.clauses.model import tokenize

    lower = text.lower()
    return {f"rule:{r.id}" for r in fired_rules(lower, tokenize(lower)) if r.category in wanted}


def _duration_name(text: str, start: int, end: int, cats: Sequence[str]) -> str:
    before = text[max(0, start - 90) : start].lower()
    after = text[end : end + 50].lower()
    window = before + " " + after
    if "limitation_of_liability" in cats and re.search(
        r"paid|payable|preceding|before|prior to|immediately", window
    ):
        return "liability_cap_period"
    if "arbitration" in cats and "opt" in window:
        return "optout_window"
    if "credit_expiry" in cats:
        return "credit_validity"
    if "refunds" in cats and re.search(r"refund|within|purchase|cancel|withdraw", window):
        return "refund_window"
    if "data_retention" in cats:
        return "retention"
    if "notice" in window or any(
        c in cats for c in ("unilateral_change", "price_change", "unilateral_termination")
    ):
        return "notice_period"
    if "auto_renewal" in cats:
        return "renewal_period"
    if re.search(r"\b(?:retain|delete|keep|store)", window):
        return "retention"
    return "duration"


@dataclass(frozen=True)
class _ClauseInput:
    """One clause as every extractor reads it: its text, the cheap gates, category ids, reasons."""

    text: str
    lower: str
    is_ascii: bool
    has_digit: bool
    has_unit: bool
    cats: list[str]
    reasons: set[str]


def _clause_input(text: str, categories: Sequence[Classification | str]) -> _ClauseInput:
    """Compute once what the extractors' gates and category tests consult."""
    cats = _cat_ids(categories)
    lower = text.lower()
    is_ascii = text.isascii()
    if is_ascii:
        has_unit = any(u in lower for u in _UNIT_WORDS)
    else:
        has_unit = _UNIT_WORD.search(text) is not None
    return _ClauseInput(
        text=text,
        lower=lower,
        is_ascii=is_ascii,
        has_digit=_DIGIT.search(text) is not None,
        has_unit=has_unit,
        cats=cats,
        reasons=_reasons(categories) or _stance_rules(text, cats),
    )


def extract_facts(text: str, categories: Sequence[Classification | str] = ()) -> list[Fact]:
    """Facts found in one clause, in order of appearance within each kind."""
    c = _clause_input(text, categories)
    # The order is part of the output: fact_deltas reports deltas in first-appearance order.
    facts = _cardinal_durations(c) + _ordinal_durations(c) + _zero_notice(c)
    facts += _money_amounts(c)
    facts += _liability_formula(c, facts)  # reads the cap's look-back period from the durations
    facts += _concurrency_limits(c) + _rate_limits(c) + _percentages(c)
    facts += _arbitration_bodies(c) + _governing_law(c) + _venue(c)
    facts += _training_stance(c) + _credit_expiry(c) + _no_arbitration(c)
    return facts


# ---------------------------------------------------------------- durations


def _duration_fact(c: _ClauseInput, m: re.Match[str], days: float, cap_months: float) -> Fact:
    """A duration named by its context; a liability look-back period is kept in months."""
    name = _duration_name(c.text, m.start(), m.end(), c.cats)
    if name == "liability_cap_period":
        return Fact("duration", "liability_cap_months", cap_months, "months", m.group(0))
    return Fact("duration", name, days, "days", m.group(0))


def _cardinal_durations(c: _ClauseInput) -> list[Fact]:
    """Durations counted in words or digits: "thirty (30) days", "12 months", "48 hours"."""
    facts: list[Fact] = []
    for m in _DURATION.finditer(c.text) if c.has_unit else ():
        # a parenthesised figure ("thirty (30)") wins over the words before it
        value = parse_number(m.group("paren") or m.group("num"))
        if value is None:
            continue
        days = value * _UNIT_DAYS[m.group("unit").lower().rstrip("s")]
        facts.append(_duration_fact(c, m, round(days, 3), round(days / 30.0, 2)))
    return facts


def _may_have_ordinal(c: _ClauseInput) -> bool:
    """Substring gate for _ORD_DURATION: an ordinal word or a digit, and a unit other than hours."""
    if not c.has_unit:
        return False
    if not c.is_ascii:
        return True
    has_ordinal = c.has_digit or any(w in c.lower for w in _ORD_WORDS)
    return has_ordinal and any(u in c.lower for u in _UNIT_WORDS[1:])


def _ordinal_durations(c: _ClauseInput) -> list[Fact]:
    """Durations counted by an ordinal: "the end of the twelfth month", "the 30th day"."""
    facts: list[Fact] = []
    for m in _ORD_DURATION.finditer(c.text) if _may_have_ordinal(c) else ():
        value = float(m.group("paren")) if m.group("paren") else parse_ordinal(m.group("ord"))
        if value is None:
            continue
        days = value * _UNIT_DAYS[m.group("unit").lower()]
        # unlike cardinal durations these are not rounded
        facts.append(_duration_fact(c, m, days, days / 30.0))
    return facts


_ZERO_NOTICE_CATEGORIES = (
    "unilateral_change",
    "price_change",
    "unilateral_termination",
    "account_suspension",
    "content_removal",
)


def _zero_notice(c: _ClauseInput) -> list[Fact]:
    """A notice period of zero days where a change or termination may happen "without notice"."""
    if not any(cat in c.cats for cat in _ZERO_NOTICE_CATEGORIES):
        return []
    if c.is_ascii and "notice" not in c.lower:
        return []
    m = _WITHOUT_NOTICE.search(c.text)
    return [Fact("duration", "notice_period", 0.0, "days", m.group(0))] if m else []


# ---------------------------------------------------------------- money

_MULTIPLIERS = {"k": 1000, "thousand": 1000, "m": 1_000_000, "million": 1_000_000}
_CAP_WORDS = re.compile(r"liab|exceed|limited to|greater|lesser")


def _may_have_money(c: _ClauseInput) -> bool:
    """Substring gate for _MONEY: a figure or a currency word, and a currency symbol or code."""
    has_amount = c.has_digit or "dollar" in c.lower or "euro" in c.lower or "pound" in c.lower
    return has_amount and (not c.is_ascii or any(w in c.lower for w in _MONEY_WORDS))


def _money_value(m: re.Match[str]) -> tuple[float | None, str]:
    """Amount and currency code of a _MONEY match, whichever of its three forms matched."""
    if m.group("amt"):  # "$10", "USD 5k", "€1.5 million"
        amount = parse_number(m.group("amt"))
        cur = m.group("cur").upper()
        if amount is not None:
            amount *= _MULTIPLIERS.get((m.group("mult") or "").lower(), 1)
        return amount, _CUR.get(cur, cur)
    if m.group("amt2"):  # "100 USD", "50 euros"
        return parse_number(m.group("amt2")), _CUR.get(m.group("cur2").upper(), "USD")
    # "one hundred U.S. dollars"
    return parse_number(m.group("words")), _CUR.get(
        " ".join(m.group("cur3").upper().split()), "USD"
    )


def _money_amounts(c: _ClauseInput) -> list[Fact]:
    """Amounts of money with their currency; in a liability clause each is a liability cap."""
    if not _may_have_money(c):
        return []
    name = "liability_cap" if "limitation_of_liability" in c.cats else "amount"
    facts: list[Fact] = []
    for m in _MONEY.finditer(c.text):
        amount, cur = _money_value(m)
        if amount is not None:
            facts.append(Fact("money", name, amount, cur, m.group(0)))
    return facts


def _liability_formula(c: _ClauseInput, found: Sequence[Fact]) -> list[Fact]:
    """A liability cap set by the fees paid, with the look-back period if one was found."""
    if "limitation_of_liability" not in c.cats or not _CAP_WORDS.search(c.lower):
        return []
    fm = _FEES_PAID.search(c.text)
    if not fm:
        return []
    months = next((f.value for f in found if f.name == "liability_cap_months"), None)
    formula = "fees_paid" + (f"_{int(float(months))}_months" if months is not None else "")
    return [Fact("money", "liability_cap_formula", formula, "", fm.group(0).strip())]


# ---------------------------------------------------------------- counts, rates, percentages


def _may_count(c: _ClauseInput) -> bool:
    """Gate shared by counts, rates and percentages: a digit or a concurrency word."""
    return c.has_digit or "concurrent" in c.lower or "simultaneous" in c.lower


def _is_concurrency_clause(c: _ClauseInput) -> bool:
    """Whether the clause is about concurrency, by its category or its wording."""
    if "concurrency_limit" in c.cats:
        return True
    if c.is_ascii:
        return any(w in c.lower for w in _CONC_WORDS)
    return _CONC_WORD.search(c.text) is not None


def _concurrency_limits(c: _ClauseInput) -> list[Fact]:
    """How many jobs, generations, sessions, ... may run at once."""
    if not (_may_count(c) and _is_concurrency_clause(c)):
        return []
    facts: list[Fact] = []
    for m in _CONCURRENT.finditer(c.text):
        span, tail = m.group(0), m.group("tail")
        # the count itself must be said to be concurrent, not merely sit in such a clause
        if not (_CONC_WORD.search(span) or _CONC_WORD.search(tail)):
            continue
        value = parse_number(m.group("paren") or m.group("num"))
        if value is None:
            continue
        what = m.group("what").lower().rstrip("s")
        name = (
            "concurrent_jobs"
            if what in ("job", "task", "run", "render", "prediction", "worker")
            else f"concurrent_{what}s"
        )
        facts.append(Fact("count", name, value, what + "s", span[: len(span) - len(tail)]))
    return facts


def _rate_limits(c: _ClauseInput) -> list[Fact]:
    """Rates such as requests per minute or tokens per day."""
    if not _may_count(c) or (c.is_ascii and not any(w in c.lower for w in _RATE_WORDS)):
        return []
    facts: list[Fact] = []
    for m in _RATE.finditer(c.text):
        value = parse_number(m.group("num"))
        if value is None:
            continue
        what = m.group("what").lower()
        what = (
            "requests"
            if what in ("req", "request", "requests", "call", "calls", "queries")
            else what.rstrip("s") + "s"
        )
        unit = _RATE_UNIT[m.group("unit").lower()]
        facts.append(Fact("rate", f"{what}_per_{unit}", value, f"{what}/{unit}", m.group(0)))
    return facts


def _percentages(c: _ClauseInput) -> list[Fact]:
    """Percentages ("20%", "5 percent"), whatever they measure."""
    if not _may_count(c):
        return []
    has_pct = not c.is_ascii or "%" in c.text or "percent" in c.lower or "per cent" in c.lower
    return [
        Fact("percent", "percent", float(m.group("num")), "%", m.group(0))
        for m in (_PERCENT.finditer(c.text) if has_pct else ())
    ]


# ---------------------------------------------------------------- named bodies and places


def _arbitration_bodies(c: _ClauseInput) -> list[Fact]:
    """Arbitration institutions named in the clause, in the order of _BODIES."""
    if "arbitra" not in c.lower and "arbitration" not in c.cats:
        return []
    facts: list[Fact] = []
    for body, pat in _BODIES:
        bm = pat.search(c.text)
        if bm:
            facts.append(Fact("body", "arbitration_body", body, "", bm.group(0)))
    return facts


def _law_candidates(text: str) -> Iterator[tuple[str | None, re.Match[str]]]:
    """Place codes of "the laws of <place>" phrases, then of adjectival "<English> law"."""
    for m in _LAW.finditer(text):
        yield place_code(m.group("place")), m
    for m in _LAW_ADJ.finditer(text):
        yield _ADJ_LAW.get(m.group("adj").lower()), m


def _governing_law(c: _ClauseInput) -> list[Fact]:
    """Governing laws, each place once, "laws of" phrases before adjectival ones."""
    if "choice_of_law" not in c.cats and not ("law" in c.lower and _LAW_CONTEXT.search(c.text)):
        return []
    seen: set[str] = set()
    facts: list[Fact] = []
    for code, m in _law_candidates(c.text):
        if code and code not in seen:
            seen.add(code)
            facts.append(Fact("law", "governing_law", code, "", m.group(0)))
    return facts


def _venue(c: _ClauseInput) -> list[Fact]:
    """The first court or tribunal venue named, at most one."""
    if "jurisdiction" not in c.cats and not ("court" in c.lower and "jurisdiction" in c.lower):
        return []
    for m in _VENUE.finditer(c.text):
        place = trim_place(m.group("place"))
        if place and place.split()[0] not in _VENUE_STOP:
            text = m.group(0)[: m.start("place") - m.start() + len(place)]
            return [Fact("venue", "venue", place, "", text)]
    return []


# ---------------------------------------------------------------- stances


def _training_stance_value(text: str, reasons: set[str]) -> str:
    """never / opt_in / opt_out / yes, from the rules that fired and the opt-in/out wording."""
    # "we will not train" reads "never" unless a training rule also fired and an opt-out is offered
    if "rule:train_not" in reasons and (
        "rule:train_on_content" not in reasons or not _OPT_OUT.search(text)
    ):
        return "never"
    if _OPT_IN.search(text):
        return "opt_in"
    if _OPT_OUT.search(text):
        return "opt_out"
    return "yes"


def _training_stance(c: _ClauseInput) -> list[Fact]:
    """Whether the provider trains on user content, in an AI-training clause."""
    if "ai_training_on_user_content" not in c.cats:
        return []
    stance = _training_stance_value(c.text, c.reasons)
    return [Fact("boolean", "training_on_content", stance, "", c.text[:120])]


def _credit_expiry(c: _ClauseInput) -> list[Fact]:
    """Whether credits expire (from the rules that fired) and whether they roll over."""
    if "credit_expiry" not in c.cats:
        return []
    facts: list[Fact] = []
    if "rule:credit_never_expire" in c.reasons:
        facts.append(Fact("boolean", "credits_expire", "never", "", c.text[:120]))
    elif "rule:credit_expire" in c.reasons:
        facts.append(Fact("boolean", "credits_expire", "yes", "", c.text[:120]))
    nc = _NO_CARRY.search(c.text)
    if nc:
        facts.append(Fact("boolean", "credits_roll_over", "no", "", nc.group(0)))
    return facts


def _no_arbitration(c: _ClauseInput) -> list[Fact]:
    """An arbitration clause that rules arbitration out ("no arbitration")."""
    if "arbitration" in c.cats and "rule:arb_none" in c.reasons:
        return [Fact("boolean", "arbitration", "none", "", c.text[:120])]
    return []
