"""Structured facts: each keeps the document's own value and unit (``written``: "12 months", "one
year", "3 jobs") with a normalised value beside it for comparison (days for durations, an amount
with its currency, a count, a rate), plus named facts: arbitration bodies, governing law, venues,
the minimum age, the AI-training stance and whether credits expire.

``extract_facts(text, categories)`` reads one clause; ``categories`` (taxonomy ids or
Classification objects) and the words around a figure decide what it measures: a duration is a
notice period only next to "notice", a refund window only next to a refund, "pay within 30 days" is
a payment deadline, and "at least 18 years old" is an age, never a duration. Every ``Fact.text`` is
a verbatim substring of the clause.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from monitor.clauses.numwords import NUMBER, NUMBER_WORD, ORDINAL, parse_number, parse_ordinal
from monitor.clauses.places import PLACE, US_STATES, place_code, split_places, trim_place
from monitor.models import Classification, Fact

# parse_number and US_STATES are re-exported: they were public here before the helper modules
__all__ = ["DAYS_PER_UNIT", "extract_facts", "parse_number", "US_STATES"]

# Days per unit. A month is a twelfth of a year, so "12 months" and "one year" compare equal.
DAYS_PER_UNIT = {"hour": 1 / 24, "day": 1.0, "week": 7.0, "month": 365.0 / 12, "year": 365.0}

_DURATION = re.compile(
    rf"\b(?P<num>{NUMBER})(?:\s*\(\s*(?P<paren>\d+|{NUMBER_WORD})\s*\))?[\s-]*"
    r"(?P<biz>business |calendar |working )?(?P<unit>hours?|days?|weeks?|months?|years?)\b(?:['’]s?)?",
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
    r"active|running)\s+)?(?:(?:generation|video|image|inference|render|gpu|api|training)\s+(?=(?:jobs?|tasks?|"
    r"requests?|runs?|sessions?)\b))?(?P<what>jobs?|generations?|requests?|tasks?|runs?|predictions?|sessions?|renders?|images?|videos?|"
    r"streams?|connections?|workers?|gpus?)\b(?P<tail>[^.;]{0,40})",
    re.I,
)
_CONC_WORD = re.compile(r"concurren|simultaneous|parallel|at (?:the same time|once|a time)", re.I)
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
    ("NAM", re.compile(r"\bNational Arbitration (?:and|&) Mediation\b|\bNAM\b")),
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
    r"\b(?i:laws?)\s+(?:(?i:in force)\s+)?(?i:of|in)\s+(?:(?i:the)\s+)?"
    r"(?:(?i:state|commonwealth|province)\s+(?i:of)\s+)?"
    rf"(?P<place>{PLACE})",
)
_LAW_ADJ = re.compile(
    r"\b(?P<adj>English|Irish|German|French|Swiss|Dutch|Swedish|Luxembourg|Singapore|Israeli|Californian?|"
    r"Delaware|New York|Japanese|Chinese|Finnish|Danish|Norwegian)\s+(?:substantive\s+)?(?i:law)\b"
)
_FAA = re.compile(r"\bFederal Arbitration Act\b", re.I)
_LAW_CONTEXT = re.compile(r"govern|construed|interpret|apply|applicable|subject to", re.I)
_VENUE = re.compile(
    r"\b(?i:courts?|tribunals?)\b[^.;]{0,60}?\b(?i:of|in|for|at)\s+(?:(?i:the)\s+)?"
    r"(?:(?i:state|commonwealth|province)\s+(?i:of)\s+)?"
    rf"(?P<place>{PLACE}(?:,?\s+(?i:or|and/or)\s+(?:(?i:the)\s+)?{PLACE})*)"
)
_VENUE_STOP = {
    "The",
    "These",
    "This",
    "Your",
    "You",
    "Any",
    "Such",
    "Terms",
    "Agreement",
    "Competent",
}
_OPT_OUT = re.compile(
    r"\bopt(?:s|ed|ing)?[- ]?out\b|\bturn(?:ing)? off\b|\bdisabl\w+\b|\bsettings?\b|\bdata controls\b|"
    r"\bability to control\b|\bchoos\w+ [“\"']?no\b|\bdo not want\b[^.;]{0,60}\b(?:used|use|train)|"
    r"\bchoose whether\b|\bobject to\b|\b(?:cease|stop) using\b|"
    r"\bif (?:model )?training is (?:enabled|on|turned on)\b|\bif you (?:choose to )?(?:enable|activate|turn on|"
    r"use) (?:zdr|zero[- ]data[- ]retention|privacy mode|temporary chat)|\bdo not train on my\b|\bpreferences\b",
    re.I,
)
_OPT_IN = re.compile(
    r"\bopt(?:s|ed|ing)?[- ]?in\b|\bonly (?:if|when) you (?:choose|consent|agree|allow|explicitly|opt)|"
    r"\bwith your (?:explicit |express |prior )?(?:permission|consent)|\byou(?:[’']ve| have) (?:explicitly |"
    r"expressly )?(?:agreed|opted in|consented)|\bunless (?:the )?customer\b[^.;]{0,20}"
    r"\b(?:authori[sz]|consent|agree|opt|activat|enabl|allow)|\bexplicit opt-?in\b|\bunless you(?:[’']ve| have)? "
    r"(?:choose|chosen|agree|agreed|opt in|explicitly|expressly|give|given|consent|authori[sz]e|allow|enable)",
    re.I,
)
_WITHOUT_NOTICE = re.compile(r"\bwithout (?:any |prior |advance )?notice\b", re.I)
_NOTICE_NO_FIGURE = re.compile(
    r"\b(?:advance|prior|reasonable|written) notice\b|\bnotice (?:of|before|prior to) (?:the |any |such )?"
    r"changes?\b",
    re.I,
)
_NO_CARRY = re.compile(
    r"\b(?:not|no)\b[^.;]{0,30}\b(?:roll|carry)[- ]?over|\bdo not accumulate", re.I
)
_ON_TERMINATION = re.compile(
    r"\b(?:forfeit\w*|expire\w*|lost)\b[^.;]{0,60}\b(?:termination|closure|closed|terminated|cancel\w*|delet\w+)"
    r"|\b(?:termination|closure|closed|terminated|cancel\w*)\b[^.;]{0,80}\b(?:forfeit\w*|expire\w*)\b"
    r"|\bforfeiture of (?:any |all )?unused credits\b",
    re.I,
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
_CONC_WORDS = ("concurren", "simultaneous", "parallel", "at the same time", "at once", "at a time")
_AGE_WORDS = ("age", "old", "child", "minor", "kid", "adult", "teen", "year", "under", "parent")


def _cat_ids(categories: Iterable[Classification | str]) -> list[str]:
    return [c.category if isinstance(c, Classification) else c for c in categories]


def _reasons(categories: Iterable[Classification | str]) -> set[str]:
    out: set[str] = set()
    for c in categories:
        if isinstance(c, Classification):
            out.update(c.reasons)
    return out


_STANCE_CATEGORIES = frozenset(
    (
        "ai_training_on_user_content",
        "credit_expiry",
        "arbitration",
        "refunds",
        "auto_renewal",
        "output_ownership",
    )
)


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


def _unit_word(unit: str, value: float) -> str:
    unit = unit.lower().rstrip("s")
    return unit if value == 1 else unit + "s"


def _written(value: float, unit: str) -> str:
    """A value in the document's own unit: "12 months", "1 year", "24 hours"."""
    number = f"{int(value)}" if float(value).is_integer() else f"{value:g}"
    return f"{number} {_unit_word(unit, value)}"


