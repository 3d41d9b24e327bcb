"""check_capture: real documents pass; error pages, bot walls, login walls and tiny text do not."""

from __future__ import annotations

import pytest

from monitor.capture.check import check_capture
from monitor.capture.declarations import SourceDocument
from monitor.capture.extract import extract_version
from monitor.errors import CaptureRejected, ExtractError

URL = "https://www.lumenframe.example/legal/terms"

CLAUSES = [
    "You must be at least 18 years old to create an account and use the Service.",
    "Purchased credits expire twelve months after purchase and are not refundable.",
    "To protect the Service from abuse we may ask you to solve a captcha before a generation job.",
    "You must log in to your account to manage subscriptions, and you must keep your password safe.",
    "Access denied errors returned by the API are described in the developer documentation.",
    "If a page is not found, the API answers with the HTTP status 404 and an error object.",
    "Any dispute will be resolved by binding arbitration administered by the AAA.",
    "We may change these Terms with thirty days of notice sent to your account e-mail address.",
]


def terms_html(sections: int) -> bytes:
    """A long, real-looking terms page that mentions captcha, log in, 404 and access denied."""
    body = []
    for n in range(1, sections + 1):
        body.append(f"<h2>{n}. Section {n}</h2>")
        body.extend(f"<p>{clause}</p>" for clause in CLAUSES)
    return (
        "<html><head><title>Terms of Service | Lumenframe</title></head><body>"
        '<header><a href="/login">Log in</a><form><input type="password" name="pw"></form></header>'
        f"<main><h1>Terms of Service</h1>{''.join(body)}</main></body></html>"
    ).encode()


def markdown_of(raw: bytes) -> str:
    return extract_version(raw, "text/html", SourceDocument(fetch=URL), URL).markdown


def rejection(raw: bytes, status: int = 200) -> CaptureRejected:
    with pytest.raises(CaptureRejected) as err:
        check_capture(status, URL, markdown_of(raw), raw_html=raw)
    assert URL in str(err.value) and "\n" not in str(err.value)
    return err.value


@pytest.mark.parametrize("sections", [60, 5, 2])  # ~5,000 words down to ~200 words
def test_real_terms_pass_even_mentioning_captcha_and_log_in(sections: int) -> None:
    raw = terms_html(sections)
    check_capture(200, URL, markdown_of(raw), raw_html=raw)
    check_capture(200, URL, markdown_of(raw))


CLOUDFLARE = b"""<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"><script>window._cf_chl_opt={cvId: '3'};</script></head>
<body><div class="main-wrapper"><h1 class="zone-name-title">www.lumenframe.example</h1>
<h2 id="challenge-running">Checking if the site connection is secure</h2>
<noscript>Enable JavaScript and cookies to continue</noscript>
<p>www.lumenframe.example needs to review the security of your connection before proceeding.</p>
<div class="cf-turnstile"></div><p>Ray ID: 7f1e2d3c4b5a6978</p>
<p>Performance &amp; security by Cloudflare</p></div></body></html>"""

ATTENTION = b"""<html><head><title>Attention Required! | Cloudflare</title></head><body>
<h1>Sorry, you have been blocked</h1><h2>You are unable to access lumenframe.example</h2>
<p>This website is using a security service to protect itself from online attacks.</p></body></html>"""

NOT_FOUND = b"""<html><head><title>Page not found | Lumenframe</title></head><body>
<nav><a href="/">Home</a> <a href="/pricing">Pricing</a> <a href="/docs">Docs</a></nav>
<main><h1>404</h1><p>We looked everywhere but could not find the page you asked for.
It may have moved, or the link you followed may be out of date. Try the search box, or go back
to the home page to find what you were looking for among our products and documents.</p></main>
<footer>Lumenframe Labs, Inc. All rights reserved. Privacy. Terms. Contact us.</footer></body></html>"""

LOGIN = b"""<html><head><title>Lumenframe</title></head><body>
<main><h1>Welcome back</h1><p>Sign in to continue to your Lumenframe workspace.</p>
<form action="/session" method="post"><label>Email <input type="email" name="email"></label>
<label>Password <input type="password" name="password"></label><button>Log in</button></form>
<p><a href="/reset">Forgot your password?</a> New here? <a href="/signup">Create an account</a>.
By continuing you agree to our Terms of Service and Privacy Policy, and you consent to receive
service e-mails about your account, your subscriptions and your generation jobs.</p></main></body></html>"""

SERVER_ERROR = b"""<html><head><title>500 Internal Server Error</title></head><body>
<center><h1>500 Internal Server Error</h1></center><hr><center>nginx</center></body></html>"""


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (CLOUDFLARE, "bot_wall"),
        (ATTENTION, "bot_wall"),
        (NOT_FOUND, "error_page"),
        (SERVER_ERROR, "error_page"),
        (LOGIN, "login_wall"),
        (b"<html><body><div id='root'></div></body></html>", "empty"),
        (b"<html><body><p>Terms of Service. Coming soon.</p></body></html>", "too_short"),
    ],
    ids=["cloudflare", "attention", "404", "500", "login", "empty", "tiny"],
)
def test_untrustworthy_captures_are_rejected(raw: bytes, reason: str) -> None:
    error = rejection(raw)
    assert error.reason == reason
    assert isinstance(error, ExtractError)  # the pipeline handles both the same way


def test_status_is_checked_first() -> None:
    error = rejection(terms_html(5), status=503)
    assert error.reason == "http_status"
    assert "503" in str(error)


def test_challenge_without_raw_html_is_still_caught_by_its_text() -> None:
    with pytest.raises(CaptureRejected) as err:
        check_capture(200, URL, markdown_of(CLOUDFLARE))
    assert err.value.reason == "bot_wall"


def test_header_login_form_does_not_reject_a_short_real_policy() -> None:
    policy = " ".join(CLAUSES[:2] + CLAUSES[6:]) * 2  # ~130 words, no captcha/404 wording
    raw = (
        "<html><head><title>Refund policy</title></head><body><header><a href='/login'>Log in</a>"
        f"<input type='password'></header><main><h1>Refund policy</h1><p>{policy}</p></main></body></html>"
    ).encode()
    check_capture(200, URL, markdown_of(raw), raw_html=raw)


def test_pdf_bytes_as_raw_html_are_ignored() -> None:
    text = " ".join(CLAUSES) + "\n"
    check_capture(200, URL, text, raw_html=b"%PDF-1.7 <input type=password> Just a moment...")


def test_error_status_rejected_with_its_reason() -> None:
    with pytest.raises(CaptureRejected) as err:
        check_capture(404, URL, markdown_of(NOT_FOUND), raw_html=NOT_FOUND)
    assert err.value.reason == "http_status"


def test_login_page_known_by_its_title_without_raw_html() -> None:
    markdown = (
        "# Sign in\n\nEmail\n\nPassword\n\n[Forgot your password?](https://a.example/reset)\n"
    )
    with pytest.raises(CaptureRejected) as err:
        check_capture(200, URL, markdown)
    assert err.value.reason == "login_wall"


def test_short_account_policy_headed_log_in_passes() -> None:
    clauses = " ".join(CLAUSES[:2] + CLAUSES[6:]) * 3
    markdown = f"# Log in and account security\n\nKeep your password private. {clauses}\n"
    check_capture(200, URL, markdown)
