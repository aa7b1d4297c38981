"""Campaign lists written by PostgreSQL: one query per file, streamed with COPY in chunks.

segments.campaigns defines a list in Python (who qualifies, the columns, the holdout); this module
builds the query that writes the same bytes with COPY ... (FORMAT csv), tested byte for byte
against it. Cells that depend only on the segment or the run (names, the run's date) come from
campaigns.build_row itself, and so do Meta's and Google's normalised contact cells for text that
is not ASCII, whose Unicode rules (case, letters, NFC) PostgreSQL does not share.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import connection, transaction

from segments import campaigns, sql_text
from segments.campaigns import EMAIL, LeftOut, Member, Preset

# About 250 KB of an analyst list per chunk: few writes, bounded memory.
CHUNK_ROWS = 2000
_CONSENT = {EMAIL: "c.accepts_email_marketing", campaigns.SMS: "c.accepts_sms_marketing"}


@dataclass(frozen=True)
class SegmentRef:
    pk: int
    number: int
    name: str


@dataclass(frozen=True)
class ListSpec:
    """A list to write, resolved: the run's segments to export and the preset's options."""

    run_id: int
    run_date: str
    segments: tuple[SegmentRef, ...]
    preset: Preset
    hash_ids: bool = False
    holdout_percent: int = 0
    include_without_consent: bool = False
    with_contacts: bool = True


@dataclass(frozen=True)
class Column:
    """How a cell is made. kind: 'sql' (text, neutralised unless an identifier), 'number',
    'segment' and 'constant' (from campaigns.build_row), 'contact' (a `field` whose ASCII values
    go through `ascii_sql`, the others through campaigns.build_row), 'hashed contact' (the same,
    then SHA-256)."""

    kind: str
    sql: str = ""
    field: str = ""
    ascii_sql: Callable[[str], str] | None = None


def header(spec: ListSpec) -> bytes:
    lines = campaigns.csv_lines(spec.preset, [], spec.hash_ids, with_contacts=spec.with_contacts)
    return "".join(lines).encode()


def copy_lines(spec: ListSpec, holdout: bool = False) -> Iterator[tuple[bytes, int]]:
    """The list's lines (or its holdout file's) without the header: (bytes, line count) chunks."""
    sql, params = list_query(spec, holdout, contact_cells(spec))
    with _session() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
        rows: list = []
        for row in copy:
            rows.append(row)
            if len(rows) == CHUNK_ROWS:
                yield _crlf(rows), len(rows)
                rows = []
        if rows:
            yield _crlf(rows), len(rows)


def left_out(spec: ListSpec) -> LeftOut:
    """How many members of the segments the list leaves out, for want of contact or consent."""
    if not spec.preset.channels:
        return LeftOut()
    reachable, consented = _reachable(spec.preset), _consented(spec)
    sql = (
        f"SELECT count(*) FILTER (WHERE NOT ({reachable})), "
        f"count(*) FILTER (WHERE ({reachable}) AND NOT ({consented})) {_from(spec, [])}"
    )
    with _session() as cursor:
        cursor.execute(sql, _segment_params(spec, []))
        no_contact, no_consent = cursor.fetchone()
    return LeftOut(no_contact=no_contact, no_consent=no_consent)


def list_query(spec: ListSpec, holdout: bool, contact_map: dict) -> tuple[str, dict]:
    """SELECT the list's cells as text, in assignment order; params bound by the caller."""
    columns = preset_columns(spec)
    probe = _probe_cells(spec)
    segment_columns = [i for i, column in enumerate(columns) if column.kind == "segment"]
    params = {**sql_text.PARAMS, **_segment_params(spec, segment_columns)}
    cells = []
    for index, column in enumerate(columns):
        if column.kind == "constant":
            params[f"constant_{index}"] = _text(probe[0][index])
            cells.append(f"%(constant_{index})s::text")
        elif column.kind == "segment":
            cells.append(f"s.cell_{index}")
        else:
            cells.append(_cell_sql(spec, column, index, params, contact_map))
    where = [_qualifies(spec)]
    if spec.holdout_percent:
        params["holdout_below"] = holdout_threshold(spec.holdout_percent)
        held = "substring(sha256(convert_to(s.holdout_key || c.external_id, 'UTF8')) FROM 1 FOR 8)"
        where.append(f"({held} < %(holdout_below)s) = {'true' if holdout else 'false'}")
    select = ", ".join(f"NULLIF({cell}, '')" for cell in cells)
    sql = f"SELECT {select} {_from(spec, segment_columns)} AND {' AND '.join(where)} ORDER BY a.id"
    return sql, params


def holdout_threshold(percent: int) -> bytes:
    """The 8 bytes below which campaigns.in_holdout holds a member out (compared as bytea).

    in_holdout compares int.from_bytes(digest[:8]) / 2**64 with percent / 100 in floats; the
    smallest n for which that is false is found by bisection, so the SQL agrees for every n.
    """
    low, high = 0, 2**64 - 1  # every n below low is held out, no n from high on is
    while low < high:
        middle = (low + high) // 2
        if middle / 2**64 < percent / 100:
            low = middle + 1
        else:
            high = middle
    return low.to_bytes(8, "big")