# ---------------------------------------------------------------- what a duration measures

_NOTICE_AFTER = re.compile(
    r"^[’']?s?\s*(?:\([\w ]+\)\s*)?[’']?s?\s*(?:(?:prior|advance|written|calendar|business|electronic|"
    r"e-?mail)\s+)*(?:notice|notification)\b",
    re.I,
)
_NOTICE_BEFORE = re.compile(
    r"\b(?:notice|notify|notifying|notification|inform)\w*\b[^.;]{0,40}\b(?:at least|no less than|not less "
    r"than|a minimum of|minimum|within|of|before)\s*$",
    re.I,
)
# "we will tell you 10 days before ...": notice without the word
_TELL_USER = re.compile(
    r"\b(?:tell|inform|notify|let|warn) (?:you|the customer|customers|users)(?: know)?\s*(?:at least\s*)?$",
    re.I,
)
_BEFORE_EFFECT = re.compile(r"^\W{0,3}(?:\([\w ]+\)\s*)?(?:before|prior to|in advance)\b", re.I)
_TO_USER = re.compile(
    r"^[^.;]{0,60}?\bto (?:you|the customer|customers?|users?|the user|subscribers?)\b", re.I
)
# "notice to us", "to Acme" (a capitalised name, not "to You" or "to the Customer")
_TO_PROVIDER = re.compile(
    r"^[^.;]{0,60}?\b(?i:to) (?:(?i:us|the company)\b|(?!(?i:you|your|customers?|users?|the|them)\b)"
    r"[A-Z][\w&-]*)|\b(?i:by you)\b"
)
_USER_GIVES = re.compile(
    r"\b(?:you|customer|the customer|users?)\b[^.;]{0,30}\b(?:must|shall|will|may|need to|agree to)?\s*"
    r"(?:give|provide|send|issu\w*|serv\w*)\b[^.;]{0,30}$",
    re.I,
)
# notice "before the expiry of the term" or "prior to the renewal date" (a deadline to stop renewal)
_BEFORE_END = re.compile(
    r"^[’']?s?\s*(?:\([\w ]+\)\s*)?[^.;]{0,30}?\b(?:before|prior to|in advance of)\b[^.;]{0,40}\b(?:expir\w+|"
    r"renewal|renews|end of)",
    re.I,
)
_CANCEL_BEFORE = re.compile(
    r"\b(?:cancel\w*|non-?renewal|not to renew|unless terminated|terminat\w+ (?:your|the) (?:subscription|plan)|"
    r"opt out of (?:the )?renewal)"
    r"\b[^.;]{0,80}$",
    re.I,
)
_REFUND_NEAR = re.compile(
    r"refund|money[- ]back|cooling[- ]off|withdraw\w*|right to cancel|cancel\w* (?:your |the )?(?:purchase|"
    r"order|subscription)",
    re.I,
)
_WITHIN_BEFORE = re.compile(r"\b(?:within|during|in|for|up to|after|before)\b(?:\s+the)?\s*$", re.I)
_PAYMENT_BEFORE = re.compile(
    r"\b(?:pay|paid|payable|payment|due|invoice\w*|settle\w*)\b[^.;]{0,40}\b(?:within|in|after|of)\s*$",
    re.I,
)
_PAYMENT_AFTER = re.compile(
    r"^[^.;]{0,20}\b(?:of|after|from) (?:the )?(?:date of )?(?:the )?(?:invoice|receipt of (?:the |an )?invoice|"
    r"billing date)",
    re.I,
)
_CURE = re.compile(r"\b(?:cure|remed)\w*\b", re.I)
_CLAIM_BEFORE = re.compile(
    r"\b(?:claims?|actions?|proceedings?|causes? of action|disputes?)\b[^.;]{0,100}\b(?:within|no later than|"
    r"not later than)\s*$",
    re.I,
)
_CREDIT_WORDS = re.compile(
    r"expir\w*|valid\w*|forfeit\w*|\b(?:after|from) (?:the )?(?:date of )?(?:purchase|payment|issuance|grant|"
    r"the (?:purchase|payment))|unused|roll",
    re.I,
)
_RETAIN_WORDS = re.compile(
    r"\b(?:retain\w*|retention|delet\w+|keep|kept|stor\w+|eras\w+|purg\w+|backups?)\b", re.I
)
_HOLD_WORDS = re.compile(r"\b(?:hold\w*|withh\w+|reserve|freez\w+|delay\w*)\b", re.I)
_OPT_WORD = re.compile(r"\bopt\w*[- ]?out|\bdecline\b|\breject\b", re.I)
_TRIAL = re.compile(r"\btrial\b", re.I)
_RENEW_WORDS = re.compile(r"\brenew\w*|\bsuccessive\b|\badditional (?:term|period)", re.I)


