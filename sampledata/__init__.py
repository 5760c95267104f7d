"""Realistic B2B marketing data for a workspace, deterministic from a seed.

Not product code: it serves the demo (`manage.py seed_demo`), the tests and the
bench. `generation.WorkspaceGenerator` streams the rows of one workspace table
by table (campaigns, spend, accounts, leads, deals, touchpoints) as plain
tuples that reference each other by index; nothing but a few compact per-lead
arrays is kept in memory, so `medium` (3 million touchpoints) and `large`
stream as easily as `demo`. Three sinks turn the same rows into database rows
or API payloads:

- `sinks.orm.load_orm()`: Django `bulk_create` in batches (SQLite and
  PostgreSQL), used by `seed_demo` and `manage.py seed_workspace`;
- `sinks.copy.load_copy()`: PostgreSQL `COPY` through psycopg 3 (fast), used by
  the bench;
- `sinks.api.api_batches()`: JSON-ready dicts in the shapes of the ingestion API (/api/schema/),
  in batches of up to 1,000, for the ingestion figure and the API round-trip test.

The same seed, scale, time zone and `until` give the same rows, whatever the
sink. `seeding` has the entry points (`seed_workspace`, `seed_demo_workspace`).
"""
