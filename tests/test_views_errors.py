from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [("/no-such-page/", 404, "Page not found"), ("/imports/", 403, "Not allowed")],
)
def test_error_page_is_the_products_own_with_navigation(path, status, title) -> None:
    client = Client()
    client.force_login(factories.marketing_user())
    response = client.get(path)
    assert response.status_code == status
    content = response.content.decode()
    assert f'<h1 id="error-title">{title}</h1>' in content
    assert 'data-testid="nav-dashboard"' in content


def test_error_page_500_renders_without_a_request_context() -> None:
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