def _duration_name(c: _ClauseInput, start: int, end: int) -> str | None:
    """What the duration at text[start:end] measures, from the words around it; None when it is
    not a duration at all (an age)."""
    text, cats = c.text, c.cats
    before = text[max(0, start - 100) : start]
    after = text[end : end + 80]
    if _is_age(before, after):
        return None
    if _NOTICE_AFTER.search(after) or _NOTICE_BEFORE.search(before):
        if _TO_USER.search(after):
            return "notice_period"
        if "auto_renewal" in cats and _BEFORE_END.search(after):
            return "cancellation_deadline"
        if _CANCEL_BEFORE.search(before):
            return "cancellation_deadline"
        if _TO_PROVIDER.search(after) or _USER_GIVES.search(before[-60:]):
            return "user_notice_period"
        return "notice_period"
    if _TELL_USER.search(before) and _BEFORE_EFFECT.search(after):
        return "notice_period"
    if _CANCEL_BEFORE.search(before) and _BEFORE_EFFECT.search(after):
        return "cancellation_deadline"
    if "auto_renewal" in cats and _BEFORE_END.search(after):
        return "cancellation_deadline"
    window = before[-80:] + " " + after[:60]
    if "limitation_of_liability" in cats and re.search(
        r"paid|payable|preceding|before|prior to|immediately|previous|last", window, re.I
    ):
        return "liability_cap_months"
    if _OPT_WORD.search(before[-120:]) and ("arbitration" in cats or "arbitrat" in c.lower):
        return "optout_window"
    if _PAYMENT_BEFORE.search(before) or _PAYMENT_AFTER.search(after):
        return "payment_deadline"
    if _REFUND_NEAR.search(window) and ("refunds" in cats or re.search(r"\brefund", window, re.I)):
        return "refund_window"
    if _CURE.search(before[-130:] + " " + after[:40]):
        return "cure_period"
    if _RETAIN_WORDS.search(before[-50:]) and re.search(
        r"\bdata\b|information|content", window, re.I
    ):
        return "retention"
    if "credit_expiry" in cats and _CREDIT_WORDS.search(window):
        return "credit_validity"
    if "fund_hold" in cats and _HOLD_WORDS.search(window):
        return "hold_period"
    if ("data_retention" in cats or "ai_training_on_user_content" in cats) and _RETAIN_WORDS.search(
        window
    ):
        return "retention"
    if "arbitration" in cats and "informal" in c.lower and re.search(r"resolv", window, re.I):
        return "informal_resolution_period"
    if _CLAIM_BEFORE.search(before):
        return "claim_deadline"
    if _TRIAL.search(window):
        return "trial_period"
    if "auto_renewal" in cats and _RENEW_WORDS.search(window):
        return "renewal_period"
    if _RETAIN_WORDS.search(before[-60:]):
        return "retention"
    return "duration"


