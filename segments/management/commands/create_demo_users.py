from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from segments import roles

DEMO_USERS = (
    # username, password, role, superuser
    ("admin", "segweb-admin", roles.ADMIN, True),
    ("marketing", "segweb-marketing", roles.MARKETING, False),
)


class Command(BaseCommand):
    help = "Create (or reset) the demo users 'admin' and 'marketing' and print their credentials."

    def handle(self, *args, **options) -> None:
        user_model = get_user_model()
        for username, password, role, superuser in DEMO_USERS:
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = user.is_superuser = superuser
            user.save()
            user.groups.add(Group.objects.get(name=role))
            self.stdout.write(f"{role:<9} user: {username} / {password}")
