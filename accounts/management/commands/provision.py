import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.services import provision


class Command(BaseCommand):
    help = "Create whatever is missing of an agency, its workspace and owner; print a new API key as JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--agency", required=True)
        parser.add_argument("--workspace", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--password")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--timezone", default="UTC")

    def handle(self, *args, **options) -> None:
        try:
            agency, workspace, raw_key = provision(
                agency_name=options["agency"],
                workspace_name=options["workspace"],
                owner_email=options["owner_email"],
                password=options["password"],
                currency=options["currency"],
                time_zone=options["timezone"],
            )
        except (ValidationError, ValueError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("; ".join(messages)) from error
        self.stdout.write(json.dumps({"agency": agency.slug, "workspace": workspace.slug, "api_key": raw_key}))