# ---------------------------------------------------------------- ages

_AGE_NUM = (
    r"(?:1[0-9]|2[0-5]|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty[- ]one)"
)
_AGE_AFTER = re.compile(
    r"^\s*(?:\(\d+\)\s*)?(?:years?\s+)?(?:old|of age|or older|or over|or above|and older|and over|of legal "
    r"age|\+)",
    re.I,
)
_AGE_BEFORE = re.compile(
    r"\b(?:aged?|ages|age of|older than|younger than|under the age of|over the age of|above the age of)\s*$",
    re.I,
)
# the smallest age allowed: "at least 18 years old", "13 or older", "over the age of 16", "age 13+"
_MIN_AGE = re.compile(
    rf"\b(?:at least|minimum age(?: of| is)?|must be|aged?|ages|over|older than|above)\s+(?:the age of\s+)?"
    rf"(?P<n>{_AGE_NUM})(?:\s*\(\d+\))?\s*(?P<tail>years?(?: of age| old)?(?:\s+or (?:older|over|above))?|\+|"
    rf"or (?:older|over|above))|\b(?P<n2>{_AGE_NUM})(?:\s*\(\d+\))?\s*(?:years?(?: of age| old)?\s+)?(?:or|and)"
    rf" (?:older|over|above)|\bage (?:of )?(?P<n3>{_AGE_NUM})\s*(?:\+|or (?:older|over|above))"
    rf"|(?<!under )(?<!younger than )(?<!below )(?<!under the age of )\b(?P<n4>{_AGE_NUM})\s*(?:\(\d+\)\s*)?"
    r"years? (?:old|of age)\b",
    re.I,
)
# an age below which use is barred or data is not collected, or needs a parent: "under 13"
_UNDER_AGE = re.compile(
    rf"\b(?:under|younger than|below)\s+(?:the age of\s+)?(?P<n>{_AGE_NUM})(?:\s*\(\d+\))?"
    r"(?:\s+years?(?: of age| old)?)?",
    re.I,
)
_CONSENT_USE = re.compile(
    r"\bif you are (?:under|younger than|between|a minor)|\b(?:with|have|obtain\w*|requires?|need)\b[^.;]{0,30}"
    r"\b(?:permission|consent|supervision|approval)\b|\bparent\w*(?: or (?:legal )?guardian)? (?:must|has|have|"
    r"should) (?:consent|agree|review|accept)|\bparent\w*\b[^.;]{0,20}\bconsent",
    re.I,
)
_MAJORITY = re.compile(
    r"\b(?:age of (?:legal )?majority|legal age|must be an adult|adults? only)\b", re.I
)


