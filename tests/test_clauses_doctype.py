"""Document-type check: wrong captures are flagged, real-looking documents pass."""

from __future__ import annotations

from monitor.clauses import check_document_type

TERMS = "\n\n".join(
    [
        "# Terms of Service",
        "These Terms of Service form a binding agreement between you and Example Labs. By using the "
        "Services you agree to these Terms. If you do not agree, do not use the Services.",
        "We may modify these Terms at any time. We will give you notice of material changes.",
        "THE SERVICES ARE PROVIDED AS IS WITHOUT WARRANTIES OF ANY KIND. IN NO EVENT SHALL EXAMPLE "
        "LABS BE LIABLE FOR INDIRECT DAMAGES; OUR TOTAL LIABILITY SHALL NOT EXCEED USD 100.",
        "You will indemnify us against third-party claims arising from your breach of these Terms.",
        "These Terms are governed by the laws of the State of Delaware. Any dispute shall be resolved "
        "by binding arbitration. Each party waives any right to a jury trial.",
        "We may suspend or terminate your account for breach of the Terms, subject to applicable law.",
        "You grant us a licence to host your content to provide the Services. You retain all rights.",
    ]
)

HOME = """# Example Labs — create stunning videos in seconds

Get started free. Trusted by 10,000 teams. Book a demo or contact sales.

Effortless editing, seamless exports, and AI that unlocks your creativity. Try it for free today.
Watch the video to see how creators supercharge their workflow. Learn more about our features.
Loved by agencies and studios. Start building now. Download the app. See pricing.
Join the waitlist for our newest model. Start for free, no credit card required, learn more.
Creators say it is a game-changer: render faster, share instantly, and grow your audience.
Learn more about templates, brand kits and collaboration. Get started with one click.
"""

LOGIN = """# Sign in to Example Labs

Email address

Password

Forgot your password? Remember me. Sign in. Log in with your email address or continue with Google,
continue with GitHub or continue with Microsoft. Don't have an account? Sign up. Create an account.
Verify you are human. Enter the one-time code we sent to your email address. Sign in again.
By continuing you confirm you are over 13. Need help signing in? Contact support to reset your
password or log in with a different email address. Sign up for free to create an account today.
"""


def test_terms_page_ok() -> None:
    res = check_document_type(TERMS, "Terms of Service")
    assert res.ok, res.reason
    assert res.score > 25


def test_home_page_flagged() -> None:
    res = check_document_type(HOME, "Terms of Service")
    assert not res.ok
    assert "marketing" in res.reason or "few" in res.reason


def test_login_page_flagged() -> None:
    res = check_document_type(LOGIN, "Privacy Policy")
    assert not res.ok
    assert "login" in res.reason


def test_pricing_instead_of_privacy_policy() -> None:
    pricing = (
        "# Pricing\n\n"
        + "\n".join(
            f"| Plan {i} | ${10 * i}/month | {100 * i} credits per month | priority queue |"
            for i in range(1, 15)
        )
        + "\n\nAll plans billed monthly or annually. Upgrade any time. Enterprise: contact sales."
    )
    assert not check_document_type(pricing, "Privacy Policy").ok
    assert check_document_type(pricing, "Pricing").ok


def test_tiny_capture_flagged() -> None:
    res = check_document_type("Access denied", "Terms of Service")
    assert not res.ok and "too short" in res.reason


def test_paragraph_counts_add_up_to_whole_text_counts() -> None:
    """The check counts patterns per paragraph and per line (cached); the sums equal counts over
    the whole text, even where a price's "/ month" suffix or a boundary sits next to a line break."""
    from monitor.clauses import doctype

    tricky = "\n\n".join(
        [
            TERMS,
            "Plans start at $5\n\n/ month, or 10\n\nUSD per year; pro $ 7 /mo and 3 EUR",
            "log\n\nin with your password. Sign in\n\nwith Google. Try it for free\n\n",
            "\n\n\n personal data\n\ngoverning\n\nlaw, third-party cookies; 本服务条款 " * 3,
            # prices can cross one line break; the other patterns are counted line by line
            "Pro costs $\n5, or 9\nUSD, or $5\n/ month, or 7 EUR /\nyr.\nLog in\nwith Google\n",
            "governing\nlaw; personal\ndata; sign\nup free;\nterms\n\n\nprivacy\n",
        ]
    )
    for kind in (*doctype.TYPE_KEYWORDS, "unknown type"):
        patterns = [
            doctype._WORDS,
            doctype._CJK,
            doctype._pattern(kind),
            doctype._LOGIN,
            doctype._MARKETING,
            doctype._PRICE,
            doctype._pattern("terms of service"),
        ]
        for text in (tricky, tricky.replace("\n\n", "\n\n\n"), TERMS):
            assert doctype._counts(text, kind) == [len(p.findall(text)) for p in patterns]