def contact_cells(spec: ListSpec) -> dict[str, dict[str, str]]:
    """For each contact column made in SQL from ASCII, its cell for every other stored value."""
    positions = {c.field: i for i, c in enumerate(preset_columns(spec)) if c.field}
    if not positions:
        return {}
    values = ", ".join(f"('{field}', c.{field})" for field in positions)
    every = " || ".join(f"c.{field}" for field in positions)
    sql = (
        f"SELECT DISTINCT f.name, f.value FROM segments_customer c "
        f"CROSS JOIN LATERAL (VALUES {values}) AS f(name, value) "
        f"WHERE NOT {sql_text.is_ascii(every)} AND NOT {sql_text.is_ascii('f.value')}"
    )
    with _session() as cursor:
        cursor.execute(sql)
        stored = cursor.fetchall()
    cells: dict[str, dict[str, str]] = {field: {} for field in positions}
    segment = spec.segments[0] if spec.segments else None
    for field, value in stored:
        row = campaigns.build_row(
            spec.preset, _probe_member(spec, segment, field, value), hash_ids=spec.hash_ids
        )
        cells[field][value] = _text(row[positions[field]])
    return cells


def preset_columns(spec: ListSpec) -> list[Column]:
    columns = _PRESET_COLUMNS[spec.preset.name](spec)
    return columns[: len(spec.preset.columns(spec.with_contacts))]


# The presets' columns, in the order of campaigns' row builders


def _sources(spec: ListSpec) -> dict[str, str]:
    """Contact values as the list sees them: a tool's list carries only consented contacts."""
    keep_all = spec.include_without_consent or not spec.preset.channels
    email, phone = "c.email", "c.phone"
    if not keep_all:
        email = "CASE WHEN c.accepts_email_marketing THEN c.email ELSE '' END"
        phone = "CASE WHEN c.accepts_sms_marketing THEN c.phone ELSE '' END"
    names = {field: f"c.{field}" for field in ("first_name", "last_name", "country")}
    return {"email": email, "phone": phone, **names}


def _analyst(spec: ListSpec) -> list[Column]:
    src = _sources(spec)
    spending = sql_text.py_round2_repr("a.total_spending")
    return [
        Column("sql", "c.external_id"), Column("segment"), Column("segment"),
        Column("number", "a.products_ordered::text"),
        Column("number", sql_text.py_float("a.average_return_rate")),
        Column("number", spending), Column("constant"), Column("constant"),
        Column("sql", src["email"]), Column("sql", src["phone"]), Column("sql", src["country"]),
        Column("sql", sql_text.yes_no("c.accepts_email_marketing")),
        Column("sql", sql_text.yes_no("c.accepts_sms_marketing")),
    ]  # fmt: skip


def _klaviyo(spec: ListSpec) -> list[Column]:
    src = _sources(spec)
    fields = ("email", "phone", "first_name", "last_name", "country")
    return [*(Column("sql", src[field]) for field in fields), Column("segment")]


def _mailchimp(spec: ListSpec) -> list[Column]:
    src = _sources(spec)
    fields = ("email", "first_name", "last_name", "phone", "country")
    return [*(Column("sql", src[field]) for field in fields), Column("segment")]


def _lower_stripped(text: str) -> str:
    return sql_text.ascii_lower(sql_text.stripped(text))


def _meta(spec: ListSpec) -> list[Column]:
    kind = "hashed contact" if spec.hash_ids else "contact"

    def letters(text: str) -> str:  # campaigns.meta_name, for ASCII
        return f"regexp_replace({sql_text.ascii_lower(text)}, '[^a-z]', '', 'g')"

    return [
        Column(kind, field="email", ascii_sql=_lower_stripped),
        Column(kind, field="phone", ascii_sql=lambda t: f"regexp_replace({t}, '[^0-9]', '', 'g')"),
        Column(kind, field="first_name", ascii_sql=letters),
        Column(kind, field="last_name", ascii_sql=letters),
        Column(kind, field="country", ascii_sql=_lower_stripped),
    ]


def _google(spec: ListSpec) -> list[Column]:
    kind = "hashed contact" if spec.hash_ids else "contact"
    return [
        Column(kind, field="email", ascii_sql=_lower_stripped),
        Column(kind, field="phone", ascii_sql=sql_text.stripped),
        Column(kind, field="first_name", ascii_sql=_lower_stripped),
        Column(kind, field="last_name", ascii_sql=_lower_stripped),
        Column(
            "contact",
            field="country",
            ascii_sql=lambda t: sql_text.ascii_upper(sql_text.stripped(t)),
        ),
    ]


