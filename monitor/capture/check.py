"""Is a capture trustworthy? Reject error pages, redirect pages, "not available" pages, bot walls,
login walls, near-empty text and pages from another site than declared; say when a capture lost
most of the previous version (held as suspicious by the checker until confirmed).

A rejected capture is recorded as a failed capture, never as a new version: otherwise a Cloudflare
challenge would show up as "the terms were deleted" and the real text as "re-added" an hour later.
Every rejection raises CaptureRejected with its reason and the evidence seen (the phrase, the
redirect target): nothing is refused silently.

The heuristics only judge pages that are short, or what a page says it is: its title and first
headings, and the opening words of its text (an error page with a long menu and footer says so at
the top). A real terms document of several thousand words that mentions "captcha", "log in" or
"page not found" in a clause must pass.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from monitor.errors import CaptureRejected, FailureReason

MIN_WORDS = 40
MIN_CHARS = 200
SHORT_PAGE_WORDS = 400  # below this, the body text is read for error / wall phrases
TINY_PAGE_WORDS = 120  # below this, even weak single words ("captcha", "not found") count
TITLE_PAGE_WORDS = 1500  # above this, nothing but the status can reject a capture
LEAD_WORDS = 40  # the opening words of the text, read like a title
MAX_REFRESH_DELAY = 30  # seconds: a meta refresh to another URL sooner than this is a redirect
MAX_TITLE_WORDS = 12  # a title longer than this is a document title, not an error banner

# Phrases that on their own identify a bot challenge / an error page / a login page.
_BOT_STRONG = re.compile(
    r"just a moment\.\.\.|checking (?:your browser|if the site connection is secure)"
    r"|enable javascript and cookies to continue|attention required!? \| cloudflare"
    r"|verify (?:that )?you are (?:a )?human|please verify you are a human"
    r"|are you a robot\?|pardon our interruption|you have been blocked"
    r"|performance (?:&|and) security by cloudflare|ddos protection by"
    r"|request unsuccessful\. incapsula|please complete the security check",
    re.I,
)
_BOT_WEAK = re.compile(r"\bcaptcha\b|\baccess denied\b|\bsecurity check\b|\bbot detection\b", re.I)
_BOT_MARKUP = re.compile(
    rb"_cf_chl_opt|cf-challenge|challenge-form|cf-turnstile|g-recaptcha|h-captcha|px-captcha"
    rb"|_incapsula_resource|captcha-delivery\.com",
    re.I,
)
_ERROR_STRONG = re.compile(
    r"\b404\b.{0,20}\bnot found\b|page not found"
    r"|(?:page|document|file) (?:does not|doesn[’']t|could not be|cannot be|was not) (?:exist|found)"
    r"|internal server error|service (?:temporarily )?unavailable|bad gateway|gateway time-?out"
    r"|the page you(?:['’]re| are)? (?:looking for|requested) (?:does not|doesn[’']t|could not|cannot"
    r"|can[’']t|was)|this page could not be found|the requested url was not found"
    r"|we (?:can[’']t|cannot|couldn[’']t|could not) find (?:that|the|this) page"
    r"|\berror (?:40[034]|410|50[0234]|52[0-4])\b",
    re.I,
)
# "This page isn't available": removed, private, or not shown in the monitor's country.
_UNAVAILABLE = re.compile(
    r"\b(?:this|the|that) (?:page|content|document|link) (?:isn[’']t|is not|is no longer|is currently"
    r" not|is temporarily not) (?:available|accessible)|\bpage (?:is )?(?:no longer|not) available\b"
    r"|\bthe link you followed may (?:be broken|have expired)|\bthis page (?:has been|was) removed\b"
    r"|\bnot available in your (?:country|region|location)\b|\bpage unavailable\b"
    r"|\b(?:this|the) page (?:no longer exists|doesn[’']t exist|does not exist)",
    re.I,
)
_REDIRECT_TEXT = re.compile(
    r"^\W*redirecting\b|\byou(?: are|['’]re| will be) (?:being |now )?redirected\b"
    r"|\bif you are not (?:being )?redirected\b|\bnot redirected automatically\b"
    r"|\bredirect notice\b|\b(?:301 )?moved permanently\b|\b(?:object|document) moved\b"
    r"|\bthis page has moved\b",
    re.I,
)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.I)
_REFRESH = re.compile(
    rb"""http-equiv\s*=\s*["']?\s*refresh|content\s*=\s*["']?\s*(\d+)\s*[;,]\s*url\s*=\s*["']?([^"'>\s]+)""",
    re.I,
)
_NOSCRIPT = re.compile(rb"<noscript\b.*?</noscript\s*>", re.I | re.S)
_ERROR_WEAK = re.compile(r"\b(?:404|500|502|503|504)\b|\bnot found\b|something went wrong", re.I)
_LOGIN_TITLE = re.compile(r"^\s*(?:sign ?in|log ?in|login)\b", re.I)
# What a login page says; "log in to your account" alone is too common in real terms to count.
_LOGIN_ASK = re.compile(
    r"\b(?:sign|log) ?in to (?:continue|proceed)\b|\bplease (?:sign|log) ?in\b"
    r"|\byou (?:must|need to) (?:sign|log) ?in to (?:view|see|access) this page\b",
    re.I,
)
_LOGIN_PHRASE = re.compile(r"\b(?:sign ?in|log ?in|login)\b", re.I)
LOGIN_PAGE_WORDS = 60  # a bare login form: "Email Password Log in Forgot your password?"
_PASSWORD_FIELD = re.compile(rb"<input\b[^>]*\btype\s*=\s*[\"']?password", re.I)
_TITLE = re.compile(rb"<title\b[^>]*>(.*?)</title\s*>", re.I | re.S)
_H1 = re.compile(rb"<h1\b[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]+>")
# ATX ("# Title") and setext ("Title" over "=====" or "-----", the extractor's h1/h2 since it
# writes Open Terms Archive's dialect) headings, in the order they appear
# (a setext title's trailing blanks are left out of its group: `[^\n]*\S[^\n]*` backtracked
# quadratically over each long line, 0.2 s on a 40 KB page)
_MD_HEADING = re.compile(r"^#{1,6}\s+(.+)$|^([^\n]*\S)[^\S\n]*\n(?:=+|-+)[ \t]*$", re.M)
_MD_LINK_TARGET = re.compile(r"\]\([^)\s]*\)")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Page:
    text: str  # visible text: the Markdown without link targets
    words: int
    labels: tuple[str, ...]  # short title / first headings: what the page says it is
    lead: str  # the opening words of the text
    raw: bytes  # the raw HTML (b"" when not given or not HTML)


def check_capture(
    status: int, final_url: str, markdown: str, *, raw_html: bytes | None = None
) -> None:
    """Raise CaptureRejected(reason=...) if the capture is not the document; else return None.

    reason: "http_status", "empty", "bot_wall", "redirect_stub", "unavailable", "error_page",
    "login_wall" or "too_short"; the message says what was seen.
    """
    if not 200 <= status < 300:
        _reject(final_url, FailureReason.HTTP_STATUS, f"HTTP status {status}")
    page = _page(markdown, raw_html)
    if page.words == 0:
        _reject(final_url, FailureReason.EMPTY, "no text")
    for reason, why in (
        (FailureReason.BOT_WALL, _bot_wall(page)),
        (FailureReason.REDIRECT_STUB, _redirect_stub(page)),
        (FailureReason.UNAVAILABLE, _unavailable(page)),
        (FailureReason.ERROR_PAGE, _error_page(page)),
        (FailureReason.LOGIN_WALL, _login_wall(page)),
    ):
        if why:
            _reject(final_url, reason, why)
    if page.words < MIN_WORDS or len(page.text.strip()) < MIN_CHARS:
        _reject(final_url, FailureReason.TOO_SHORT, f"only {page.words} words of text")


def _reject(url: str, reason: FailureReason, why: str) -> None:
    raise CaptureRejected(f"{url}: capture rejected ({reason}): {why}", reason=reason)


def _page(markdown: str, raw_html: bytes | None) -> _Page:
    text = _MD_LINK_TARGET.sub("]", markdown)
    raw = raw_html if raw_html and _looks_like_html(raw_html) else b""
    # the first two headings only: no need to scan the rest of the page
    headings = [
        m.group(1) or m.group(2) for m in itertools.islice(_MD_HEADING.finditer(markdown), 2)
    ]
    labels = [*_html_labels(raw), *headings]
    short = tuple(
        label for label in (" ".join(lb.split()) for lb in labels)
        if label and len(label.split()) <= MAX_TITLE_WORDS
    )  # fmt: skip
    # the opening words from a bounded scan; the count without a match object per word
    opening = list(itertools.islice(_WORD.finditer(text), LEAD_WORDS))
    cut = opening[-1].end() if len(opening) == LEAD_WORDS else len(text)
    lead = " ".join(text[:cut].split())
    return _Page(text=text, words=len(_WORD.findall(text)), labels=short, lead=lead, raw=raw)


def _looks_like_html(raw: bytes) -> bool:
    # The pipeline passes every capture's bytes; a PDF or plain text has no title to read.
    head = raw[:1024].lstrip().lower()
    return head.startswith(b"<") or b"<html" in head


def _html_labels(raw: bytes) -> list[str]:
    labels: list[str] = []
    head = raw[:200_000]
    for pattern in (_TITLE, _H1):
        match = pattern.search(head)
        if match:
            inner = match.group(1).decode("utf-8", "replace")
            labels.append(html.unescape(_TAG.sub(" ", inner)))
    return labels


def _first_match(pattern: re.Pattern[str], texts: tuple[str, ...] | list[str]) -> str | None:
    for text in texts:
        match = pattern.search(text)
        if match:
            return match.group(0)
    return None


def _bot_wall(page: _Page) -> str | None:
    if page.words >= TITLE_PAGE_WORDS:
        return None
    hit = _first_match(_BOT_STRONG, page.labels) or _first_match(_BOT_WEAK, page.labels)
    if hit:
        return f"title says {hit!r}"
    if page.words >= SHORT_PAGE_WORDS:
        return None
    hit = _first_match(_BOT_STRONG, [page.text])
    if hit:
        return f"short page says {hit!r}"
    if page.words >= TINY_PAGE_WORDS:
        return None
    # A contact form's reCAPTCHA on a short but real page is not a wall: only tiny pages count.
    markup = _BOT_MARKUP.search(page.raw)
    if markup:
        return f"very short page carries challenge markup {markup.group(0).decode()!r}"
    hit = _first_match(_BOT_WEAK, [page.text])
    return f"very short page says {hit!r}" if hit else None


def _error_page(page: _Page) -> str | None:
    if page.words >= TITLE_PAGE_WORDS:
        return None
    hit = _first_match(_ERROR_STRONG, page.labels) or _first_match(_ERROR_WEAK, page.labels)
    if hit:
        return f"title says {hit!r}"
    hit = _first_match(_ERROR_STRONG, [page.lead])
    if hit:
        return f"page opens with {hit!r}"
    if page.words >= SHORT_PAGE_WORDS:
        return None
    hit = _first_match(_ERROR_STRONG, [page.text])
    if hit:
        return f"short page says {hit!r}"
    if page.words < TINY_PAGE_WORDS and (hit := _first_match(_ERROR_WEAK, [page.text])):
        return f"very short page says {hit!r}"
    return None


def _redirect_stub(page: _Page) -> str | None:
    if page.words >= TITLE_PAGE_WORDS:
        return None
    hit = _first_match(_REDIRECT_TEXT, page.labels) or _first_match(_REDIRECT_TEXT, [page.lead])
    if hit:
        return f"the page says {hit!r}"
    target = _meta_refresh_target(page.raw)
    if target and page.words < SHORT_PAGE_WORDS:
        return f"short page whose meta refresh sends the browser to {target}"
    return None


def _meta_refresh_target(raw: bytes) -> str | None:
    """The URL of a prompt <meta http-equiv="refresh"> outside <noscript>, if the page has one."""
    if b"refresh" not in raw[:200_000].lower():
        return None
    head = _NOSCRIPT.sub(b"", raw[:200_000])
    for tag in _META_TAG.findall(head):
        found = _REFRESH.findall(tag)
        if not any(not delay and not url for delay, url in found):
            continue  # not http-equiv="refresh"
        for delay, url in found:
            if url and int(delay) <= MAX_REFRESH_DELAY:
                return html.unescape(url.decode("utf-8", "replace"))
    return None


def _unavailable(page: _Page) -> str | None:
    if page.words >= TITLE_PAGE_WORDS:
        return None
    hit = _first_match(_UNAVAILABLE, page.labels) or _first_match(_UNAVAILABLE, [page.lead])
    if hit:
        return f"the page says {hit!r}"
    if page.words < TINY_PAGE_WORDS and (hit := _first_match(_UNAVAILABLE, [page.text])):
        return f"very short page says {hit!r}"
    return None


def _login_wall(page: _Page) -> str | None:
    if page.words >= SHORT_PAGE_WORDS:
        return None
    title_hit = _first_match(_LOGIN_TITLE, page.labels) or _first_match(_LOGIN_ASK, page.labels)
    if _PASSWORD_FIELD.search(page.raw):
        # A header login form on a short real policy must not count: the page has to ask for it.
        ask = title_hit or _first_match(_LOGIN_ASK, [page.text])
        if not ask and page.words < LOGIN_PAGE_WORDS:
            ask = _first_match(_LOGIN_PHRASE, [page.text])
        if ask:
            return f"short page with a password field says {ask!r}"
    # Without the markup, only a tiny page titled "Sign in" that asks for a password counts.
    if title_hit and page.words < TINY_PAGE_WORDS and re.search(r"\bpassword\b", page.text, re.I):
        return f"title says {title_hit!r} and the page asks for a password"
    return None


# ---------------------------------------------------------------- where the capture came from


def same_site(declared_host: str, final_host: str) -> bool:
    """Is `final_host` the declared site? The same host, its www. twin, a subdomain or a parent
    domain of it (example.com -> www.example.com -> help.example.com); never another domain."""
    a, b = declared_host.lower().rstrip("."), final_host.lower().rstrip(".")
    a, b = a.removeprefix("www."), b.removeprefix("www.")
    return a == b or a.endswith("." + b) or b.endswith("." + a)


def check_host(declared_url: str, final_url: str, allowed_hosts: Sequence[str] = ()) -> None:
    """Raise CaptureRejected(reason=other_host) when the capture ended on another site than the
    declared URL's (after redirects or a script's navigation), unless `allowed_hosts` names it."""
    declared = urlsplit(declared_url).hostname or ""
    final = urlsplit(final_url).hostname or ""
    if not declared or not final or same_site(declared, final):
        return
    if any(same_site(allowed, final) for allowed in allowed_hosts):
        return
    _reject(
        final_url,
        FailureReason.OTHER_HOST,
        f"declared on {declared} but ended on {final}; if that host is right, add it to"
        " services.<service id>.allowed_hosts in clausewatch.toml",
    )


# ---------------------------------------------------------------- a capture that lost the document

# A capture keeping less than this share of the previous version's words (or of its legal
# vocabulary) is held as suspicious until a second capture confirms it: a truncated answer, a
# teaser or a different page served with 200 would otherwise be recorded as a large change.
MIN_KEPT_SHARE = 0.5
MIN_JUDGED_WORDS = 100  # a previous version shorter than this is not judged
LEGAL_MIN = 10  # its legal vocabulary is judged when it holds at least this many legal words
_LEGAL_ALTERNATIVES = (
    r"agree(?:ment|s|d)?|terms?|conditions?|liab(?:le|ility)|warrant(?:y|ies)|indemnif\w*"
    r"|terminat\w+|suspend\w*|governing|law|laws|jurisdiction|arbitration|dispute\w*|courts?"
    r"|licen[cs]e\w*|rights?|obligations?|privacy|personal|data|consent|refunds?|fees?"
    r"|payments?|subscriptions?|renew\w*|notice|account|content|damages|breach|comply"
)
LEGAL_WORD = re.compile(rf"\b(?:{_LEGAL_ALTERNATIVES})\b", re.I)
_LEGAL_TOKEN = re.compile(rf"(?:{_LEGAL_ALTERNATIVES})", re.I)


@lru_cache(maxsize=65_536)
def _is_legal(word: str) -> bool:
    return _LEGAL_TOKEN.fullmatch(word) is not None


def word_counts(text: str) -> Counter[str]:
    """The words of `text` (link targets aside, lower case) as `content_loss` counts them."""
    return Counter(_WORD.findall(_MD_LINK_TARGET.sub("]", text).lower()))


def legal_counts(text: str) -> Counter[str]:
    """The legal vocabulary of `text` (lower case, link targets included): each whole word that
    `LEGAL_WORD` matches, counted from the words (one regex pass, not one per alternative)."""
    return Counter({w: n for w, n in Counter(_WORD.findall(text.lower())).items() if _is_legal(w)})


def content_loss(previous: str, current: str) -> str | None:
    """Why `current` looks like a broken capture of the document whose last version is
    `previous` (it lost most of its words or of its legal vocabulary), or None."""
    total = word_total(previous)
    if total < MIN_JUDGED_WORDS:
        return None
    before, after = Counter(previous.splitlines()), Counter(current.splitlines())
    return loss_of(total, lambda: legal_total(previous), before - after, after - before)


def word_total(text: str) -> int:
    """How many words `word_counts` counts in `text`."""
    return len(_WORD.findall(_MD_LINK_TARGET.sub("]", text).lower()))


def legal_total(text: str) -> int:
    """How many legal words `legal_counts` counts in `text`."""
    return sum(1 for word in _WORD.findall(text.lower()) if _is_legal(word))


def loss_of(
    words: int, legal: Callable[[], int], gone: Counter[str], came: Counter[str]
) -> str | None:
    """`content_loss` of a previous version of `words` words and `legal()` legal words, from the
    lines it lost (`gone`) and the lines the new text brought (`came`), multisets of lines.
    Exact: no word or link target spans two lines, so the words of the lines both texts share
    cancel out, and only the lines that differ are counted."""
    gone_text, came_text = "\n".join(gone.elements()), "\n".join(came.elements())
    words_gone, words_came = word_counts(gone_text), word_counts(came_text)
    kept = (words - words_gone.total() + (words_gone & words_came).total()) / words
    if kept < MIN_KEPT_SHARE:
        return f"it keeps {kept:.0%} of the previous version's words (lost {1 - kept:.0%})"
    legal_gone = legal_counts(gone_text)
    if not legal_gone:
        return None  # nothing of its legal vocabulary lost
    legal_before = legal()
    if legal_before >= LEGAL_MIN:
        legal_came = legal_counts(came_text)
        legal_kept = (
            legal_before - legal_gone.total() + (legal_gone & legal_came).total()
        ) / legal_before
        if legal_kept < MIN_KEPT_SHARE:
            return (
                f"it keeps {legal_kept:.0%} of the previous version's legal vocabulary"
                f" (lost {1 - legal_kept:.0%})"
            )
    return None
