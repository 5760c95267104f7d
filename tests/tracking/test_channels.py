from __future__ import annotations

import pytest

from tracking.channels import classify


@pytest.mark.parametrize(
    ("source", "medium", "referrer", "paid_click", "channel"),
    [
        ("", "", "", False, "direct"),
        ("", "", "www.google.co.uk", False, "organic_search"),
        ("", "", "duckduckgo.com", False, "organic_search"),
        ("", "", "search.brave.com", False, "organic_search"),
        ("", "", "www.google.co.uk", True, "paid_search"),  # a gclid on the landing URL
        ("google", "cpc", "", False, "paid_search"),
        ("bing", "ppc", "www.bing.com", False, "paid_search"),
        ("linkedin", "cpc", "", False, "social"),
        ("facebook", "paid_social", "", False, "social"),
        ("", "", "l.facebook.com", False, "social"),
        ("", "", "t.co", False, "social"),
        ("", "", "www.linkedin.com", False, "social"),
        ("newsletter", "email", "", False, "email"),
        ("", "", "mail.google.com", False, "email"),
        ("partner-blog", "referral", "", False, "referral"),
        ("", "", "blog.partner.example", False, "referral"),
        ("", "organic", "", False, "organic_search"),
        ("Google", "Organic", "", False, "organic_search"),
        ("", "", "notgoogle.com", False, "referral"),
    ],
)
def test_classify(source, medium, referrer, paid_click, channel):
    assert classify(source=source, medium=medium, referrer_host=referrer, paid_click=paid_click) == channel