_PRESET_COLUMNS = {
    "analyst": _analyst,
    "klaviyo": _klaviyo,
    "mailchimp": _mailchimp,
    "meta": _meta,
    "google": _google,
}


# Query parts


@contextmanager
def _session() -> Iterator:
    """A cursor in a transaction set for the lists' queries."""
    with transaction.atomic(), connection.cursor() as cursor:
        # Python's repr() is the shortest round-trip form: PostgreSQL's output at this setting.
        cursor.execute("SET LOCAL extra_float_digits = 1")
        # Compiling the long cell expressions with JIT takes longer than a million rows take
        # without it (about 60 s against 4 s measured).
        cursor.execute("SET LOCAL jit = off")
        yield cursor


def _cell_sql(spec: ListSpec, column: Column, index: int, params: dict, contact_map: dict) -> str:
    identifier = spec.preset.columns(spec.with_contacts)[index] in spec.preset.identifiers
    if column.kind == "number":
        return column.sql
    if column.kind == "sql":
        return column.sql if identifier else sql_text.neutralised(column.sql)
    source = _sources(spec)[column.field]
    ascii_cell = column.ascii_sql(source)
    if column.kind == "hashed contact":
        ascii_cell = sql_text.sha256_hex(ascii_cell)
    if not identifier:
        ascii_cell = sql_text.neutralised(ascii_cell)
    params[f"contact_{index}"] = _json(contact_map.get(column.field, {}))
    other = f"%(contact_{index})s::jsonb ->> {source}"
    return f"CASE WHEN {sql_text.is_ascii(source)} THEN {ascii_cell} ELSE {other} END"


def _from(spec: ListSpec, segment_columns: list[int]) -> str:
    arrays = ", ".join(f"%(cells_{i})s::text[]" for i in segment_columns)
    names = ", ".join(f"cell_{i}" for i in segment_columns)
    return (
        "FROM segments_assignment a JOIN segments_customer c ON c.id = a.customer_id "
        f"JOIN unnest(%(segment_ids)s::bigint[], %(holdout_keys)s::text[]"
        f"{', ' + arrays if arrays else ''}) "
        f"AS s(id, holdout_key{', ' + names if names else ''}) ON s.id = a.segment_id "
        "WHERE a.run_id = %(run_id)s"
    )


def _segment_params(spec: ListSpec, segment_columns: list[int]) -> dict:
    probe = _probe_cells(spec)
    params = {
        "run_id": spec.run_id,
        "segment_ids": [s.pk for s in spec.segments],
        "holdout_keys": [f"{spec.run_id}:{s.number}:" for s in spec.segments],
    }
    for index in segment_columns:
        params[f"cells_{index}"] = [_text(row[index]) for row in probe[: len(spec.segments)]]
    return params


def _qualifies(spec: ListSpec) -> str:
    """campaigns.qualify in SQL: reachable on a channel and consenting on a reachable one."""
    if not spec.preset.channels:
        return "true"
    return f"({_reachable(spec.preset)}) AND ({_consented(spec)})"


def _reachable(preset: Preset) -> str:
    return " OR ".join(f"{_contact(channel)} <> ''" for channel in preset.channels)


def _consented(spec: ListSpec) -> str:
    if spec.include_without_consent:
        return "true"
    return " OR ".join(
        f"({_contact(channel)} <> '' AND {_CONSENT[channel]})" for channel in spec.preset.channels
    )


def _contact(channel: str) -> str:
    return "c.email" if channel == EMAIL else "c.phone"


def _probe_cells(spec: ListSpec) -> list[list]:
    """campaigns.build_row for each segment (one stand-in when there are none)."""
    segments = spec.segments or (None,)
    return [
        campaigns.build_row(
            spec.preset,
            _probe_member(spec, segment),
            hash_ids=spec.hash_ids,
            with_contacts=spec.with_contacts,
        )
        for segment in segments
    ]


def _probe_member(
    spec: ListSpec, segment: SegmentRef | None, field: str | None = None, value: str = ""
) -> Member:
    member = Member(
        customer_id="",
        segment_index=segment.number if segment else 0,
        segment_name=segment.name if segment else "",
        products_ordered=0,
        average_return_rate=0.0,
        total_spending=0.0,
        run_id=spec.run_id,
        run_date=spec.run_date,
    )
    return member if field is None else replace(member, **{field: value})


def _text(cell) -> str:
    """A cell as csv.writer writes it: str() of anything but text."""
    return cell if isinstance(cell, str) else str(cell)


def _json(mapping: dict[str, str]) -> str:
    return json.dumps(mapping, ensure_ascii=False)


def _crlf(rows: list) -> bytes:
    """COPY ends each row with LF; csv.writer with CRLF. A chunk is whole rows, one per message:
    when it holds no other LF (a quoted cell's), every LF ends a row."""
    data = b"".join(rows)
    if data.count(b"\n") == len(rows):
        return data.replace(b"\n", b"\r\n")
    return b"\r\n".join(row[:-1] for row in rows) + b"\r\n"
