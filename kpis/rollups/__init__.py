"""Building the rollups of `kpis.models` from the campaigns tables, one local-date range at a time.

Plain SQL run in the database: every build is a DELETE of the range and an
INSERT … SELECT with GROUP BY over indexed local-date columns, on PostgreSQL
and SQLite alike; nothing but a few dates comes back to Python. A `Span` of
None..None is every date (the full rebuild). Each statement filters on the
workspace itself (row-level security checks it again on PostgreSQL).

The order matters within a span: sessions first (a page view can change a
session that started on an earlier day, whose components then change too),
then the components of the span and of those days, the page days (of the
span, of those days and of the days of the sessions with a page view in the
span), visitors, account days,
and the account facts (they read the account days); the customer days read
deals alone.
"""

from kpis.rollups.accounts import build_account_days, build_account_facts, build_customer_days
from kpis.rollups.components import build_components
from kpis.rollups.pages import build_page_days
from kpis.rollups.tables import SOURCE_TABLES, Span
from kpis.rollups.web import build_sessions, build_visitor_days

__all__ = [
    "SOURCE_TABLES",
    "Span",
    "build_account_days",
    "build_account_facts",
    "build_components",
    "build_customer_days",
    "build_page_days",
    "build_sessions",
    "build_visitor_days",
]
