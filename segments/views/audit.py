"""The audit log (Admins): who did what, when, to which object, filtered and paged."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from segments import roles, selectors
from segments.forms import AuditFilterForm
from segments.views.access import role_required


@role_required(roles.VIEW_AUDIT)
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = selectors.audit_page(form.filters(), request.GET.get("page"))
    return render(request, "segments/audit_list.html", {"form": form, "page": page})
