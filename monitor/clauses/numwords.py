"""Numbers as terms of service write them: digits ("1,000"), words ("thirty", "twenty-four",
"one hundred", "a") and ordinals ("twelfth", "30th"); regex fragments that match them and their values.
"""

from __future__ import annotations

import re

__all__ = ["NUMBER", "NUMBER_WORD", "ORDINAL", "parse_number", "parse_ordinal"]

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
NUMBER_WORD = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?(?: hundred)?"
)
NUMBER = rf"(?:\d[\d,]*(?:\.\d+)?|{NUMBER_WORD}|an?|single)"
ORDINAL = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|"
    r"eighteenth|twenty-fourth|thirtieth|sixtieth|ninetieth|\d+(?:st|nd|rd|th))"
)


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


def parse_ordinal(text: str) -> float | None:
    """'twelfth' -> 12, '30th' -> 30; None for anything else."""
    t = text.lower()
    if t in _ORDINALS:
        return float(_ORDINALS[t])
    m = re.match(r"(\d+)(?:st|nd|rd|th)$", t)
    return float(m.group(1)) if m else None
