"""The words and parameters generated data are made of: channels, campaign themes, company names, pages, products."""

# channel: (weight among extra campaigns, lead weight, mql factor, daily cost range in cents,
#           cpm in cents, ctr, typical duration in days (None: always on))
CHANNELS: dict[str, tuple] = {
    "email": (3, 1.5, 1.0, (2_000, 6_000), None, None, (30, 180)),
    "paid_search": (4, 3.0, 0.9, (15_000, 150_000), 900, 0.035, (30, 150)),
    "paid_social": (3, 2.0, 0.7, (10_000, 80_000), 700, 0.009, (30, 120)),
    "organic_social": (1, 1.0, 0.8, (0, 0), None, None, None),
    "seo": (1, 2.5, 1.0, None, None, None, None),
    "display": (2, 0.5, 0.6, (5_000, 40_000), 250, 0.0015, (30, 90)),
    "events": (2, 1.5, 1.3, (500_000, 4_000_000), None, None, (1, 3)),
    "webinar": (2, 2.0, 1.2, (3_000, 20_000), None, None, (14, 30)),
    "content": (2, 2.0, 1.1, (2_000, 15_000), None, None, None),
    "referral": (1, 1.0, 1.5, None, None, None, None),
    "abm": (2, 1.0, 1.4, (10_000, 60_000), 1_200, 0.006, (90, 240)),
    "other": (1, 0.5, 0.8, (2_000, 20_000), None, None, (30, 90)),
}
# How generated campaign names spell a channel ("Mar 2026 Data Summit — Event"). Deliberately not
# the product's labels (campaigns.models.Channel): other words
# ("Event", "Partner"), and relabelling the product must not change generated (seeded) data.
CHANNEL_LABELS = {
    "email": "Email",
    "paid_search": "Paid Search",
    "paid_social": "Paid Social",
    "organic_social": "Organic Social",
    "seo": "SEO",
    "display": "Display",
    "events": "Event",
    "webinar": "Webinar",
    "content": "Content",
    "referral": "Referral",
    "abm": "ABM",
    "other": "Partner",
}
THEMES = (
    "Pipeline Push",
    "Brand Awareness",
    "Product Launch",
    "Competitor Conquest",
    "Free Trial Drive",
    "Customer Stories",
    "Industry Report",
    "Growth Playbook",
    "Data Summit",
    "Security Week",
    "Integrations Tour",
    "Year in Review",
    "Enterprise Tier",
    "Analytics Masterclass",
    "Retargeting",
    "Nurture Track",
)
SYLLABLES = (
    "nor",
    "vex",
    "ta",
    "lin",
    "qua",
    "dro",
    "mi",
    "sol",
    "ar",
    "ven",
    "co",
    "zen",
    "tri",
    "bel",
    "ka",
    "ro",
    "lux",
    "pi",
    "on",
    "gra",
    "fi",
    "del",
    "mo",
    "ster",
)
SUFFIXES = (
    "Systems",
    "Labs",
    "Analytics",
    "Group",
    "Software",
    "Health",
    "Logistics",
    "Partners",
    "Cloud",
    "Industries",
)
INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Manufacturing",
    "Retail",
    "Logistics",
    "Education",
    "Media",
    "Energy",
    "Professional Services",
)
FIRST_NAMES = ("anna", "ben", "carla", "deepak", "elena", "farid", "grace", "hugo", "ines", "jon", "kemi", "luis")
LAST_NAMES = ("meyer", "okafor", "rossi", "tanaka", "novak", "garcia", "smith", "ivanova", "chen", "dubois", "berg")
FREEMAIL = ("gmail.com", "outlook.com", "yahoo.com", "proton.me")
PAGES = (
    "/",
    "/pricing",
    "/product",
    "/product/dashboards",
    "/product/integrations",
    "/customers",
    "/blog/kpi-guide",
    "/blog/attribution-models",
    "/blog/abm-playbook",
    "/docs/getting-started",
    "/about",
    "/security",
    "/demo",
)
PRODUCTS = ("Starter plan", "Growth plan", "Enterprise plan", "Analytics add-on", "Onboarding package")
WEB_CHANNELS = ("paid_search", "paid_social", "display", "seo", "organic_social", "referral", "content", "email")
