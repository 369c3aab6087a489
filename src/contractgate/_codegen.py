"""Generate specialised Python source for one contract (the compiled validator).

:func:`generate` turns a contract's ontology into the source of two functions, compiled
once with ``exec``:

* ``validate(event, *, now=None) -> ValidationResult`` — straight-line code per field
  that collects every violation in the engine's order (spec §4, §6), or
* ``is_valid(event, *, now=None) -> bool`` — the same checks, returning ``False`` at the
  first failure (generated on first use, so compiling a contract pays for one function).

Every check is inlined: the exact-type fast tests (``type(v) is str``) come first and the
general helpers (subclasses, big ints, non-JSON values) run only when they miss. Field
names are string literals; patterns, bounds, enum sets and pre-rendered messages are
closure cells of a factory function. Messages that depend on the value are built only on
the failure branch, so a passing event allocates nothing and returns a shared result.

Metrics, quality rules and compliance mode (rare, after the ontology walk) reuse the
specialised closures from ``_compiler``. The code is written for Python 3.9+.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ["GeneratedValidator", "generate"]

_I64_MIN = -(2**63)
_U64_MAX = 2**64 - 1


class GeneratedValidator:
    """The product of :func:`generate`: the function and its source text."""

    __slots__ = ("function", "source")

    def __init__(self, function: Callable[..., Any], source: str) -> None:
        self.function = function
        self.source = source


class _Path:
    """A value's path: known at compile time (``text``) or computed at run time (``expr``,
    a Python expression; only below array elements)."""

    __slots__ = ("expr", "text")

    def __init__(self, text: Optional[str], expr: Optional[str] = None) -> None:
        self.text = text
        self.expr = expr

    def child(self, name: str) -> _Path:
        # The engine joins with "." only under a non-empty parent path (spec §4.8).
        if self.text is not None:
            return _Path(f"{self.text}.{name}" if self.text else name)
        return _Path(None, f"({self.expr} + {('.' + name)!r})")

    def item(self, index_var: str) -> _Path:
        base = repr(self.text) if self.text is not None else self.expr
        return _Path(None, f"({base} + '[' + str({index_var}) + ']')")

    def code(self) -> str:
        return repr(self.text) if self.text is not None else str(self.expr)


_Part = Tuple[bool, str]  # (is_literal, text or expression)


def _concat(parts: Sequence[_Part]) -> str:
    """A Python expression concatenating literal text and expressions (literals folded)."""
    folded: List[_Part] = []
    for lit, text in parts:
        if lit and folded and folded[-1][0]:
            folded[-1] = (True, folded[-1][1] + text)
        else:
            folded.append((lit, text))
    return " + ".join(repr(t) if lit else t for lit, t in folded) or "''"


class _Emitter:
    def __init__(
        self,
        patterns: Dict[str, Callable[[str], Any]],
        null_as_absent: bool,
        helpers: Dict[str, Any],
        fail_fast: bool,
    ) -> None:
        self.patterns = patterns
        self.null_as_absent = null_as_absent
        self.dynamic_patterns = any("[" in p for p in patterns)
        self.h = helpers
        self.fail_fast = fail_fast
        self.lines: List[str] = []
        self.consts: Dict[str, Any] = {}
        self._const_ids: Dict[int, str] = {}
        self._n = 0

    # -- plumbing -------------------------------------------------------------------

    def var(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def const(self, value: Any, stem: str = "c") -> str:
        key = id(value)
        name = self._const_ids.get(key)
        if name is None or self.consts.get(name) is not value:
            name = self.var("_" + stem)
            self.consts[name] = value
            self._const_ids[key] = name
        return name

    def emit(self, ind: int, line: str) -> None:
        self.lines.append("    " * ind + line)

    def fail(self, ind: int, path: _Path, kind: str, msg: Sequence[_Part]) -> None:
        """Report a violation (or stop, in fail-fast mode)."""
        if self.fail_fast:
            self.emit(ind, "return False")
            return
        if path.text is not None and all(lit for lit, _ in msg):
            viol = self.h["Violation"](path.text, "".join(t for _, t in msg), self.h[kind])
            self.emit(ind, f"out.append({self.const(viol, 'v')})")
        else:
            self.emit(ind, f"out.append(Violation({path.code()}, {_concat(msg)}, {kind}))")

    def block(self, ind: int, start: int) -> None:
        """Make sure the block opened before ``start`` has a statement."""
        if len(self.lines) == start:
            self.emit(ind, "pass")

    # -- fields ---------------------------------------------------------------------

    def field(self, fd: Any, obj: str, parent: _Path, ind: int) -> None:
        """Look ``fd.name`` up in the dict ``obj`` and check it (spec §4.2)."""
        path = parent.child(fd.name)
        v = self.var("v")
        self.emit(ind, f"{v} = {obj}.get({fd.name!r}, _MISSING)")
        absent = f"{v} is _MISSING or {v} is None" if self.null_as_absent else f"{v} is _MISSING"
        if fd.required:
            self.emit(ind, f"if {absent}:")
            missing: List[_Part] = [(True, f"Required field '{fd.name}' is missing")]
            self.fail(ind + 1, path, "_K_MISSING", missing)
            self.emit(ind, "else:")
        else:
            self.emit(ind, f"if not ({absent}):")
        start = len(self.lines)
        self.value(fd, v, path, ind + 1)
        self.block(ind + 1, start)

    def value(self, fd: Any, v: str, path: _Path, ind: int) -> None:
        """Checks on one present value, in the order of spec §4.2.1."""
        ft = fd.type.value
        type_name = fd.type.variant_name
        if ft in ("string", "date"):
            bad = f"type({v}) is not str and not isinstance({v}, str)"
        elif ft == "integer":
            bad = (
                f"not ((type({v}) is int and {_I64_MIN} <= {v} <= {_U64_MAX}) "
                f"or _accepts_integer({v}))"
            )
        elif ft == "float":
            bad = (
                f"not (type({v}) is int or (type({v}) is float and {v} - {v} == 0.0) "
                f"or _accepts_number({v}))"
            )
        elif ft == "boolean":
            bad = f"{v} is not True and {v} is not False"
        elif ft == "object":
            bad = f"type({v}) is not dict and not isinstance({v}, dict)"
        elif ft == "array":
            bad = f"type({v}) is not list and not isinstance({v}, (list, tuple))"
        else:  # any: everything passes, but a non-JSON Python value is an error
            bad = ""
            self.emit(ind, f"if type({v}) is not str:")
            self.emit(ind + 1, f"_jtype({v})")
        if bad:
            self.emit(ind, f"if {bad}:")
            self.fail(
                ind + 1,
                path,
                "_K_TYPE",
                self._msg(
                    path, [(True, f" expected type {type_name}, got "), (False, f"_jtype({v})")]
                ),
            )
            self.emit(ind, "else:")
            ind += 1
        start = len(self.lines)
        self.strings(fd, v, path, ind, ft)
        self.numbers(fd, v, path, ind, ft)
        self.enum(fd, v, path, ind)
        if ft == "object" and fd.properties is not None:
            for prop in fd.properties:
                self.field(prop, v, path, ind)
        if ft == "array" and fd.items is not None:
            item = self.var("x")
            needs_index = not self.fail_fast or self.dynamic_patterns
            if needs_index:
                i = self.var("i")
                self.emit(ind, f"for {i}, {item} in enumerate({v}):")
                item_path = path.item(i)
            else:
                self.emit(ind, f"for {item} in {v}:")
                item_path = _Path(None, "''")
            s2 = len(self.lines)
            self.value(fd.items, item, item_path, ind + 1)
            self.block(ind + 1, s2)
        if bad and len(self.lines) == start:
            self.lines.pop()  # the type check was the only check: drop the empty "else:"

    def _msg(self, path: _Path, middle: Sequence[_Part]) -> List[_Part]:
        if path.text is not None:
            return [(True, f"Field '{path.text}'"), *middle]
        return [(True, "Field '"), (False, path.code()), (True, "'"), *middle]

    def strings(self, fd: Any, v: str, path: _Path, ind: int, ft: str) -> None:
        if ft not in ("string", "date", "any"):
            return  # only a string value gets these checks, and the type check excluded it
        has_len = fd.min_length is not None or fd.max_length is not None
        matcher: Optional[Callable[[str], Any]] = None
        dynamic = False
        if path.text is not None:
            matcher = self.patterns.get(path.text)
        else:
            dynamic = self.dynamic_patterns
        is_date = ft == "date"
        if not (has_len or matcher is not None or dynamic or is_date):
            return
        if ft == "any":
            self.emit(ind, f"if isinstance({v}, str):")
            ind += 1
        if has_len:
            n = self.var("n")
            self.emit(ind, f"{n} = len({v}) if {v}.isascii() else _utf8_len({v})")
            if fd.min_length is not None:
                self.emit(ind, f"if {n} < {int(fd.min_length)}:")
                self.fail(
                    ind + 1,
                    path,
                    "_K_LENGTH",
                    self._msg(
                        path,
                        [
                            (True, " length "),
                            (False, f"str({n})"),
                            (True, f" is below minimum {fd.min_length}"),
                        ],
                    ),
                )
            if fd.max_length is not None:
                self.emit(ind, f"if {n} > {int(fd.max_length)}:")
                self.fail(
                    ind + 1,
                    path,
                    "_K_LENGTH",
                    self._msg(
                        path,
                        [
                            (True, " length "),
                            (False, f"str({n})"),
                            (True, f" exceeds maximum {fd.max_length}"),
                        ],
                    ),
                )
        pattern_msg = self._msg(
            path,
            [
                (True, " value "),
                (False, f"_render_debug_str({v})"),
                (True, " does not match required pattern"),
            ],
        )
        if matcher is not None:
            self.emit(ind, f"if not {self.const(matcher, 'm')}({v}):")
            self.fail(ind + 1, path, "_K_PATTERN", pattern_msg)
        elif dynamic:
            m = self.var("m")
            self.emit(ind, f"{m} = _patterns.get({path.code()})")
            self.emit(ind, f"if {m} is not None and not {m}({v}):")
            self.fail(ind + 1, path, "_K_PATTERN", pattern_msg)
        if is_date:
            self.emit(ind, f"if not _is_valid_date({v}):")
            self.fail(
                ind + 1,
                path,
                "_K_PATTERN",
                self._msg(
                    path,
                    [
                        (True, " value "),
                        (False, f"_render_debug_str({v})"),
                        (True, " is not a valid calendar date (expected YYYY-MM-DD)"),
                    ],
                ),
            )

    def numbers(self, fd: Any, v: str, path: _Path, ind: int, ft: str) -> None:
        lo, hi = fd.min, fd.max
        if (lo is None and hi is None) or ft not in ("integer", "float", "any"):
            return
        if ft == "any":
            self.emit(ind, f"if _is_number({v}):")
            ind += 1
        x = self.var("f")
        if ft == "integer":
            # The type check admitted only ints in the u64/i64 range: float() is exact f64
            # conversion (round half to even), as _f64 would do.
            self.emit(ind, f"{x} = float({v})")
        elif ft == "float":
            self.emit(ind, f"{x} = {v} if type({v}) is float else _f64({v})")
        else:
            self.emit(ind, f"if type({v}) is float:")
            self.emit(ind + 1, f"{x} = {v}")
            self.emit(ind, f"elif type({v}) is int and {_I64_MIN} <= {v} <= {_U64_MAX}:")
            self.emit(ind + 1, f"{x} = float({v})")
            self.emit(ind, "else:")
            self.emit(ind + 1, f"{x} = _f64({v})")
        render_f64 = self.h["render_f64"]
        if lo is not None:
            self.emit(ind, f"if {x} < {self.const(lo, 'lo')}:")
            self.fail(
                ind + 1,
                path,
                "_K_RANGE",
                self._msg(
                    path,
                    [
                        (True, " value "),
                        (False, f"_render_f64({x})"),
                        (True, f" is below minimum {render_f64(lo)}"),
                    ],
                ),
            )
        if hi is not None:
            self.emit(ind, f"if {x} > {self.const(hi, 'hi')}:")
            self.fail(
                ind + 1,
                path,
                "_K_RANGE",
                self._msg(
                    path,
                    [
                        (True, " value "),
                        (False, f"_render_f64({x})"),
                        (True, f" exceeds maximum {render_f64(hi)}"),
                    ],
                ),
            )

    def enum(self, fd: Any, v: str, path: _Path, ind: int) -> None:
        if fd.enum is None:
            return
        enum = fd.enum
        render_json = self.h["render_json"]
        allowed = "[" + ", ".join(render_json(e) for e in enum) + "]"
        keys = frozenset(k for k in (self.h["_enum_key"](e) for e in enum) if k is not None)
        containers = tuple(e for e in enum if isinstance(e, (dict, list, tuple)))
        strs = frozenset(e for e in enum if type(e) is str)
        k_name = self.const(keys, "keys")
        c_name = self.const(containers, "cont")
        s_name = self.const(strs, "strs")
        self.emit(
            ind,
            f"if not ({v} in {s_name} if type({v}) is str else _enum_ok({v}, {k_name}, {c_name})):",
        )
        self.fail(
            ind + 1,
            path,
            "_K_ENUM",
            self._msg(
                path,
                [
                    (True, " value "),
                    (False, f"_render_value({v})"),
                    (True, f" not in allowed set: {allowed}"),
                ],
            ),
        )


def _function(em: _Emitter, entities: Sequence[Any], has_tail: bool, name: str) -> List[str]:
    em.lines = []
    root = _Path("")
    # Root (spec §4.1): dict subclasses are objects; anything else is the root violation.
    em.emit(1, f"def {name}(event, *, now=None):")
    em.emit(2, "if type(event) is not dict and not isinstance(event, dict):")
    em.emit(3, "_jtype(event)")
    em.emit(3, "return False" if em.fail_fast else "return _ROOT_RESULT")
    if not em.fail_fast:
        em.emit(2, "out = []")
    for fd in entities:
        em.field(fd, "event", root, 2)
    if em.fail_fast:
        if has_tail:
            em.emit(2, "tail = []")
            em.emit(2, "_tail(event, tail, now)")
            em.emit(2, "return not tail")
        else:
            em.emit(2, "return True")
    else:
        if has_tail:
            em.emit(2, "_tail(event, out, now)")
        em.emit(2, "if out:")
        em.emit(3, "return _failed(tuple(out))")
        em.emit(2, "return _PASSED")
    return em.lines


def generate(
    entities: Sequence[Any],
    patterns: Dict[str, Callable[[str], Any]],
    null_as_absent: bool,
    tail: Optional[Callable[[Any, List[Any], Any], None]],
    helpers: Dict[str, Any],
    *,
    fail_fast: bool = False,
    filename: str = "<contractgate>",
) -> GeneratedValidator:
    """Generate and compile ``validate`` (all violations) or, with ``fail_fast``,
    ``is_valid`` (first failure) for ``entities``.

    ``patterns`` is the path-keyed map of match callables (spec §2.2); ``tail`` runs
    metrics, quality rules and compliance mode (or is None when the contract has none);
    ``helpers`` are the run-time helpers and constants from ``_compiler``.
    """
    name = "is_valid" if fail_fast else "validate"
    em = _Emitter(patterns, null_as_absent, helpers, fail_fast=fail_fast)
    body = _function(em, entities, tail is not None, name)
    consts: Dict[str, Any] = dict(helpers)
    consts.update(em.consts)
    consts["_tail"] = tail
    consts["_patterns"] = patterns
    params = ", ".join(sorted(consts))
    source = "\n".join([f"def _factory({params}):", *body, f"    return {name}", ""])
    namespace: Dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    return GeneratedValidator(namespace["_factory"](**consts), source)
