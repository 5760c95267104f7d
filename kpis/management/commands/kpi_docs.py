from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from kpis.catalog_doc import with_reference


class Command(BaseCommand):
    help = "Rewrite the KPI reference of docs/kpis.md from the catalogue (kpis/catalog.py)."

    def handle(self, *args, **options) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "kpis.md"
        path.write_text(with_reference(path.read_text()))
        self.stdout.write(f"wrote {path}")
