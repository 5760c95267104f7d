"""`make bench`: a generated workspace on PostgreSQL and the figures measured against it."""
