"""The lists PostgreSQL writes are byte for byte the lists the Python path wrote (export_reference).

A hostile audience: accents, final sigmas, combining marks, non-ASCII digits and whitespace,
formula signs, commas, quotes and line breaks in every text column and segment name, spending on
rounding ties, every consent case; each preset and option is compared with the reference.
"""

from __future__ import annotations

import math
import random
import struct

import pytest
from django.db import connection

from segments import campaigns, exports, list_queries, sql_text
from segments.exports import ListRequest
from tests import factories
from tests.export_reference import reference_file, reference_left_out

TEXTS = [
    "", "Ana", "L\u00f3pez", "Jos\u00e9", "JOS\u00c9", "e\u0301clair", "\u039f\u0394\u039f\u03a3",
    "\u0130stanbul", "Stra\u00dfe", "\u5f20\u4f1f", "O'Brien", "Anne-Marie", "  Bob  ",
    "\u00a0Eve\u2003", "=cmd()", " +1", "\u3000@x", "\uff1dsum", "-5", ";x", "\tTab", "a,b",
    'say "hi"', "line\nbreak", "cr\rlf", "\\.", "\u2028sep", "Z\u00fcrich, CH",
]  # fmt: skip
EMAILS = ["", "ana@example.com", "  Bo@Example.COM ", "=x@example.com", "JOS\u00c9@EXAMPLE.COM",
          "a,b@example.com", '"q"@example.com', "\u0130@example.com"]  # fmt: skip
PHONES = ["", "+442079460958", " +33 6 12 34 56 78 ", "+\u0664\u0664\u0662", "=1", "+1 (415) 555"]
COUNTRIES = ["", "GB", "fr", "u ", "\uff27\uff22", "\u00e9s", "\u0130"]
IDS = ["C-1", "@evil", " =x", "a,b", 'q"q', "new\nline", "\u00e9t\u00e9", "-7", "\u3000+1"]
SPENDING = [
    0.0, -0.0, 100.0, 2.675, -2.675, 0.125, 0.375, 1.005, 1234.5600000000002, 0.1 + 0.2, -0.001,
    1e15 + 0.125, 123456789012345.67, 1e-5, 9.995, 2**53 + 2.0, 1e17, 0.005,
]  # fmt: skip
RATES = [0.0, 1.0, 1 / 3, 1e-7, 0.5, 0.1, 2 / 3, 1e15, 1234567890123456.8, -0.0]
SEGMENT_NAMES = ["Occasional", "VIP, Loyal \u00b7 Big", '=Risky "quote"', "New\nline \u00e9"]


@pytest.fixture
def hostile_run():
    """Four segments of 60 members each, drawn from the pools above with a fixed seed."""
    rng = random.Random(10)
    run = factories.SegmentationRunFactory(chosen_k=len(SEGMENT_NAMES))
    for index, name in enumerate(SEGMENT_NAMES):
        segment = factories.SegmentFactory(run=run, index=index, name=name, size=60)
        for number in range(60):
            customer = factories.CustomerFactory(
                external_id=f"{rng.choice(IDS)}-{index}-{number}",
                first_name=rng.choice(TEXTS),
                last_name=rng.choice(TEXTS),
                email=rng.choice(EMAILS),
                phone=rng.choice(PHONES),
                country=rng.choice(COUNTRIES),
                accepts_email_marketing=rng.random() < 0.6,
                accepts_sms_marketing=rng.random() < 0.5,
            )
            factories.AssignmentFactory(
                segment=segment,
                customer=customer,
                products_ordered=rng.randint(0, 40),
                average_return_rate=rng.choice(RATES),
                total_spending=rng.choice(SPENDING),
            )
    return run


