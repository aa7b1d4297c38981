"""Segments and customers: profiles, strategy notes, members, a customer's history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from segments import members, roles, selectors
from segments.forms import (
    MemberQueryForm,
    StrategyNotesForm,
)
from segments.models import Segment, SegmentationRun
from segments.services.notes import update_strategy_notes
from segments.views.access import found, role_required
from segments.views.exports import export_form


def render_segment(
    request: HttpRequest, segment: Segment, notes_form: StrategyNotesForm | None = None
) -> HttpResponse:
    context = {
        "segment": segment,
        "run": segment.run,
        "members": members.segment_members(segment, **MemberQueryForm(request.GET).query()),
        "notes_form": notes_form
        or StrategyNotesForm(
            initial={"text": segment.strategy_notes, "custom_name": segment.custom_name}
        ),
        "revisions": segment.note_revisions.select_related("author")[:50],
        "export_form": export_form(request, segment.run),
    }
    return render(request, "segments/segment_detail.html", context)


@role_required(roles.VIEW_RESULTS)
@require_GET
def segment_detail(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(_visible_segments(), pk=segment_id)
    return render_segment(request, segment)


@role_required(roles.EDIT_STRATEGY)
@require_POST
def segment_notes(request: HttpRequest, segment_id: int) -> HttpResponse:
    segment = get_object_or_404(_visible_segments(), pk=segment_id)
    form = StrategyNotesForm(request.POST)
    if not form.is_valid():
        return render_segment(request, segment, form)
    data = form.cleaned_data
    if update_strategy_notes(segment, data["text"], request.user, data["custom_name"]):
        messages.success(request, "Segment name and strategy notes saved.")
    else:
        messages.info(request, "Nothing changed.")
    return redirect(reverse("segments:segment-detail", args=[segment.pk]) + "#strategy-notes")


@role_required(roles.VIEW_RESULTS)
@require_GET
def customer_search(request: HttpRequest) -> HttpResponse:
    # A NUL (which PostgreSQL refuses) shows as the replacement character and matches nothing.
    query = request.GET.get("q", "").replace("\x00", "\ufffd").strip()[:64]
    customers = selectors.find_customers(query)
    if len(customers) == 1 and customers[0].external_id == query:
        return redirect("segments:customer-detail", customer_id=customers[0].pk)
    return render(
        request, "segments/customer_search.html", {"query": query, "customers": customers}
    )


@role_required(roles.VIEW_RESULTS)
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = found(selectors.get_customer(customer_id))
    assignments = selectors.customer_assignments(customer)
    context = {
        "customer": customer,
        "lines": selectors.customer_order_lines(customer, request.GET.get("page")),
        "assignments": assignments,
        "latest": assignments[0] if assignments else None,
        "consent_changes": selectors.customer_consent_changes(customer),
    }
    return render(request, "segments/customer_detail.html", context)


def _visible_segments():
    """Segments of runs being deleted are gone from the pages already."""
    deleting = SegmentationRun.Status.DELETING
    return Segment.objects.select_related("run").exclude(run__status=deleting)
