from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from segments import signin

urlpatterns = [
    path(
        "login/", auth_views.LoginView.as_view(extra_context=signin.throttle_notice()), name="login"
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("segments.urls")),
]
