"""PostgreSQL expressions that write values as Python's csv module, repr() and str do.

The campaign lists are written by PostgreSQL (COPY ... TO STDOUT (FORMAT csv)) rather than row by
row in Python; these expressions make each cell byte-identical to what segments.campaigns
writes, so the pure Python functions there stay the definition of a list:

- floats as repr(): PostgreSQL's shortest output plus Python's '.0' and fixed notation up to
  1e16 (beyond that both are shortest round-trip digits, though they may differ in the last one);
- round(x, 2) as Python rounds: half-even on the exact binary value, not on a decimal copy;
- str.strip()/lstrip() with Python's whitespace; lower()/upper() exactly for ASCII only (the
  caller maps other text in Python); formula text neutralised as campaigns.neutralise_cell.

Each function takes and returns SQL text. Constant strings (regular expressions, character sets)
are bound as the query's named parameters, listed in PARAMS.
"""

from __future__ import annotations

import sys

from segments import campaigns

# str.isspace() is what str.strip() and str.lstrip() remove.
PY_WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _regex_class(characters: str) -> str:
    return "[" + "".join(f"\\u{ord(c):04x}" for c in characters) + "]"


_PREFIXES = "".join(campaigns.FORMULA_PREFIXES)
PARAMS = {
    "py_whitespace": PY_WHITESPACE,
    # campaigns.neutralise_cell: a formula sign first, or first after all leading whitespace
    # (so not a whitespace sign such as a tab).
    "formula_start": f"^({_regex_class(_PREFIXES)}|{_regex_class(PY_WHITESPACE)}*"
    f"{_regex_class(_PREFIXES.translate(dict.fromkeys(map(ord, PY_WHITESPACE))))})",
}
# Python's round(x, 2) is exactly round(x * 100) / 100 in floats unless x * 100 lies within
# float error of a .5 tie: below 1e9, a margin of 1e-3 is far wider than that error.
_FAST_ROUND_BELOW = "1e9::float8"
_TIE_MARGIN = "1e-3::float8"
_TWO_POW_52 = "4503599627370496::float8"
_MANTISSA_MASK = 4503599627370495  # the 52 stored bits of a float8's significand


def py_float(x: str) -> str:
    """repr(x) of a float8: '100.0' (PostgreSQL writes '100'), '1234567890123456.8' (1.2e+15)."""
    return (
        f"CASE WHEN {x} = trunc({x}) AND abs({x}) < 1e15::float8 THEN {x}::text || '.0' "
        f"WHEN abs({x}) >= 1e15::float8 AND abs({x}) < 1e16::float8 "
        f"THEN {x}::text::numeric::text || CASE WHEN {x} = trunc({x}) THEN '.0' ELSE '' END "
        f"ELSE {x}::text END"
    )


def py_round2_repr(x: str) -> str:
    """repr(round(x, 2)) of a float8 column x, Python rounding half to even on x's exact value.

    Far from a tie, round(x * 100) / 100 is Python's result (the double nearest to the
    rounded decimal); near one, or past 1e9, the exact path works on x's bits. Each expression
    is written out once so that x, a column, is the only thing evaluated more than once.
    """
    fast = f"(round({x} * 100) / 100)"
    near_tie = f"abs({x} * 100 - floor({x} * 100) - 0.5::float8) <= {_TIE_MARGIN}"
    negative = f"{x} < 0 OR ({x} = 0 AND {x}::text LIKE '-%%')"
    exact = f"CASE WHEN {negative} THEN -({_round2_exact(f'(-{x})')}) ELSE {_round2_exact(x)} END"
    return (
        f"CASE WHEN abs({x}) < {_FAST_ROUND_BELOW} AND NOT ({near_tie}) "
        f"THEN {fast}::text || CASE WHEN {fast} = trunc({fast}) THEN '.0' ELSE '' END "
        f"ELSE {py_float(f'({exact})')} END"
    )


def _round2_exact(y: str) -> str:
    """y = m * 2^-k exactly (from its bits); round m * 100 / 2^k half to even, then / 100."""
    bits = f"('x' || encode(float8send({y}), 'hex'))::bit(64)::bigint"
    scaled = f"((({bits}) & {_MANTISSA_MASK}) | {_MANTISSA_MASK + 1}) * 100"
    k = f"(1075 - ((({bits}) >> 52) & 2047)::int)"
    quotient = f"(({scaled}) >> {k})"
    remainder = f"(({scaled}) & ((1::bigint << {k}) - 1))"
    half = f"(1::bigint << ({k} - 1))"
    round_up = f"{remainder} > {half} OR ({remainder} = {half} AND {quotient} %% 2 = 1)"
    return (
        f"CASE WHEN {y} >= {_TWO_POW_52} THEN {y} WHEN {y} < 0.001::float8 THEN 0::float8 "
        f"ELSE (({quotient} + CASE WHEN {round_up} THEN 1 ELSE 0 END)::numeric / 100)::float8 END"
    )


def neutralised(text: str) -> str:
    """campaigns.neutralise_cell: a quote before text a spreadsheet would read as a formula.

    Text starting with an ASCII letter or digit (most ids and emails) skips the regular
    expression: neither is a formula sign nor whitespace.
    """
    plain = f"ascii({text}) BETWEEN 65 AND 127 OR ascii({text}) BETWEEN 48 AND 57"
    formula = f"{text} ~ %(formula_start)s"
    return f"CASE WHEN {plain} THEN {text} WHEN {formula} THEN '''' || {text} ELSE {text} END"


def stripped(text: str) -> str:
    """str.strip()."""
    return f"btrim({text}, %(py_whitespace)s)"


def ascii_lower(text: str) -> str:
    """str.lower() for ASCII text (the C collation leaves every other character alone)."""
    return f'lower({text} COLLATE "C")'


def ascii_upper(text: str) -> str:
    return f'upper({text} COLLATE "C")'


def is_ascii(text: str) -> str:
    return f"octet_length({text}) = length({text})"


def sha256_hex(text: str) -> str:
    """campaigns.hash_identifier: the SHA-256 hex digest of the UTF-8 text; '' stays ''."""
    return (
        f"CASE WHEN {text} = '' THEN '' ELSE encode(sha256(convert_to({text}, 'UTF8')), 'hex') END"
    )


def yes_no(flag: str) -> str:
    return f"CASE WHEN {flag} THEN 'yes' ELSE 'no' END"