OPTIONS = [
    *({"preset": name} for name in campaigns.PRESETS),
    *({"preset": name, "include_without_consent": True} for name in campaigns.PRESETS),
    {"preset": "meta", "hash_ids": True},
    {"preset": "google", "hash_ids": True},
    {"preset": "google", "hash_ids": True, "include_without_consent": True},
    {"preset": "analyst", "with_contacts": False},
    *({"preset": name, "holdout_percent": 30} for name in campaigns.PRESETS),
    {"preset": "meta", "hash_ids": True, "holdout_percent": 90},
]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(map(str, o.values())))
@pytest.mark.django_db
def test_list_chunks_every_preset_byte_identical_to_python_path(hostile_run, options) -> None:
    request = ListRequest(run=hostile_run, **options)
    for holdout in (False, True) if request.holdout_percent else (False,):
        written = b"".join(exports.list_chunks(request.spec(), exports.ListCounts(), holdout))
        assert written == reference_file(request, holdout)
    assert list_queries.left_out(request.spec()) == reference_left_out(request)


@pytest.mark.parametrize("preset", ["analyst", "mailchimp", "google"])
@pytest.mark.django_db
def test_list_chunks_some_segments_byte_identical_to_python_path(hostile_run, preset) -> None:
    segments = tuple(hostile_run.segments.filter(index__in=(1, 3)).order_by("index"))
    request = ListRequest(run=hostile_run, segments=segments, preset=preset, holdout_percent=50)
    for holdout in (False, True):
        written = b"".join(exports.list_chunks(request.spec(), exports.ListCounts(), holdout))
        assert written == reference_file(request, holdout)


@pytest.mark.parametrize("percent", [1, 7, 10, 33, 50, 90])
def test_holdout_threshold_agrees_with_in_holdout_around_it(percent) -> None:
    below = int.from_bytes(list_queries.holdout_threshold(percent), "big")
    assert below / 2**64 >= percent / 100 > (below - 1) / 2**64


def _select(expression: str, values: list, sql_type: str) -> list:
    sql = (
        f"SELECT {expression.format(x='v')} "
        f"FROM unnest(%(values)s::{sql_type}[]) WITH ORDINALITY AS t(v, n) ORDER BY n"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET extra_float_digits = 1")
        cursor.execute(sql, {**sql_text.PARAMS, "values": values})
        return [row[0] for row in cursor.fetchall()]


def _random_floats(count: int) -> list[float]:
    rng = random.Random(3)
    values = []
    while len(values) < count:
        choice = rng.random()
        if choice < 0.3:
            value = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
        elif choice < 0.6:
            value = rng.randint(-(10**7), 10**7) / 1000  # three decimals: many rounding ties
        elif choice < 0.7:
            value = rng.randint(-(10**6), 10**6) / 8  # exact binary ties
        else:
            value = rng.uniform(-1, 1) * 10 ** rng.randint(-8, 15)
        if math.isfinite(value) and abs(value) < 1e16:
            values.append(value)
    return values


@pytest.mark.django_db
def test_py_float_is_repr_below_1e16() -> None:
    values = [0.0, -0.0, 1.0, 1e15, 9999999999999998.0, 1e-4, 1e-5, 5e-324, *_random_floats(3000)]
    assert _select(sql_text.py_float("{x}"), values, "float8") == [repr(v) for v in values]


@pytest.mark.django_db
def test_py_round2_repr_is_python_round_on_ties_and_extremes() -> None:
    values = [2.675, -2.675, 0.125, -0.125, 0.375, 1.005, -0.001, 0.0, -0.0, 2.0**53 + 2,
              1e300, -1e300, 5e-324, 0.0049999999999999999, *_random_floats(3000)]  # fmt: skip
    rounded = _select(sql_text.py_round2_repr("{x}"), values, "float8")
    assert rounded == [repr(round(v, 2)) for v in values]


@pytest.mark.django_db
def test_neutralised_and_stripped_follow_python_whitespace() -> None:
    rng = random.Random(4)
    alphabet = [*sql_text.PY_WHITESPACE, *campaigns.FORMULA_PREFIXES, "a", "'", "\u200b", "\ufeff"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4))) for _ in range(3000)]
    assert _select(sql_text.neutralised("{x}"), texts, "text") == [
        campaigns.neutralise_cell(t) for t in texts
    ]
    assert _select(sql_text.stripped("{x}"), texts, "text") == [t.strip() for t in texts]
