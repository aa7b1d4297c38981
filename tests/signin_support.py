"""A request for authenticate() and Client.login(): django-axes throttles per address and
refuses to judge a sign-in that has no request."""

from __future__ import annotations

from django.http import HttpRequest


def sign_in_request(address: str = "127.0.0.1") -> HttpRequest:
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = address
    return request
