"""Synthetic terms pages written for the tests (realistic structure, long enough to be trusted)."""

from __future__ import annotations

CLAUSES = [
    (
        "Acceptance of These Terms",
        "By creating an account or using the Service you agree to "
        "these Terms. If you do not agree, do not use the Service. These Terms form a binding "
        "agreement between you and {company}.",
    ),
    (
        "Eligibility",
        "You must be at least 18 years old to use the Service. If you use the Service "
        "on behalf of an organisation, you confirm that you may bind that organisation.",
    ),
    (
        "Plans and Credits",
        "Paid plans renew automatically each month until you cancel. Purchased "
        "credits are valid for {credit_days} days from the date of purchase and expire afterwards. "
        "Unused monthly credits do not roll over to the next billing period.",
    ),
    (
        "Usage Limits",
        "Standard accounts may run up to {concurrency} concurrent generation jobs. "
        "API requests are limited to 60 requests per minute for each account.",
    ),
    (
        "Your Content",
        "You keep ownership of the content you upload and of the outputs you create. "
        "You grant {company} a licence to host and process your content to provide the Service.",
    ),
    (
        "Changes to These Terms",
        "We may update these Terms from time to time. We will give you at "
        "least {notice_days} days' notice by email before a material change takes effect.",
    ),
    (
        "Termination",
        "We may suspend or terminate your access if you breach these Terms or if we "
        "are required to do so by law. You may close your account at any time.",
    ),
    (
        "Limitation of Liability",
        "To the maximum extent permitted by law, our total liability is "
        "limited to the fees you paid us in the 12 months before the claim.",
    ),
    (
        "Governing Law",
        "These Terms are governed by the laws of the State of Delaware, and the "
        "courts of Wilmington, Delaware have exclusive jurisdiction over any dispute.",
    ),
    (
        "Contact",
        "Questions about these Terms can be sent to legal@{domain}. We aim to answer "
        "every request within a reasonable time and in the language of your request.",
    ),
]


def terms_markup(
    company: str = "Acme Studio",
    *,
    credit_days: int = 90,
    concurrency: int = 5,
    notice_days: int = 30,
    extra: str = "",
) -> str:
    """The inner HTML of a terms document (article element) with numbered sections."""
    domain = company.lower().replace(" ", "") + ".example"
    values = {
        "company": company,
        "domain": domain,
        "credit_days": credit_days,
        "concurrency": concurrency,
        "notice_days": notice_days,
    }
    parts = [f"<h1>{company} Terms of Service</h1>", "<p>Last updated: March 3, 2026</p>"]
    for number, (title, body) in enumerate(CLAUSES, start=1):
        parts.append(f"<h2>{number}. {title}</h2>")
        parts.append(f"<p>{body.format(**values)}</p>")
        parts.append(
            "<p>This section applies to every plan and to every user of the Service, whether "
            "the Service is accessed through the website, the mobile applications or the API, "
            "and it should be read together with the other sections of these Terms.</p>"
        )
    if extra:
        parts.append(extra)
    return '<article class="legal">' + "\n".join(parts) + "</article>"


def terms_page(company: str = "Acme Studio", **kwargs: object) -> str:
    body = terms_markup(company, **kwargs)  # type: ignore[arg-type]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{company} Terms</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/pricing">Pricing</a></nav>'
        f"{body}<footer>Copyright {company}</footer></body></html>"
    )
