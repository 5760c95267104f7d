"""PostgreSQL with the current workspace applied to each transaction, for row-level security."""
