"""Editorial-change classification: every editorial kind, and the substantive negatives."""

from __future__ import annotations

import pytest

from monitor.changes.editorial import editorial_kind, is_editorial_pair, normalise, pair_kind

BASE = "You may cancel your subscription at any time from the account settings page."


def test_normalise_basics() -> None:
    text = "## Fees\u00a0and **Credits**\u200b: see [our “pricing” page](https://x.test/p) — now."
    assert normalise(text) == "fees and credits see our pricing page now"


def test_normalise_keeps_numbers_apart() -> None:
    assert normalise("1.5 GB") != normalise("15 GB")
    assert normalise("USD 1,000") == "usd 1.000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # markup at the very start of the text, at line starts, and a lone rule with no line break
        ("---", ""),
        ("a\n---\nb", "a b"),
        ("==\nx", "x"),
        ("# Title #\n## Sub\n#", "title sub"),
        ("> quoted\n>> deeper", "quoted deeper"),
        ("- a\n  * b\n3) c\n12. d", "a b c d"),
        ("**bold** _it_ ~~del~~ `code`", "bold it del code"),
        ('[text](https://x.ai/a "t") ![alt](i.png) [ref][1]\n[1]: https://x.ai', "text alt ref"),
        # non-ASCII text: every punctuation character (and control character) becomes a space
        (
            "Caf\u00e9\u00a0\u200bcr\u00e8me \u2014 \u201cquoted\u201d \u2026 \u00a9 \u2022 x\x02y",
            "café crème quoted x y",
        ),
        ("plain ascii x\x02y", "plain ascii x\x02y"),  # ASCII text keeps control characters
        (
            "L.L.C. & e-mail don't 1.5 10,000 12:30 1/2 a-",
            "llc and email dont 1.5 10.000 12.30 1.2 a",
        ),
    ],
)
def test_normalise_edge_cases(text: str, expected: str) -> None:
    """Pinned on the regex-per-pass implementation that the faster passes replaced."""
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (BASE, BASE, "identical"),
        (BASE, BASE.replace(" any ", "  any\n"), "whitespace"),
        (BASE, BASE.replace("cancel", "can\u00adcel").replace("time", "ti\u200bme"), "invisible"),
        (BASE, BASE.replace("subscription", "subscription\ufeff"), "invisible"),
        (BASE, BASE.replace("any time", "any\u00a0time"), "whitespace"),
        (BASE, BASE.upper(), "case"),
        (BASE, BASE.replace(".", "!").replace("You", "You,"), "punctuation"),
        ("It's the users' “right”.", 'It’s the users’ "right".', "punctuation"),
        (
            "See the [settings page](https://a.test/settings).",
            "See the [settings page](https://a.test/account/settings?tab=1).",
            "link",
        ),
        ("See the settings page.", "See the [settings page](https://a.test/s).", "link"),
        ("## 4. Payments", "### 4. Payments", "heading_format"),
        ("**Payments**", "## Payments", "heading_format"),
        ("Refunds are *not* available.", "Refunds are **not** available.", "heading_format"),
        (
            "First paragraph here.\n\nSecond paragraph there.",
            "Second paragraph there.\n\nFirst paragraph here.",
            "reorder",
        ),
        (
            "Last updated: March 3, 2024\n\n" + BASE,
            "Last updated: 14 August 2025\n\n" + BASE,
            "date_stamp",
        ),
        (
            "Effective date: 2024-01-01. " + BASE,
            "Effective date: 2025-06-30. " + BASE,
            "date_stamp",
        ),
        (
            "These terms were last revised on 01/02/2023.",
            "These terms were last revised on 5/9/2025.",
            "date_stamp",
        ),
        (BASE, BASE.replace("subscription", "subscripton"), "typo"),
        (BASE, BASE.replace("settings", "setings"), "typo"),
        (BASE, BASE.replace("cancel", "cancle"), "typo"),
    ],
)
def test_editorial_kinds(old: str, new: str, kind: str) -> None:
    assert editorial_kind(old, new) == kind


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("You will receive 30 days notice.", "You will receive 7 days notice."),
        ("You will receive thirty days notice.", "You will receive seven days notice."),
        ("We will sell your data.", "We will not sell your data."),
        ("We will never train on your content.", "We will train on your content."),
        ("Credits are refundable.", "Credits are nonrefundable."),
        ("Lawful use only.", "Unlawful use only."),
        ("The minimum fee applies.", "The maximum fee applies."),
        ("Prices include taxes.", "Prices exclude taxes."),
        ("Fees increased by 10%.", "Fees decreased by 10%."),
        ("Up to 5 concurrent jobs.", "Up to 2 concurrent jobs."),
        ("A fee of 1.5 USD.", "A fee of 15 USD."),
        (
            "Last updated: March 3, 2024. Notice is 30 days.",
            "Last updated: May 1, 2025. Notice is 7 days.",
        ),
        (BASE, BASE + " Cancellation fees apply."),
        (BASE, BASE.replace("cancel your subscription", "pause your account")),
    ],
)
def test_substantive_changes(old: str, new: str) -> None:
    assert editorial_kind(old, new) is None


def test_number_change_never_typo_even_in_long_token() -> None:
    assert editorial_kind("Order 123456 placed.", "Order 123457 placed.") is None


def test_whole_document_pair() -> None:
    old = "\n\n".join(
        ["# Terms", "Last updated: March 3, 2024", BASE, "See [help](https://h.test/a)."]
        + [f"Paragraph number {i} says something plain and ordinary." for i in range(200)]
    )
    new = old.replace("March 3, 2024", "April 9, 2025").replace("h.test/a", "h.test/b")
    new = new.replace("something plain", "something  plain")
    assert is_editorial_pair(old, new)
    kind = pair_kind(old, new)
    assert kind is not None and "date_stamp" in kind and "link" in kind
    assert not is_editorial_pair(old, new.replace("number 7 says", "number 7 never says"))
    assert pair_kind(old, old) == "identical"


