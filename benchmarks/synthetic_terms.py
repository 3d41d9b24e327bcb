"""A synthetic terms-of-service document written for this project (no real provider's text)."""

from __future__ import annotations

SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Acceptance",
        [
            "By accessing or using the Service you agree to be bound by these Terms and our Privacy Policy, "
            "which is incorporated into these Terms by reference.",
            "If you do not agree to these Terms, do not use the Service.",
        ],
    ),
    (
        "Eligibility",
        [
            "You must be at least 18 years old, or the age of majority where you live, to use the Service.",
        ],
    ),
    (
        "Plans, Credits and Billing",
        [
            "Subscriptions renew automatically at the end of each billing period unless you cancel before "
            "the renewal date in your account settings.",
            "Prepaid credits expire twelve (12) months after the date of purchase and unused credits do not "
            "roll over to the next period.",
            "All fees are non-refundable except where required by law.",
            "We may change our prices at any time by giving you thirty (30) days' notice by email.",
            "Generations that fail because of an error on our side are not charged.",
            "Each workspace may run up to 4 concurrent jobs and send up to 600 requests per minute to the API.",
        ],
    ),
    (
        "Your Content and Outputs",
        [
            "As between you and us, you own all outputs you generate with the Service, and you may use them "
            "for commercial purposes.",
            "You grant us a worldwide, non-exclusive, royalty-free licence to host, store and display your "
            "content solely to operate the Service.",
            "We may use your prompts and outputs to train and improve our models unless you opt out in your "
            "settings.",
            "Images you create are publicly visible in the community gallery by default unless you use "
            "private mode.",
            "You may not use outputs to develop models that compete with the Service.",
        ],
    ),
    (
        "Acceptable Use",
        [
            "You may not use the Service to generate unlawful, harassing or sexually explicit content "
            "involving minors, or to distribute malware or spam.",
            "We may remove any content that violates these Terms at our sole discretion.",
        ],
    ),
    (
        "Suspension and Termination",
        [
            "We may suspend or terminate your account at any time, for any reason, without notice.",
        ],
    ),
    (
        "Changes to These Terms",
        [
            "We may modify these Terms from time to time; continued use of the Service after the changes "
            "take effect constitutes acceptance of the revised Terms.",
        ],
    ),
    (
        "Disclaimers and Liability",
        [
            'THE SERVICE IS PROVIDED "AS IS" AND "AS AVAILABLE" WITHOUT WARRANTIES OF ANY KIND.',
            "IN NO EVENT WILL OUR AGGREGATE LIABILITY EXCEED THE GREATER OF ONE HUNDRED US DOLLARS ($100) OR "
            "THE AMOUNTS YOU PAID US IN THE TWELVE (12) MONTHS BEFORE THE CLAIM.",
            "You will indemnify and hold us harmless from any claims arising out of your use of the Service.",
        ],
    ),
    (
        "Dispute Resolution",
        [
            "Any dispute will be resolved by binding individual arbitration administered by JAMS, and you "
            "waive any right to a jury trial or to participate in a class action.",
            "You may opt out of this arbitration agreement within 30 days of first accepting these Terms.",
            "These Terms are governed by the laws of the State of California, and the courts of San "
            "Francisco County have exclusive jurisdiction.",
        ],
    ),
    (
        "Privacy",
        [
            "We retain your conversations for 30 days and then delete them, unless the law requires us to "
            "keep them longer.",
            "We do not sell your personal information to third parties.",
            "You may not export the Service to any country subject to U.S. embargoes or sanctions.",
        ],
    ),
]

FILLER = (
    "This section explains how the Service works in practice and what each party is expected to do. "
    "Please read it carefully together with the documentation available in your dashboard."
)


def synthetic_terms(target_bytes: int = 50_000, distinct: bool = False) -> str:
    """Sections repeated up to ``target_bytes``; ``distinct`` makes every clause text unique (so a
    per-clause-text cache cannot help, like a real document of that size)."""
    parts = ["# Terms of Service\n\nLast updated: 1 March 2026\n"]
    n = 0
    while len("\n".join(parts).encode()) < target_bytes:
        for title, clauses in SECTIONS:
            n += 1
            parts.append(f"## {n}. {title}\n")
            filler = FILLER + (f" This is part {n} of the terms." if distinct else "")
            parts.append(filler + "\n")
            for i, c in enumerate(clauses, 1):
                tail = f" This applies to plan {n}.{i}." if distinct else ""
                parts.append(f"{n}.{i}. {c}{tail}\n")
    return "\n".join(parts)
