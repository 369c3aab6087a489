"""Every text the validator produces, written once.

The engine's violation messages and compile errors are part of its contract (spec §2, §5,
§7): a local result must equal the gateway's byte for byte. Both validation paths use the
templates below: the reference closures fill them with :meth:`Template.format`, and the
code generator splits them with :attr:`Template.pieces` into literal text and holes, which
it fills with pre-rendered constants or run-time expressions. So a wording lives in one
place and cannot drift between the paths.

Holes are ``{name}`` fields of :meth:`str.format` (no format specs); a hole's value is
always already rendered text (``render_f64``, ``render_debug_str``, a JSON type word …).
"""

from __future__ import annotations

import string
from typing import Optional, Tuple

from .violations import Violation, ViolationKind

__all__ = ["Template"]


class Template:
    """One message: its text with ``{hole}`` fields and, for violations, its kind."""

    __slots__ = ("holes", "kind", "pieces", "text")

    def __init__(self, text: str, kind: Optional[ViolationKind] = None) -> None:
        self.text = text
        self.kind = kind
        pieces = []
        for literal, hole, spec, conversion in string.Formatter().parse(text):
            if spec or conversion:
                raise ValueError(f"template holes take no format spec: {text!r}")
            pieces.append((literal, hole))
        #: ``(literal, hole name or None)`` pairs, in order.
        self.pieces: Tuple[Tuple[str, Optional[str]], ...] = tuple(pieces)
        self.holes = frozenset(h for _, h in pieces if h is not None)

    def format(self, **holes: object) -> str:
        """The message with every hole filled (each value as ``str()``)."""
        return self.text.format(**holes)

    def violation(self, at: str, /, **holes: object) -> Violation:
        """A :class:`Violation` of this template's kind whose ``field`` is ``at``."""
        assert self.kind is not None, self.text
        return Violation(at, self.text.format(**holes), self.kind)

    def __repr__(self) -> str:
        return f"Template({self.text!r}, {self.kind!r})"


K = ViolationKind

# -- one event: the ontology walk (spec §4, §5) ----------------------------------------

ROOT = Template("Event must be a JSON object", K.TYPE_MISMATCH)
#: ``name`` is the bare field name; the violation's ``field`` is the full path (§4.8).
MISSING = Template("Required field '{name}' is missing", K.MISSING_REQUIRED_FIELD)
TYPE = Template("Field '{path}' expected type {expected}, got {got}", K.TYPE_MISMATCH)
LENGTH_MIN = Template("Field '{path}' length {length} is below minimum {min}", K.LENGTH_VIOLATION)
LENGTH_MAX = Template("Field '{path}' length {length} exceeds maximum {max}", K.LENGTH_VIOLATION)
PATTERN = Template(
    "Field '{path}' value {value} does not match required pattern", K.PATTERN_MISMATCH
)
DATE = Template(
    "Field '{path}' value {value} is not a valid calendar date (expected YYYY-MM-DD)",
    K.PATTERN_MISMATCH,
)
RANGE_MIN = Template("Field '{path}' value {value} is below minimum {min}", K.RANGE_VIOLATION)
RANGE_MAX = Template("Field '{path}' value {value} exceeds maximum {max}", K.RANGE_VIOLATION)
ENUM = Template("Field '{path}' value {value} not in allowed set: {allowed}", K.ENUM_VIOLATION)

# -- after the walk: metrics, quality rules, compliance mode (§4.9-§4.11) -------------

METRIC_MISSING = Template(
    "Metric '{name}' field '{field}' is missing or not numeric", K.MISSING_REQUIRED_FIELD
)
METRIC_MIN = Template(
    "Metric '{name}' value {value} is below minimum {min} (field: '{field}')",
    K.METRIC_RANGE_VIOLATION,
)
METRIC_MAX = Template(
    "Metric '{name}' value {value} exceeds maximum {max} (field: '{field}')",
    K.METRIC_RANGE_VIOLATION,
)
COMPLETENESS_ABSENT = Template(
    "Quality completeness: field '{field}' is absent or null", K.COMPLETENESS_VIOLATION
)
COMPLETENESS_EMPTY = Template(
    "Quality completeness: field '{field}' is an empty string", K.COMPLETENESS_VIOLATION
)
FRESHNESS_NOT_TIMESTAMP = Template(
    "Quality freshness: field '{field}' is not a numeric Unix timestamp", K.FRESHNESS_VIOLATION
)
FRESHNESS_AGE = Template(
    "Quality freshness: field '{field}' timestamp is {age}s old (max {max}s)",
    K.FRESHNESS_VIOLATION,
)
UNDECLARED = Template(
    "Field '{field}' is not declared in the contract ontology. "
    "Compliance mode rejects undeclared fields.",
    K.UNDECLARED_FIELD,
)

# -- whole requests: batch uniqueness and envelopes (§7) -------------------------------

UNIQUENESS = Template(
    "Quality uniqueness: duplicate value {value} for field '{field}' in batch",
    K.UNIQUENESS_VIOLATION,
)
ENVELOPE_NOT_OBJECT = Template("Envelope payload must be a JSON object", K.TYPE_MISMATCH)
ENVELOPE_KEY_MISSING = Template("Envelope key '{key}' is missing", K.MISSING_REQUIRED_FIELD)
ENVELOPE_KEY_TYPE = Template("Envelope key '{key}' must be an array, got {got}", K.TYPE_MISMATCH)
WRAPPER_MISSING = Template("Wrapper field '{name}' is missing", K.MISSING_REQUIRED_FIELD)
#: ``expected`` is ``boolean`` (``success``) or ``an object`` (``pagination``).
WRAPPER_TYPE = Template("Wrapper field '{name}' must be {expected}, got {got}", K.TYPE_MISMATCH)
PAGINATION_MISSING = Template(
    "Wrapper pagination field '{name}' is missing", K.MISSING_REQUIRED_FIELD
)
#: ``expected`` is ``a number`` (``page``, ``limit``, ``total``) or ``boolean`` (``hasMore``).
PAGINATION_TYPE = Template(
    "Wrapper pagination field '{name}' must be {expected}, got {got}", K.TYPE_MISMATCH
)

# -- compile errors (§2.2, §2.3) ---------------------------------------------------------

INVALID_REGEX = Template("Invalid regex '{pattern}' for field '{path}': {error}")
TRANSFORM_TYPE = Template(
    "Field '{path}' declares a PII transform but has type '{type}' — transforms are only "
    "supported on string fields. If this field holds PII, change its type to 'string'."
)
PATTERN_TOO_LONG = Template(
    "Invalid regex for field '{path}': the pattern is {size} bytes long; contractgate "
    "compiles patterns of at most {limit} bytes (no gateway can store a longer one: "
    "contract bodies are capped at 1 MiB)"
)
