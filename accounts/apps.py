from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import audit, hosts, offboarding, schema  # noqa: F401  (host cache signals; the OpenAPI auth extension)
        from accounts.rls import rls_enforce_after_migrate

        offboarding.AUDIT_HOOK = audit.offboarding_hook  # also connects the sign-in receivers (audit's import)

        # Once per migrate, after every app's tables exist: row-level security on PostgreSQL.
        post_migrate.connect(rls_enforce_after_migrate, sender=self, dispatch_uid="accounts.rls_enforce")
