"""Place names in governing-law and venue clauses: what one looks like, how it is trimmed, and
its jurisdiction code (ISO 3166-style country or subdivision codes, "US-CA" for US states).
"""

from __future__ import annotations

import re

__all__ = ["COUNTRIES", "PLACE", "US_STATES", "place_code", "split_places", "trim_place"]

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
COUNTRIES = {
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
# a capitalised name of up to six words, which may be joined by "and" or "of (the)"
PLACE = r"[A-Z][A-Za-z'.]*(?:(?:\s+|,\s*)(?:and\s+|of\s+(?:the\s+)?)?[A-Z][A-Za-z'.]*){0,5}"


# words that end a place written in capitals ("SAN FRANCISCO COUNTY, CALIFORNIA AND YOU AGREE")
_CAPS_STOP = frozenset(
    [
        "AND",
        "OR",
        "YOU",
        "YOUR",
        "WE",
        "OUR",
        "US",
        "THE",
        "ANY",
        "FOR",
        "TO",
        "IN",
        "WITH",
        "EACH",
        "ALL",
        "SUCH",
        "THAT",
        "THIS",
        "THESE",
        "WHICH",
        "SHALL",
        "WILL",
        "AGREE",
        "HAVE",
        "HAS",
        "IS",
        "ARE",
        "BE",
        "AS",
        "BY",
        "ON",
        "AT",
        "IF",
        "UNLESS",
        "EXCEPT",
        "SUBJECT",
        "WAIVE",
        "CONSENT",
        "SUBMIT",
        "NOTHING",
        "WITHOUT",
        "REGARD",
        "PROVIDED",
        "HOWEVER",
        "WHERE",
    ]
)
_SENTENCE_DOT = re.compile(r"\.\s+")


def _cut_sentence(place: str) -> str:
    """The place up to the end of its sentence: "France. The Parties" -> "France" (but "St. Louis"
    and "U.S. Virgin Islands" keep their abbreviations)."""
    for m in _SENTENCE_DOT.finditer(place):
        word = place[: m.start()].rsplit(None, 1)[-1] if place[: m.start()].strip() else ""
        if len(word.rstrip(".")) <= 2 or "." in word:
            continue
        return place[: m.start()]
    return place


def _from_capitals(place: str) -> str:
    """A place written in capitals, cut at the first ordinary word and written in title case."""
    words = place.split()
    kept: list[str] = []
    for i, word in enumerate(words):
        bare = word.strip(",.")
        if bare in _CAPS_STOP and not (bare == "AND" and words[i + 1 : i + 2] == ["WALES"]):
            break
        kept.append(word)
    titled = [w if w.strip(",.") in ("AND", "OF") else w.title() for w in kept]
    return " ".join(titled).replace(" AND ", " and ").replace(" OF ", " of ")


def trim_place(place: str) -> str:
    """A matched place without surrounding punctuation, the next sentence, or a dangling "and",
    "of", "the"; a place in capitals is cut at the first ordinary word and title-cased."""
    place = _cut_sentence(place.strip(" ,."))
    letters = [ch for ch in place if ch.isalpha()]
    if len(letters) > 3 and all(ch.isupper() for ch in letters):
        place = _from_capitals(place)
    place = place.strip(" ,.")
    place = re.sub(r"(?:,?\s+(?:and|of|the))+$", "", place)
    return place.strip(" ,.")


def split_places(raw: str) -> list[str]:
    """Every place of "X County or Y County" ("and/or" too), each trimmed; "England and Wales"
    stays one place."""
    raw = _cut_sentence(raw.strip(" ,."))
    parts = re.split(r",?\s+(?:or|OR|Or|and/or|AND/OR)\s+(?:(?:the|THE|The)\s+)?", raw)
    out: list[str] = []
    for part in parts:
        place = trim_place(part)
        if place and place not in out:
            out.append(place)
    return out


def place_code(raw: str) -> str | None:
    """Code of a place: "California" -> "US-CA", "England and Wales" -> "GB-EAW", an unknown
    capitalised place as written, None for "your country", "any state", ..."""
    place = trim_place(raw)
    low = place.lower()
    for sep in (",", " without", " excluding", " and the", " and any", " applicable"):
        if sep in low and not low.startswith("england and"):
            low = low.split(sep)[0]
    low = low.strip()
    if low.startswith("the "):
        low = low[4:]
    if low in US_STATES:
        return "US-" + US_STATES[low]
    if low in COUNTRIES:
        return COUNTRIES[low]
    for name, code in COUNTRIES.items():
        if low.startswith(name + " "):
            return code
    for name, code in US_STATES.items():
        if low.startswith(name + " ") or low == "state of " + name:
            return "US-" + code
    if low in ("your country", "your state") or low.split()[0] in ("any", "your", "such", "that"):
        return None
    return place if place[:1].isupper() and len(place) <= 40 else None
