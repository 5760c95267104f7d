"""A tracked session's channel, from its landing URL's UTM values and its referrer.

The search engines and social networks below are a small curated list made for
Pulse KPI after the categories of Snowplow's referer-parser data (`search`,
`social`, `email`) and GA4's default channel rules. Its PyPI package
(referer-parser 0.4.1) has not been released since 2016, so it is not used;
add a host here when a client's traffic shows one missing.
"""

from __future__ import annotations

from tracking.models import TrafficChannel

# Registered names whose country domains vary (google.de, yahoo.co.jp): matched as any label of the host.
SEARCH_LABELS = frozenset({"google", "bing", "yahoo", "yandex", "baidu", "duckduckgo", "ecosia", "qwant", "naver"})
SEARCH_HOSTS = frozenset(
    {
        "search.brave.com",
        "startpage.com",
        "seznam.cz",
        "ask.com",
        "sogou.com",
        "so.com",
        "search.aol.com",
        "kagi.com",
        "perplexity.ai",
        "you.com",
        "mojeek.com",
        "dogpile.com",
        "lycos.com",
    }
)
SOCIAL_HOSTS = frozenset(
    {
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "linkedin.com",
        "lnkd.in",
        "t.co",
        "twitter.com",
        "x.com",
        "reddit.com",
        "youtube.com",
        "youtu.be",
        "tiktok.com",
        "pinterest.com",
        "threads.net",
        "bsky.app",
        "mastodon.social",
        "news.ycombinator.com",
        "xing.com",
        "vk.com",
        "quora.com",
        "tumblr.com",
        "snapchat.com",
        "discord.com",
        "whatsapp.com",
        "t.me",
        "telegram.org",
        "medium.com",
        "weibo.com",
        "line.me",
    }
)
SOCIAL_SOURCES = frozenset(
    {
        "facebook",
        "fb",
        "instagram",
        "ig",
        "linkedin",
        "twitter",
        "x",
        "reddit",
        "youtube",
        "tiktok",
        "pinterest",
        "threads",
        "bluesky",
        "mastodon",
        "xing",
        "quora",
        "snapchat",
        "discord",
        "whatsapp",
        "telegram",
        "meta",
    }
)
EMAIL_HOSTS = frozenset(
    {"mail.google.com", "outlook.live.com", "outlook.office.com", "mail.yahoo.com", "mail.proton.me"}
)
SEARCH_SOURCES = SEARCH_LABELS | {"brave", "startpage", "seznam", "ask", "sogou", "kagi", "perplexity"}
PAID_MEDIUMS = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "sem"})
SOCIAL_MEDIUMS = frozenset(
    {"social", "social-network", "social-media", "social_media", "sm", "paid_social", "paid-social", "paidsocial"}
)
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "e_mail", "newsletter", "mail"})
# Ad platforms' click ids: a landing URL with one came from a paid search ad.
PAID_CLICK_PARAMETERS = ("gclid", "gbraid", "wbraid", "msclkid")


def _in(host: str, hosts: frozenset[str]) -> bool:
    return any(host == known or host.endswith("." + known) for known in hosts)


def is_search_host(host: str) -> bool:
    labels = host.split(".")
    return any(label in SEARCH_LABELS for label in labels[:-1]) or _in(host, SEARCH_HOSTS)


def is_social_host(host: str) -> bool:
    return _in(host, SOCIAL_HOSTS) or any(label == "pinterest" for label in host.split(".")[:-1])


def classify(*, source: str, medium: str, referrer_host: str, paid_click: bool = False) -> TrafficChannel:
    """The channel of a session (GA4-like rules, first match wins)."""
    source, medium, host = source.lower(), medium.lower(), referrer_host.lower()
    social = source in SOCIAL_SOURCES or (bool(host) and is_social_host(host))
    if medium in EMAIL_MEDIUMS or source in ("email", "newsletter") or _in(host, EMAIL_HOSTS):
        return TrafficChannel.EMAIL
    if medium in SOCIAL_MEDIUMS:
        return TrafficChannel.SOCIAL
    if paid_click or medium in PAID_MEDIUMS:
        return TrafficChannel.SOCIAL if social and not paid_click else TrafficChannel.PAID_SEARCH
    if social:
        return TrafficChannel.SOCIAL
    if medium == "organic" or source in SEARCH_SOURCES or (bool(host) and is_search_host(host)):
        return TrafficChannel.ORGANIC_SEARCH
    if host or medium == "referral" or source:
        return TrafficChannel.REFERRAL
    return TrafficChannel.DIRECT
