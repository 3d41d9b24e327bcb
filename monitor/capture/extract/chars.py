"""Characters a reader cannot see or that only typeset other letters, and the plain-text path.

CHAR_MAP is shared by every path (plain text, the Markdown renderer, PDF) so that the same page
gives the same version whatever format it was served in.
"""

from __future__ import annotations

ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u00ad\u2060"
# nbsp and the other fixed-width spaces become ordinary spaces; zero-width marks and soft hyphens
# vanish: none of them is a change a reader can see, so none may show up in a diff.
CHAR_MAP = {ord(c): None for c in ZERO_WIDTH} | {
    ord(c): " " for c in "\u00a0\u2007\u202f\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009"
}
CHAR_MAP[0] = None
# Typographic ligatures (common in PDFs) are the letters they join: NFKC of these characters only,
# so "ﬁ" and "fi" are the same word whether a page was typeset or typed.
CHAR_MAP.update({0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl"})
CHAR_MAP.update({0xFB05: "st", 0xFB06: "st"})


def _plain_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(CHAR_MAP)
    text = text.strip("\n")
    return text + "\n" if text else ""