def _is_age(before: str, after: str) -> bool:
    """Whether "18 years" (say) between ``before`` and ``after`` is someone's age."""
    return bool(_AGE_AFTER.search(after) or _AGE_BEFORE.search(before))


def _age_value(raw: str) -> float | None:
    value = parse_number(raw.replace("-", " "))
    return value if value is not None and 10 <= value <= 25 else None


def _ages(c: _ClauseInput) -> list[Fact]:
    """The minimum age to use the service, and the age below which a parent must consent."""
    if "age_eligibility" not in c.cats or not any(w in c.lower for w in _AGE_WORDS):
        return []
    minimum: list[tuple[float, re.Match[str]]] = []
    consent: list[tuple[float, re.Match[str]]] = []
    for m in _MIN_AGE.finditer(c.text):
        value = _age_value(m.group("n") or m.group("n2") or m.group("n3") or m.group("n4"))
        if value is not None:
            minimum.append((value, m))
    for m in _UNDER_AGE.finditer(c.text):
        value = _age_value(m.group("n"))
        if value is None:
            continue
        sentence_end = c.text.find(".", m.end())
        rest = c.text[m.start() : sentence_end if sentence_end > 0 else len(c.text)]
        lead = c.text[max(0, m.start() - 40) : m.start()]
        if _CONSENT_USE.search(lead + rest) and not re.search(r"\bwithout\b", rest, re.I):
            consent.append((value, m))
        else:
            minimum.append((value, m))
    facts: list[Fact] = []
    if minimum:
        value, m = min(minimum, key=lambda vm: vm[0])
        facts.append(
            Fact("age", "minimum_age", value, "years", m.group(0), _written(value, "year"))
        )
    elif (mm := _MAJORITY.search(c.text)) is not None:
        label = "adult" if "adult" in mm.group(0).lower() else "age of majority"
        facts.append(Fact("age", "minimum_age", label, "", mm.group(0), mm.group(0)))
    for value, m in consent:
        if not minimum or value > min(v for v, _ in minimum):
            facts.append(
                Fact(
                    "age",
                    "parental_consent_age",
                    value,
                    "years",
                    m.group(0),
                    _written(value, "year"),
                )
            )
    return facts


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
    facts = _cardinal_durations(c) + _ordinal_durations(c) + _notice_without_figure(c)
    facts += _money_amounts(c)
    facts += _liability_formula(c, facts)  # reads the cap's look-back period from the durations
    facts += _concurrency_limits(c) + _rate_limits(c) + _percentages(c) + _ages(c)
    facts += _arbitration_bodies(c) + _governing_law(c) + _venue(c)
    facts += _training_stance(c) + _credit_expiry(c) + _no_arbitration(c)
    facts += _refundable(c) + _auto_renews(c) + _output_owner(c)
    return facts


# ---------------------------------------------------------------- durations