def test_typo_at_word_start_dropped_or_swapped_letter() -> None:
    from monitor.changes.editorial import editorial_kind as kind

    assert kind("Terms for our ervices and apps.", "Terms for our services and apps.") == "typo"
    assert kind("Read the sepcific terms.", "Read the specific terms.") == "typo"
    # stem swaps and negating prefixes stay substantive
    assert kind("We import your data.", "We export your data.") is None
    assert kind("This is appropriate use.", "This is inappropriate use.") is None


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        # the same date written another way, in a stamp or in running text
        ("Updated: December 1, 2025", "Updated: 1 December 2025", "date_stamp"),
        (
            "The offer ends on March 25, 2026 for all plans.",
            "The offer ends on 25 March 2026 for all plans.",
            "date_format",
        ),
        ("**生效日期：2025年3月5日**", "**生效日期：2025年3月05日**", "date_stamp"),
        (
            "更新日期：2024年10月14日\n\n本政策适用于全部服务。",
            "更新日期：2024年10月18日\n\n本政策适用于全部服务。",
            "date_stamp",
        ),
        # copyright notices roll over every January
        (
            "© 2025 Example Labs, Inc. All rights reserved.",
            "© 2026 Example Labs, Inc. All rights reserved.",
            "date_stamp",
        ),
        ("© Example Labs Ltd, 2025", "© Example Labs Ltd, 2026", "date_stamp"),
        (
            "Example Labs, 2025. All Rights Reserved.",
            "Example Labs, 2026. All Rights Reserved.",
            "date_stamp",
        ),
        # abbreviations, ampersands and split words
        (
            "Provided by Example, LLC, for customers.",
            "Provided by Example, L.L.C., for customers.",
            "punctuation",
        ),
        ("Terms and Conditions", "Terms & Conditions", "punctuation"),
        ("Try Chat Bot Pro today.", "Try ChatBot Pro today.", "whitespace"),
        # link schemes and the www. prefix name the same site
        (
            "Hosted at https://www.example.test/ by us.",
            "Hosted at https://example.test/ by us.",
            "link",
        ),
        (
            "Write to (mailto:[dpo@example.test](mailto:dpo@example.test))",
            "Write to [dpo@example.test](mailto:dpo@example.test)",
            "punctuation",
        ),
        (
            r'| \[a href="https://cdn.example.test/privacy"\]Example CDN\[/a\] | session |',
            "| [Example CDN](https://cdn.example.test/privacy) | session |",
            "link",
        ),
        # page chrome inside the captured text
        ("⌘K", "Ctrl+K", "interface_text"),
        (
            "[Legal](https://e.test/legal)[Blog](https://e.test/blog)",
            "[Legal](https://e.test/legal)Cookie Settings[Blog](https://e.test/blog)",
            "interface_text",
        ),
        (
            "[Help](https://e.test/h)Cookie Settings",
            "[Help](https://e.test/h)Your Privacy Choices",
            "interface_text",
        ),
        ("View page as Markdown", "Copy as Markdown", "interface_text"),
        (
            "* [Sign the DPA(opens in a new window)](https://e.test/dpa)",
            "* [Sign the DPA](https://e.test/dpa)",
            "interface_text",
        ),
        # list lettering dropped from an item
        (
            "* c. Facilitating covert surveillance",
            "* Facilitating covert surveillance",
            "heading_format",
        ),
        # an inline enumeration re-captured one item per line
        ("(a) your access; (b) the Content", "(a) your access  \n(b) the Content", "punctuation"),
        # a stray article
        ("heard in the federal the district court", "heard in the federal district court", "typo"),
        ("unless a another licence applies", "unless another licence applies", "typo"),
    ],
)
def test_more_editorial_kinds(old: str, new: str, kind: str) -> None:
    assert editorial_kind(old, new) == kind


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("The offer ends on March 25, 2026.", "The offer ends on 26 March 2026."),
        ("2024年10月14日起，我们将收取费用。", "2024年10月18日起，我们将收取费用。"),
        ("Prices as of 2025 apply.", "Prices as of 2026 apply."),
        (
            "Provided by Example, L.L.C., for customers.",
            "Provided by Example OpCo, LLC, for customers.",
        ),
        ("Call 650-870-7981.", "Call 650-870-8665."),
        ("Visit www.example.ai today.", "Visit example.com today."),
        ("Storage of 10 0 GB.", "Storage of 100 GB."),
        ("You may change your cookie settings.", "You may not change your cookie settings."),
        ("Data location: United States.", "Data location: EEA."),
        ("Alice pays Bob.", "Bob pays Alice."),
        ("the fee applies", "a fee applies"),
        ("we will now allow resale", "we will not allow resale"),
    ],
)
def test_more_substantive_changes(old: str, new: str) -> None:
    assert editorial_kind(old, new) is None


def test_item_lettering_moved_or_dropped() -> None:
    # "(c)" losing its parenthesis to the line above, and lettering dropped from an item
    old = (
        "Send notices to the address below.\n(c) **Export Controls.** You will comply with the law."
    )
    new = (
        "Send notices to the address below.(\nc) **Export Controls.** You will comply with the law."
    )
    assert editorial_kind(old, new) == "punctuation"
    assert (
        editorial_kind(
            "* c. Facilitating covert surveillance", "* Facilitating covert surveillance"
        )
        == "heading_format"
    )
    assert editorial_kind("c. You may cancel", "d. You may not cancel") is None
