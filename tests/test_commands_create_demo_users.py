from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from segments import roles
from tests.signin_support import sign_in_request

pytestmark = pytest.mark.django_db


def test_create_demo_users_printed_credentials_sign_in_with_their_roles() -> None:
    out = StringIO()
    call_command("create_demo_users", stdout=out)
    admin = authenticate(sign_in_request(), username="admin", password="segweb-admin")
    marketing = authenticate(sign_in_request(), username="marketing", password="segweb-marketing")
    assert "admin / segweb-admin" in out.getvalue()
    assert "marketing / segweb-marketing" in out.getvalue()
    assert admin.is_superuser and admin.has_perm(roles.MANAGE_RUNS)
    assert not marketing.is_staff
    assert marketing.has_perm(roles.EXPORT_LISTS) and not marketing.has_perm(roles.IMPORT_DATA)


def test_create_demo_users_twice_resets_passwords_without_duplicates() -> None:
    call_command("create_demo_users", stdout=StringIO())
    user = authenticate(sign_in_request(), username="marketing", password="segweb-marketing")
    user.set_password("changed-by-someone")
    user.save()
    call_command("create_demo_users", stdout=StringIO())
    assert (
        authenticate(sign_in_request(), username="marketing", password="segweb-marketing")
        is not None
    )
    assert type(user).objects.filter(username__in=["admin", "marketing"]).count() == 2