def _duration_fact(c: _ClauseInput, m: re.Match[str], value: float, unit: str) -> Fact | None:
    """A duration named by its context (None for an age); a liability look-back period is kept in
    months, everything else in days."""
    name = _duration_name(c, m.start(), m.end())
    if name is None:
        return None
    unit = unit.lower().rstrip("s")
    written = _written(value, unit)
    if name == "liability_cap_months":
        months = round(value * DAYS_PER_UNIT[unit] * 12 / 365.0, 2)
        return Fact("duration", name, months, "months", m.group(0), written)
    days = round(value * DAYS_PER_UNIT[unit], 3)
    return Fact("duration", name, days, "days", m.group(0), written)


def _cardinal_durations(c: _ClauseInput) -> list[Fact]:
    """Durations counted in words or digits: "thirty (30) days", "30 (thirty) days", "12 months"."""
    facts: list[Fact] = []
    for m in _DURATION.finditer(c.text) if c.has_unit else ():
        # a parenthesised figure ("thirty (30)") wins over the words before it
        paren = m.group("paren")
        value = parse_number(paren) if paren and paren.isdigit() else None
        if value is None:
            value = parse_number(m.group("num"))
        if value is None and paren:
            value = parse_number(paren)
        if value is None:
            continue
        fact = _duration_fact(c, m, value, m.group("unit"))
        if fact is not None:
            facts.append(fact)
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
        fact = _duration_fact(c, m, value, m.group("unit"))
        if fact is not None:
            facts.append(fact)
    return facts


_ZERO_NOTICE_CATEGORIES = (
    "unilateral_change",
    "price_change",
    "unilateral_termination",
    "account_suspension",
    "content_removal",
)


def _notice_without_figure(c: _ClauseInput) -> list[Fact]:
    """A notice period of zero days where a change or termination may happen "without notice",
    and an unspecified one where "advance notice" is promised without a figure."""
    if not any(cat in c.cats for cat in _ZERO_NOTICE_CATEGORIES):
        return []
    if c.is_ascii and "notice" not in c.lower:
        return []
    m = _WITHOUT_NOTICE.search(c.text)
    if m:
        return [Fact("duration", "notice_period", 0.0, "days", m.group(0), "no notice")]
    m = _NOTICE_NO_FIGURE.search(c.text)
    if m and not _DURATION.search(c.text):
        return [Fact("duration", "notice_period", "unspecified", "", m.group(0), m.group(0))]
    return []


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


def _money_text(amount: float, cur: str) -> str:
    number = f"{int(amount):,}" if float(amount).is_integer() else f"{amount:,.2f}"
    return f"{cur} {number}"


def _money_amounts(c: _ClauseInput) -> list[Fact]:
    """Amounts of money with their currency; in a liability clause each is a liability cap."""
    if not _may_have_money(c):
        return []
    name = "liability_cap" if "limitation_of_liability" in c.cats else "amount"
    facts: list[Fact] = []
    for m in _MONEY.finditer(c.text):
        amount, cur = _money_value(m)
        if amount is not None:
            facts.append(Fact("money", name, amount, cur, m.group(0), _money_text(amount, cur)))
    return facts


_GREATER = re.compile(r"\bgreater\b|\bhigher\b|\bmore\b", re.I)
_LESSER = re.compile(r"\blesser\b|\blower\b|\bless\b", re.I)


def _liability_formula(c: _ClauseInput, found: Sequence[Fact]) -> list[Fact]:
    """A liability cap set by the fees paid, with the look-back period if one was found, and an
    amount when the cap is the greater (or lesser) of the two: "max(100 USD, 12 months of fees)"."""
    if "limitation_of_liability" not in c.cats or not _CAP_WORDS.search(c.lower):
        return []
    fm = _FEES_PAID.search(c.text)
    if not fm:
        return []
    months = next((f.value for f in found if f.name == "liability_cap_months"), None)
    fees = f"{months:g} months of fees" if isinstance(months, float) else "fees paid"
    amounts = [f for f in found if f.name == "liability_cap"]
    formula = fees
    if amounts:
        amount = amounts[0]
        money = f"{amount.value:g} {amount.unit}"
        if _GREATER.search(c.text):
            formula = f"max({money}, {fees})"
        elif _LESSER.search(c.text):
            formula = f"min({money}, {fees})"
    return [Fact("money", "liability_cap_formula", formula, "", fm.group(0).strip(), formula)]


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
        text = span[: len(span) - len(tail)]
        facts.append(Fact("count", name, value, what + "s", text, _written(value, what)))
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
        written = f"{value:g} {what} per {unit}"
        facts.append(
            Fact("rate", f"{what}_per_{unit}", value, f"{what}/{unit}", m.group(0), written)
        )
    return facts


