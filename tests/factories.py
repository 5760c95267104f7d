"""Factories; every workspace-owned factory takes its workspace and creates in its scope."""

from __future__ import annotations

import factory

from accounts.models import Agency, AgencyMembership, AgencyRole, User, Workspace, WorkspaceMembership
from accounts.tenancy import workspace_scope

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"client-{n}")


class AgencyMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMembership

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)
    role = AgencyRole.MEMBER


class WorkspaceMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkspaceMembership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = "viewer"


class WorkspaceOwnedFactory(factory.django.DjangoModelFactory):
    """Base for factories of workspace-owned models: `workspace=` is required."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        workspace = kwargs["workspace"]
        with workspace_scope(workspace):
            return super()._create(model_class, *args, **kwargs)


# The people of the `people` fixture (tests/conftest.py), for permission matrices.
ROLES = ["agency_owner", "agency_admin", "agency_member", "ws_admin", "ws_editor", "ws_viewer", "outsider"]
