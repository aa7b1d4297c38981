from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, RequestFactory
from django.urls import reverse

from segments import signin
from tests import factories

pytestmark = pytest.mark.django_db
LOGIN_URL = reverse("login")
ATTACKER, OWNER = "203.0.113.7", "198.51.100.20"
LIMIT = 5
ADDRESS_LIMIT = 20


def sign_in(client: Client, username: str, password: str, address: str = ATTACKER):
    credentials = {"username": username, "password": password}
    return client.post(LOGIN_URL, credentials, REMOTE_ADDR=address)


def fail(client: Client, username: str, times: int, address: str = ATTACKER) -> None:
    for _ in range(times):
        sign_in(client, username, "wrong-password", address)


@pytest.fixture
def owner() -> object:
    return factories.marketing_user(username="mark")


def test_settings_match_the_page(settings) -> None:
    assert (settings.AXES_FAILURE_LIMIT, settings.SEGWEB_SIGNIN_ADDRESS_FAILURE_LIMIT) == (
        LIMIT,
        ADDRESS_LIMIT,
    )
    assert signin.pause_minutes() == 15


def test_login_page_states_limit_and_pause(client: Client) -> None:
    content = client.get(LOGIN_URL).content.decode()
    assert "After 5 failed attempts, sign-in is paused for 15 minutes." in content


def test_sign_in_below_limit_shows_the_usual_error(client: Client, owner) -> None:
    for _ in range(LIMIT - 1):
        response = sign_in(client, "mark", "wrong-password")
        assert response.status_code == 200
        assert b'id="login-error"' in response.content
    assert sign_in(client, "mark", factories.PASSWORD).status_code == 302


def test_sign_in_at_limit_is_paused_even_with_right_password(client: Client, owner) -> None:
    fail(client, "mark", LIMIT - 1)
    assert sign_in(client, "mark", "wrong-password").status_code == 429
    response = sign_in(client, "mark", factories.PASSWORD)
    assert response.status_code == 429
    content = response.content.decode()
    assert "Sign-in paused" in content
    assert "paused for 15 minutes" in content
    assert "_auth_user_id" not in client.session


def test_sign_in_paused_pair_owner_elsewhere_still_signs_in(client: Client, owner) -> None:
    fail(client, "mark", LIMIT)
    assert sign_in(Client(), "mark", factories.PASSWORD, address=OWNER).status_code == 302


def test_sign_in_paused_pair_other_user_same_address_signs_in(client: Client, owner) -> None:
    factories.marketing_user(username="ada")
    fail(client, "mark", LIMIT)
    assert sign_in(Client(), "ada", factories.PASSWORD).status_code == 302


def test_sign_in_after_the_pause_works_again(client: Client, owner) -> None:
    fail(client, "mark", LIMIT)
    assert sign_in(client, "mark", factories.PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=16))
    assert sign_in(client, "mark", factories.PASSWORD).status_code == 302


def test_sign_in_refused_tries_during_pause_do_not_extend_it(client: Client, owner) -> None:
    fail(client, "mark", LIMIT)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=14))
    fail(client, "mark", 3)  # refused unseen: the pause still ends 15 minutes after it began
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=2))
    assert sign_in(client, "mark", factories.PASSWORD).status_code == 302


def test_sign_in_success_clears_own_failures(client: Client, owner) -> None:
    fail(client, "mark", LIMIT - 1)
    assert sign_in(client, "mark", factories.PASSWORD).status_code == 302
    fail(Client(), "mark", LIMIT - 1)
    assert sign_in(Client(), "mark", factories.PASSWORD).status_code == 302


def test_sign_in_success_on_own_account_keeps_failures_against_another(owner) -> None:
    factories.marketing_user(username="eve")
    attacker = Client()
    fail(attacker, "mark", LIMIT - 1)
    assert sign_in(attacker, "eve", factories.PASSWORD).status_code == 302
    assert sign_in(Client(), "mark", "wrong-password").status_code == 429


def test_sign_in_address_limit_pauses_every_username_from_it(owner) -> None:
    spray = Client()
    for number in range(ADDRESS_LIMIT // (LIMIT - 1)):
        fail(spray, f"guess{number}", LIMIT - 1)
    assert sign_in(Client(), "mark", factories.PASSWORD).status_code == 429
    assert sign_in(Client(), "mark", factories.PASSWORD, address=OWNER).status_code == 302


def test_sign_in_locked_request_to_django_admin_is_paused_too(client: Client, owner) -> None:
    fail(client, "mark", LIMIT)
    response = client.post(
        reverse("admin:login"),
        {"username": "mark", "password": factories.PASSWORD},
        REMOTE_ADDR=ATTACKER,
    )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "", "10.0.0.9"),
        (0, "198.51.100.1", "10.0.0.9"),  # no proxy: the header is the client's own claim
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left entry was written by the client
        (2, "6.6.6.6, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "", "10.0.0.9"),
        (1, "not-an-address", "10.0.0.9"),
        (2, "198.51.100.1", "10.0.0.9"),  # fewer entries than proxies: the header is short
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings, proxies: int, forwarded: str, expected: str
) -> None:
    settings.SEGWEB_TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    assert signin.client_ip(request) == expected
