"""Structured facts with normalised units: durations in days, money with currency, counts, rates,
arbitration bodies, governing law, venue, and the AI-training stance.

``extract_facts(text, categories)`` reads one clause; ``categories`` (taxonomy ids or
Classification objects) decide what a bare duration or amount measures (a duration in a
credit-expiry clause is the credit validity, in a change clause the notice period, ...).
Every ``Fact.text`` is a verbatim substring of the clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from monitor.models import Classification, Fact

__all__ = ["extract_facts", "parse_number", "US_STATES"]

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "a": 1,
    "an": 1,
    "single": 1,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "eighteenth": 18,
    "twenty-fourth": 24,
    "thirtieth": 30,
    "sixtieth": 60,
    "ninetieth": 90,
}
_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?(?: hundred)?"
)
_NUM = rf"(?:\d[\d,]*(?:\.\d+)?|{_WORD}|an?|single)"
_ORD = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"eighteenth|twenty-fourth|thirtieth|sixtieth|ninetieth|\d+(?:st|nd|rd|th))"
)
_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 30.0, "year": 365.0}

_DURATION = re.compile(
    rf"\b(?P<num>{_NUM})(?:\s*\(\s*(?P<paren>\d+)\s*\))?[\s-]*(?P<biz>business |calendar |working )?"
    r"(?P<unit>hours?|days?|weeks?|months?|years?)\b(?:['’]s?)?",
    re.I,
)
_ORD_DURATION = re.compile(
    rf"\b(?:end of (?:the )?)?(?P<ord>{_ORD})(?:\s*\(\s*(?P<paren>\d+)(?:st|nd|rd|th)?\s*\))?\s+"
    r"(?P<unit>month|year|day|week)\b",
    re.I,
)
_MONEY = re.compile(
    r"(?P<cur>US\$|USD|\$|€|EUR|£|GBP|CHF|CAD|AUD|C\$|A\$)\s?(?P<amt>\d[\d,]*(?:\.\d+)?)(?:\s?(?P<mult>k|m|million|thousand))?"
    r"|\b(?P<amt2>\d[\d,]*(?:\.\d+)?)\s?(?P<cur2>USD|EUR|GBP|CHF|CAD|AUD|U\.S\. dollars|US dollars|dollars|euros?|pounds)\b"
    rf"|\b(?P<words>{_WORD})\s+(?P<cur3>(?:U\.S\.|US|United States)\s+dollars|dollars|euros?|pounds)\b",
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
    rf"\b(?P<num>{_NUM})(?:\s*\(\s*(?P<paren>\d+)\s*\))?\s+(?:(?:concurrent|simultaneous|parallel|"
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

US_STATES = {
    "alabama": "AL",
    "alaska": "AK",
    "arizona": "AZ",
    "arkansas": "AR",
    "california": "CA",
    "colorado": "CO",
    "connecticut": "CT",
    "delaware": "DE",
    "florida": "FL",
    "georgia": "GA",
    "hawaii": "HI",
    "idaho": "ID",
    "illinois": "IL",
    "indiana": "IN",
    "iowa": "IA",
    "kansas": "KS",
    "kentucky": "KY",
    "louisiana": "LA",
    "maine": "ME",
    "maryland": "MD",
    "massachusetts": "MA",
    "michigan": "MI",
    "minnesota": "MN",
    "mississippi": "MS",
    "missouri": "MO",
    "montana": "MT",
    "nebraska": "NE",
    "nevada": "NV",
    "new hampshire": "NH",
    "new jersey": "NJ",
    "new mexico": "NM",
    "new york": "NY",
    "north carolina": "NC",
    "north dakota": "ND",
    "ohio": "OH",
    "oklahoma": "OK",
    "oregon": "OR",
    "pennsylvania": "PA",
    "rhode island": "RI",
    "south carolina": "SC",
    "south dakota": "SD",
    "tennessee": "TN",
    "texas": "TX",
    "utah": "UT",
    "vermont": "VT",
    "virginia": "VA",
    "washington": "WA",
    "west virginia": "WV",
    "wisconsin": "WI",
    "wyoming": "WY",
}
_COUNTRIES = {
    "england and wales": "GB-EAW",
    "england": "GB-ENG",
    "scotland": "GB-SCT",
    "united kingdom": "GB",
    "ireland": "IE",
    "republic of ireland": "IE",
    "germany": "DE",
    "france": "FR",
    "the netherlands": "NL",
    "netherlands": "NL",
    "sweden": "SE",
    "switzerland": "CH",
    "luxembourg": "LU",
    "singapore": "SG",
    "japan": "JP",
    "canada": "CA",
    "ontario": "CA-ON",
    "british columbia": "CA-BC",
    "australia": "AU",
    "israel": "IL",
    "china": "CN",
    "people's republic of china": "CN",
    "hong kong": "HK",
    "india": "IN",
    "spain": "ES",
    "italy": "IT",
    "belgium": "BE",
    "denmark": "DK",
    "finland": "FI",
    "norway": "NO",
    "poland": "PL",
    "austria": "AT",
    "united states": "US",
    "united states of america": "US",
    "korea": "KR",
    "republic of korea": "KR",
    "estonia": "EE",
    "cyprus": "CY",
    "malta": "MT",
    "portugal": "PT",
    "czech republic": "CZ",
}
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
_PLACE = r"[A-Z][A-Za-z'.]*(?:(?:\s+|,\s*)(?:and\s+|of\s+(?:the\s+)?)?[A-Z][A-Za-z'.]*){0,5}"
_LAW = re.compile(
    rf"\blaws?\s+(?:in force\s+)?(?:of|in)\s+(?:the\s+)?(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?"
    rf"(?P<place>{_PLACE})",
)
_LAW_ADJ = re.compile(
    r"\b(?P<adj>English|Irish|German|French|Swiss|Dutch|Swedish|Luxembourg|Singapore|Israeli|Californian?|"
    r"Delaware|New York|Japanese|Chinese|Finnish|Danish|Norwegian)\s+(?:substantive\s+)?law\b"
)
_LAW_CONTEXT = re.compile(r"govern|construed|interpret|apply|applicable|subject to", re.I)
_VENUE = re.compile(
    r"\b(?:courts?|tribunals?)\b[^.;]{0,60}?\b(?:of|in|for|at)\s+(?:the\s+)?(?:State\s+of\s+)?"
    rf"(?P<place>{_PLACE})"
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


def parse_number(text: str) -> float | None:
    """'30' -> 30, '1,000' -> 1000, 'thirty' -> 30, 'twenty-four' -> 24, 'one hundred' -> 100."""
    t = text.strip().lower().replace(",", "")
    try:
        return float(t)
    except ValueError:
        pass
    total = 0.0
    hundred = False
    if t.endswith(" hundred"):
        t = t[: -len(" hundred")]
        hundred = True
    for part in re.split(r"[- ]", t):
        if part not in _UNITS:
            return None
        total += _UNITS[part]
    return total * 100 if hundred else total


def _ordinal(text: str) -> float | None:
    t = text.lower()
    if t in _ORDINALS:
        return float(_ORDINALS[t])
    m = re.match(r"(\d+)(?:st|nd|rd|th)$", t)
    return float(m.group(1)) if m else None


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


def extract_facts(text: str, categories: Sequence[Classification | str] = ()) -> list[Fact]:
    """Facts found in one clause, in order of appearance within each kind."""
    cats = _cat_ids(categories)
    reasons = _reasons(categories) or _stance_rules(text, cats)
    facts: list[Fact] = []
    has_digit = _DIGIT.search(text) is not None
    lower = text.lower()
    ascii_ = text.isascii()

    # ---- durations
    if ascii_:
        has_unit = any(u in lower for u in _UNIT_WORDS)
    else:
        has_unit = _UNIT_WORD.search(text) is not None
    for m in _DURATION.finditer(text) if has_unit else ():
        num = m.group("paren") or m.group("num")
        value = parse_number(num)
        if value is None:
            continue
        unit = m.group("unit").lower().rstrip("s")
        if unit == "hour" and m.group("paren") is None and m.group("num").lower() in ("a", "an"):
            pass
        days = value * _UNIT_DAYS[unit]
        name = _duration_name(text, m.start(), m.end(), cats)
        if name == "liability_cap_period":
            facts.append(
                Fact(
                    "duration", "liability_cap_months", round(days / 30.0, 2), "months", m.group(0)
                )
            )
            continue
        facts.append(Fact("duration", name, round(days, 3), "days", m.group(0)))
    has_ord = has_unit and (
        not ascii_
        or (has_digit or any(w in lower for w in _ORD_WORDS))
        and any(u in lower for u in _UNIT_WORDS[1:])
    )
    for m in _ORD_DURATION.finditer(text) if has_ord else ():
        value = float(m.group("paren")) if m.group("paren") else _ordinal(m.group("ord"))
        if value is None:
            continue
        unit = m.group("unit").lower()
        name = _duration_name(text, m.start(), m.end(), cats)
        if name == "liability_cap_period":
            facts.append(
                Fact(
                    "duration",
                    "liability_cap_months",
                    value * _UNIT_DAYS[unit] / 30.0,
                    "months",
                    m.group(0),
                )
            )
        else:
            facts.append(Fact("duration", name, value * _UNIT_DAYS[unit], "days", m.group(0)))
    if (
        (not ascii_ or "notice" in lower)
        and _WITHOUT_NOTICE.search(text)
        and any(
            c in cats
            for c in (
                "unilateral_change",
                "price_change",
                "unilateral_termination",
                "account_suspension",
                "content_removal",
            )
        )
    ):
        wm = _WITHOUT_NOTICE.search(text)
        assert wm is not None
        facts.append(Fact("duration", "notice_period", 0.0, "days", wm.group(0)))

    # ---- money
    if (has_digit or "dollar" in lower or "euro" in lower or "pound" in lower) and (
        not ascii_ or any(w in lower for w in _MONEY_WORDS)
    ):
        money_name = "liability_cap" if "limitation_of_liability" in cats else "amount"
        for m in _MONEY.finditer(text):
            if m.group("amt"):
                amount = parse_number(m.group("amt"))
                cur = _CUR.get(m.group("cur").upper(), m.group("cur").upper())
                mult = (m.group("mult") or "").lower()
                if amount is not None and mult in ("k", "thousand"):
                    amount *= 1000
                elif amount is not None and mult in ("m", "million"):
                    amount *= 1_000_000
            elif m.group("amt2"):
                amount = parse_number(m.group("amt2"))
                cur = _CUR.get(m.group("cur2").upper(), "USD")
            else:
                amount = parse_number(m.group("words"))
                cur = _CUR.get(" ".join(m.group("cur3").upper().split()), "USD")
            if amount is None:
                continue
            facts.append(Fact("money", money_name, amount, cur, m.group(0)))
    if "limitation_of_liability" in cats:
        fm = (
            _FEES_PAID.search(text)
            if re.search(r"liab|exceed|limited to|greater|lesser", lower)
            else None
        )
        if fm:
            months = next((f.value for f in facts if f.name == "liability_cap_months"), None)
            formula = "fees_paid" + (f"_{int(float(months))}_months" if months is not None else "")
            facts.append(Fact("money", "liability_cap_formula", formula, "", fm.group(0).strip()))

    # ---- counts and rates
    if has_digit or "concurrent" in lower or "simultaneous" in lower:
        conc_clause = "concurrency_limit" in cats or (
            any(w in lower for w in _CONC_WORDS) if ascii_ else _CONC_WORD.search(text) is not None
        )
        if conc_clause:
            for m in _CONCURRENT.finditer(text):
                span = m.group(0)
                if not (_CONC_WORD.search(span) or _CONC_WORD.search(m.group("tail"))):
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
                cut = len(span) - len(m.group("tail"))
                facts.append(Fact("count", name, value, what + "s", span[:cut]))
        for m in _RATE.finditer(text) if not ascii_ or any(w in lower for w in _RATE_WORDS) else ():
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
        has_pct = not ascii_ or "%" in text or "percent" in lower or "per cent" in lower
        for m in _PERCENT.finditer(text) if has_pct else ():
            facts.append(Fact("percent", "percent", float(m.group("num")), "%", m.group(0)))

    # ---- named bodies and places
    if "arbitra" in lower or "arbitration" in cats:
        for body, pat in _BODIES:
            bm = pat.search(text)
            if bm:
                facts.append(Fact("body", "arbitration_body", body, "", bm.group(0)))
    if "choice_of_law" in cats or ("law" in lower and _LAW_CONTEXT.search(text)):
        seen: set[str] = set()
        for m in _LAW.finditer(text):
            code = _place_code(m.group("place"))
            if code and code not in seen:
                seen.add(code)
                facts.append(Fact("law", "governing_law", code, "", m.group(0)))
        for m in _LAW_ADJ.finditer(text):
            code = _ADJ_LAW.get(m.group("adj").lower())
            if code and code not in seen:
                seen.add(code)
                facts.append(Fact("law", "governing_law", code, "", m.group(0)))
    if "jurisdiction" in cats or ("court" in lower and "jurisdiction" in lower):
        for m in _VENUE.finditer(text):
            place = _trim_place(m.group("place"))
            if place and place.split()[0] not in _VENUE_STOP:
                facts.append(
                    Fact(
                        "venue",
                        "venue",
                        place,
                        "",
                        m.group(0)[: m.start("place") - m.start() + len(place)],
                    )
                )
                break

    # ---- stances
    if "ai_training_on_user_content" in cats:
        if (
            "rule:train_not" in reasons
            and "rule:train_on_content" not in reasons
            or "rule:train_not" in reasons
            and not _OPT_OUT.search(text)
        ):
            stance = "never"
        elif _OPT_IN.search(text):
            stance = "opt_in"
        elif _OPT_OUT.search(text):
            stance = "opt_out"
        else:
            stance = "yes"
        facts.append(Fact("boolean", "training_on_content", stance, "", text[:120]))
    if "credit_expiry" in cats:
        if "rule:credit_never_expire" in reasons:
            facts.append(Fact("boolean", "credits_expire", "never", "", text[:120]))
        elif "rule:credit_expire" in reasons:
            facts.append(Fact("boolean", "credits_expire", "yes", "", text[:120]))
        nc = _NO_CARRY.search(text)
        if nc:
            facts.append(Fact("boolean", "credits_roll_over", "no", "", nc.group(0)))
    if "arbitration" in cats and "rule:arb_none" in reasons:
        facts.append(Fact("boolean", "arbitration", "none", "", text[:120]))
    return facts


def _trim_place(place: str) -> str:
    place = place.strip(" ,.")
    place = re.sub(r"(?:,?\s+(?:and|of|the))+$", "", place)
    return place.strip(" ,.")


def _place_code(raw: str) -> str | None:
    place = _trim_place(raw)
    low = place.lower()
    for sep in (",", " without", " excluding", " and the", " and any", " applicable"):
        if sep in low and not low.startswith("england and"):
            low = low.split(sep)[0]
    low = low.strip()
    if low.startswith("the "):
        low = low[4:]
    if low in US_STATES:
        return "US-" + US_STATES[low]
    if low in _COUNTRIES:
        return _COUNTRIES[low]
    for name, code in _COUNTRIES.items():
        if low.startswith(name + " "):
            return code
    for name, code in US_STATES.items():
        if low.startswith(name + " ") or low == "state of " + name:
            return "US-" + code
    if low in ("your country", "your state") or low.split()[0] in ("any", "your", "such", "that"):
        return None
    return place if place[:1].isupper() and len(place) <= 40 else None
