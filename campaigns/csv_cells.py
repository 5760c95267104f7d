"""The CSV writer every export uses; it lives in `accounts.csv_cells` (the whole-workspace export needs it too)."""

from accounts.csv_cells import FORMULA_STARTS, SafeWriter, neutralise

__all__ = ["FORMULA_STARTS", "SafeWriter", "neutralise"]
