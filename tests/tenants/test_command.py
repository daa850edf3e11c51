import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tenants.models import Tenant, User


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("tenant_register", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_creates_tenant_and_admin_and_prints_ids():
    out = run(
        "--org-name",
        "Globex",
        "--email",
        "hank@globex.example",
        "--password",
        "Gl0bex!pw-secure",
        "--first-name",
        "Hank",
        "--json",
    )

    ids = json.loads(out)
    tenant = Tenant.objects.get(pk=ids["tenant_id"])
    user = User.objects.get(pk=ids["user_id"])
    assert tenant.name == "Globex"
    assert (user.tenant, user.role, user.first_name) == (tenant, User.Role.ADMIN, "Hank")
    assert user.check_password("Gl0bex!pw-secure")


@pytest.mark.django_db
def test_command_refuses_a_weak_password():
    with pytest.raises(CommandError, match="The password needs a number and a special character."):
        run("--org-name", "Globex", "--email", "h@globex.example", "--password", "password")
    assert not Tenant.objects.exists()


@pytest.mark.django_db
def test_command_refuses_a_duplicate_organization(tenant_a):
    with pytest.raises(CommandError, match="An organization named “tenant a” already exists"):
        run("--org-name", "tenant a", "--email", "h@a.example", "--password", "Gl0bex!pw-secure")
