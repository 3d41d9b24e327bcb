"""Place names in governing-law and venue clauses: what one looks like, how it is trimmed, and
its jurisdiction code (ISO 3166-style country or subdivision codes, "US-CA" for US states).
"""

from __future__ import annotations

import re

__all__ = ["COUNTRIES", "PLACE", "US_STATES", "place_code", "trim_place"]

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


def trim_place(place: str) -> str:
    """A matched place without surrounding punctuation or a dangling "and", "of", "the"."""
    place = place.strip(" ,.")
    place = re.sub(r"(?:,?\s+(?:and|of|the))+$", "", place)
    return place.strip(" ,.")


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