def _percentages(c: _ClauseInput) -> list[Fact]:
    """Percentages ("20%", "5 percent"), whatever they measure."""
    if not _may_count(c):
        return []
    has_pct = not c.is_ascii or "%" in c.text or "percent" in c.lower or "per cent" in c.lower
    return [
        Fact("percent", "percent", float(m.group("num")), "%", m.group(0), f"{m.group('num')}%")
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
            facts.append(Fact("body", "arbitration_body", body, "", bm.group(0), bm.group(0)))
    return facts


def _law_candidates(text: str) -> Iterator[tuple[str | None, str, re.Match[str]]]:
    """(code, place as written, match) of "the laws of <place>" phrases, then of adjectival
    "<English> law", then the Federal Arbitration Act."""
    for m in _LAW.finditer(text):
        place = trim_place(m.group("place"))
        yield place_code(place), place, m
    for m in _LAW_ADJ.finditer(text):
        yield _ADJ_LAW.get(m.group("adj").lower()), m.group(0), m
    for m in _FAA.finditer(text):
        yield "FAA", m.group(0), m


def _governing_law(c: _ClauseInput) -> list[Fact]:
    """Governing laws, each place once, "laws of" phrases before adjectival ones."""
    lawish = "law" in c.lower and _LAW_CONTEXT.search(c.text)
    faa = "federal arbitration act" in c.lower and "govern" in c.lower
    if "choice_of_law" not in c.cats and not lawish and not faa:
        return []
    seen: set[str] = set()
    facts: list[Fact] = []
    for code, place, m in _law_candidates(c.text):
        if code and code not in seen:
            seen.add(code)
            end = (
                m.start() + m.group(0).find(place) + len(place) if place in m.group(0) else m.end()
            )
            facts.append(Fact("law", "governing_law", code, "", c.text[m.start() : end], place))
    return facts


def _venue(c: _ClauseInput) -> list[Fact]:
    """The courts' places: every place of "the courts of X County or Y County", in capitals too."""
    if "jurisdiction" not in c.cats and not ("court" in c.lower and "jurisdiction" in c.lower):
        return []
    facts: list[Fact] = []
    seen: set[str] = set()
    for m in _VENUE.finditer(c.text):
        for place in split_places(m.group("place")):
            if not place or place.split()[0] in _VENUE_STOP or place.lower() in seen:
                continue
            start = c.lower.find(place.lower(), m.start("place"))
            if start < 0:
                continue
            seen.add(place.lower())
            text = c.text[m.start() : start + len(place)]
            facts.append(
                Fact("venue", "venue", place, "", text, c.text[start : start + len(place)])
            )
        if facts:
            break
    return facts


# ---------------------------------------------------------------- stances


_PARTS = re.compile(r"[.;!?](?:\s+|$)|\n|<br>")
# "... are used to improve our models": the provider's use of something for its models
_USED_FOR_MODELS = re.compile(
    r"\b(?:used|use|using|uses)\b[^.;]{0,80}\bto (?:help )?(?:improve|train|develop|fine-tune|enhance)\w* "
    r"(?:and \w+ )?(?:our|its|the) (?:\w+ )?models?\b"
)


_EXCEPT = re.compile(r"\bexcept\b|\bother than\b|\bwith the exception\b")


@lru_cache(maxsize=1)
def _training_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    from monitor.clauses.rules import RULES

    by_id = {r.id: r.pattern for r in RULES}
    return by_id["train_on_content"], by_id["train_not"]


def _training_stance_value(text: str, reasons: set[str]) -> str:
    """never / opt_in / opt_out / yes: whether the provider trains on user content.

    Each sentence (or part between semicolons) either says the provider trains on user content or
    promises it does not. A promise with an opt-in ("unless you have agreed") reads opt_in; a
    promise alone reads never, or opt_out when the user can switch training off ("if you enable
    zero data retention", "you can opt out"). A statement that it trains reads yes, unless the user
    may opt out (opt_out) or must opt in (opt_in)."""
    trains_pat, promise_pat = _training_patterns()
    trains = promise = excepted = False
    for part in _PARTS.split(text.lower()):
        if promise_pat.search(part):
            promise = True
            # "we will not train on your content, except ...": what follows are the exceptions
            excepted = excepted or _EXCEPT.search(part) is not None
        elif trains_pat.search(part) or _USED_FOR_MODELS.search(part):
            trains = True
    if excepted:
        trains = False
    if not (trains or promise):  # only the rules (or a heading) put the clause here
        trains = "rule:train_on_content" in reasons or "rule:train_optout" in reasons
        promise = "rule:train_not" in reasons
    opt_in = _OPT_IN.search(text) is not None
    opt_out = _OPT_OUT.search(text) is not None
    if promise and opt_in:
        return "opt_in"
    if promise and not trains:
        return "opt_out" if opt_out else "never"
    if opt_out:
        return "opt_out"
    return "opt_in" if opt_in else "yes"


def _training_stance(c: _ClauseInput) -> list[Fact]:
    """Whether the provider trains on user content, in an AI-training clause."""
    if "ai_training_on_user_content" not in c.cats:
        return []
    stance = _training_stance_value(c.text, c.reasons)
    return [Fact("boolean", "training_on_content", stance, "", c.text[:120], stance)]


def _credit_expiry(c: _ClauseInput) -> list[Fact]:
    """Whether credits expire (from the rules that fired) and whether they roll over."""
    if "credit_expiry" not in c.cats:
        return []
    facts: list[Fact] = []
    if "rule:credit_never_expire" in c.reasons:
        facts.append(Fact("boolean", "credits_expire", "never", "", c.text[:120], "never"))
    elif (m := _ON_TERMINATION.search(c.text)) is not None:
        facts.append(
            Fact("boolean", "credits_expire", "on termination", "", m.group(0), m.group(0))
        )
    elif "rule:credit_expire" in c.reasons:
        facts.append(Fact("boolean", "credits_expire", "yes", "", c.text[:120], "yes"))
    nc = _NO_CARRY.search(c.text)
    if nc:
        facts.append(Fact("boolean", "credits_roll_over", "no", "", nc.group(0), nc.group(0)))
    return facts


def _refundable(c: _ClauseInput) -> list[Fact]:
    """Whether payments are refundable: "no" ("all sales are final", even with exceptions the law
    requires), "yes" ("you are entitled to a full refund")."""
    if "refunds" not in c.cats:
        return []
    if "rule:refund_none" in c.reasons:
        return [Fact("boolean", "refundable", "no", "", c.text[:120], "no")]
    if "rule:refund_fair" in c.reasons:
        return [Fact("boolean", "refundable", "yes", "", c.text[:120], "yes")]
    return []


_AUTO_RENEW_RULES = frozenset(
    ("rule:auto_renew", "rule:auto_charge_until_cancel", "rule:auto_recurring")
)


def _auto_renews(c: _ClauseInput) -> list[Fact]:
    """That a subscription renews (or is charged) automatically until cancelled."""
    if "auto_renewal" not in c.cats or not _AUTO_RENEW_RULES & c.reasons:
        return []
    return [Fact("boolean", "auto_renews", "yes", "", c.text[:120], "yes")]


def _output_owner(c: _ClauseInput) -> list[Fact]:
    """Who owns what the service generates: "user" or "provider"."""
    if "output_ownership" not in c.cats:
        return []
    if "rule:output_own_platform" in c.reasons:
        return [Fact("boolean", "output_owner", "provider", "", c.text[:120], "provider")]
    if "rule:output_own_user" in c.reasons:
        return [Fact("boolean", "output_owner", "user", "", c.text[:120], "user")]
    return []


def _no_arbitration(c: _ClauseInput) -> list[Fact]:
    """An arbitration clause that rules arbitration out ("there is no arbitration")."""
    if "arbitration" in c.cats and "rule:arb_none" in c.reasons:
        return [Fact("boolean", "arbitration", "none", "", c.text[:120], "none")]
    return []
