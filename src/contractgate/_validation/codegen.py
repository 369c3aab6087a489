"""Generate specialised Python source for one contract (the compiled validator).

:func:`generate` turns a contract's ontology into the source of a function, compiled
once with ``exec``:

* ``validate(event, now=None) -> ValidationResult`` — straight-line code per field
  that collects every violation in the engine's order (spec §4, §6);
* ``is_valid(event, now=None) -> bool`` — the same checks, returning ``False`` at the
  first failure (generated on first use, so compiling a contract pays for one function);
* ``validate_json(raw, now=None) -> ValidationResult`` — ``validate``'s checks after
  decoding the text, in one function (also generated on first use).

Each top-level field is first tested by its *pass expression*: one boolean expression,
True only when the field certainly passes (exact types, every check inlined, values bound
with ``:=``, patterns of the ``^[a-z0-9_]+$`` kind as ``str.strip``). Only when it says
no does the field's *checking code* run: exact-type tests first, the general helpers
(subclasses, big ints, non-JSON values) when they miss, and messages built on the failure
branch. The list of violations is created by the first failing field, so a passing event
allocates nothing and returns a shared result. The pass expression may be conservative
(False for a value that passes): the checking code then decides, so verdicts, messages
and order come from one place. Field names are string literals; patterns, bounds, enum
sets and pre-rendered messages are the globals of the generated module. Message texts are
the templates of :mod:`.messages`, shared with the reference path.

Metrics, quality rules and compliance mode (rare, after the ontology walk) reuse the
closures of :mod:`.rules`. The code is written for Python 3.9+.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, cast

from . import messages as M

__all__ = ["GeneratedValidator", "generate", "pass_function"]

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

#: ``(chars, min, max)``: a pattern that is a run of one small ASCII class
#: (``contractgate._validation.regex.char_run``).
CharRun = Tuple[str, int, Optional[int]]

# The pass expression gives up (is ``False``: the checking code decides) below this many
# nested objects/arrays, far from the parser's limit on nested parentheses.
_MAX_PASS_DEPTH = 12


#: The renderings a pending violation's message may apply to its value (``_a``), and
#: the helper each names: ``_a`` itself is already text (a JSON type word).
_RENDERINGS = {
    "_a": "_as_text",
    "str(_a)": "_str",
    "_render_debug_str(_a)": "_render_debug_str",
    "_render_f64(_a)": "_render_f64",
    "_render_value(_a)": "_render_value",
}

# The other exact types an ``any`` value may have (``tuple`` and subclasses: checking code).
_ANY_OTHER = frozenset({bool, type(None), dict, list})
_ANY_OTHER_NOT_NULL = _ANY_OTHER - {type(None)}


def _and(parts: Sequence[str]) -> str:
    """``a and b and ...`` with constant parts folded (``"True"``/``"False"``)."""
    kept = [p for p in parts if p != "True"]
    if "False" in kept:
        return "False"
    if not kept:
        return "True"
    return kept[0] if len(kept) == 1 else "(" + " and ".join(kept) + ")"


def _or(a: str, b: str) -> str:
    if a == "True" or b == "True":
        return "True"
    if b == "False":
        return a
    return f"({a} or {b})"


def _lit(text: object) -> _Part:
    return (True, str(text))


def _expr(code: str) -> _Part:
    return (False, code)


def _fill(template: M.Template, holes: Dict[str, _Part]) -> List[_Part]:
    """The template's pieces with its holes replaced by ``holes`` (literal text or
    expressions); every hole must be given."""
    parts: List[_Part] = []
    for literal, hole in template.pieces:
        if literal:
            parts.append((True, literal))
        if hole is not None:
            parts.append(holes[hole])
    return parts


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
        runs: Optional[Dict[str, CharRun]] = None,
    ) -> None:
        self.patterns = patterns
        self.runs = runs or {}
        self.null_as_absent = null_as_absent
        self.dynamic_patterns = any("[" in p for p in patterns)
        self.h = helpers
        self.fail_fast = fail_fast
        self.lines: List[str] = []
        #: Helper functions the expressions call, defined in the generated module (see ``every``).
        self.defs: List[str] = []
        self.consts: Dict[str, Any] = {}
        self._const_ids: Dict[int, str] = {}
        self._enum_names: Dict[int, Tuple[str, str, str]] = {}
        self._makers: Dict[Tuple[Any, ...], str] = {}
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

    def fail(
        self,
        ind: int,
        path: _Path,
        template: M.Template,
        classify: Optional[str] = None,
        *,
        arg: Optional[str] = None,
        when: Optional[str] = None,
        **holes: _Part,
    ) -> None:
        """Report a violation of ``template`` at ``path`` (or stop, in fail-fast mode).
        ``holes`` fill the template (``path`` is filled from ``path`` when it has one):
        literal text, or Python expressions of ``_a``, the value of the expression
        ``arg`` (an immutable value: a ``str``, number or None).

        The violation is not built here: the failing result holds ``(maker, path, arg)``
        and builds it when its violations are first read (``pending_result``). ``when``
        is the condition under which ``arg`` may wait (``type(v) is str``: a ``str``
        subclass is rendered now). A violation without holes at a known path is one
        shared constant.

        ``classify`` is a statement run in fail-fast mode before stopping: the part of
        the message that may raise a typed error for a value without a JSON form (a
        ``set``, an int beyond f64), so that ``is_valid`` raises where the reference
        path, which builds the message, does. ``validate`` computes ``arg`` eagerly,
        and non-``when`` values are rendered eagerly, so it raises there too."""
        if self.fail_fast:
            if classify is not None:
                self.emit(ind, classify)
            self.emit(ind, "return False")
            return
        if "path" in template.holes:
            holes["path"] = (True, path.text) if path.text is not None else (False, "_p")
        msg = _fill(template, holes)
        if path.text is not None and all(lit for lit, _ in msg):
            viol = self.h["Violation"](path.text, "".join(t for _, t in msg), template.kind)
            self.emit(ind, f"out.append({self.const(viol, 'v')})")
            return
        maker = self.maker(msg, template.kind)
        at, value = path.code(), arg or "None"
        pending = f"({maker}, {at}, {value})"
        if when is not None:
            self.emit(ind, f"out.append({pending} if {when} else {maker}({at}, {value}))")
        else:
            self.emit(ind, f"out.append({pending})")

    def maker(self, msg: Sequence[_Part], kind: Any) -> str:
        """A callable ``(path, value) -> Violation`` for the message ``msg``: literal text,
        ``_p`` (the path) and at most one rendering of ``_a`` (the value), in that order.
        It is ``functools.partial(make_violation, …)`` (no generated code: a contract
        has many failure sites), shared by equal sites."""
        pieces: List[str] = [""]
        use_path = False
        render: Optional[str] = None
        for lit, text in msg:
            if lit:
                pieces[-1] += text
            elif text == "_p" and not use_path and render is None and len(pieces) == 1:
                use_path = True
                pieces.append("")
            elif render is None and text in _RENDERINGS:
                render = _RENDERINGS[text]
                pieces.append("")
            else:  # pragma: no cover - every template has this shape
                raise AssertionError(f"unexpected message part {text!r}")
        head = pieces[0]
        mid = pieces[1] if use_path else ""
        tail = pieces[-1] if render is not None else ""
        renderer = None if render is None else self.h[render]
        key = (kind, head, use_path, mid, renderer, tail)
        name = self._makers.get(key)
        if name is None:
            name = self.const(
                self.h["_partial"](self.h["_make_violation"], kind, head, use_path, mid,
                                   renderer, tail),
                "mk",
            )
            self._makers[key] = name
        return name

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
            self.fail(ind + 1, path, M.MISSING, name=_lit(fd.name))
            self.emit(ind, "else:")
        else:
            self.emit(ind, f"if not ({absent}):")
        start = len(self.lines)
        self.value(fd, v, path, ind + 1)
        self.block(ind + 1, start)

    def guarded_field(
        self, fd: Any, obj: str, parent: _Path, ind: int, first: bool = False
    ) -> None:
        """The field's checking code under ``if not (<pass expression>):`` (directly when
        the expression cannot tell). ``first``: the top level, where the first failing
        field creates ``out``."""
        passes = self.pass_field(fd, obj, parent, 0)
        if passes == "True":
            return
        if passes != "False":
            self.emit(ind, f"if not ({passes}):")
            ind += 1
        if first and not self.fail_fast:
            self.emit(ind, "if out is None:")
            self.emit(ind + 1, "out = []")
        self.field(fd, obj, parent, ind)

    def value(self, fd: Any, v: str, path: _Path, ind: int) -> None:
        """Checks on one present value, in the order of spec §4.2.1."""
        ft = fd.type.value
        type_name = fd.type.variant_name
        if ft in ("string", "date"):
            bad = f"type({v}) is not str and not isinstance({v}, str)"
        elif ft == "integer":
            bad = (
                f"not ((type({v}) is int and {_I64_MIN} <= {v} <= {_U64_MAX}) "
                f"or (type({v}) not in _NOT_INTEGER and _accepts_integer({v})))"
            )
        elif ft == "float":
            bad = (
                f"not ((type({v}) is int and {_I64_MIN} <= {v} <= {_U64_MAX}) "
                f"or (type({v}) is float and {v} - {v} == 0.0) "
                f"or (type({v}) not in _NOT_NUMBER and _accepts_number({v})))"
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
                M.TYPE,
                f"_jtype({v})",
                arg=f"(_TYPE_NAMES.get(type({v})) or _jtype({v}))",
                expected=_lit(type_name),
                got=_expr("_a"),
            )
            self.emit(ind, "else:")
            ind += 1
        start = len(self.lines)
        self.strings(fd, v, path, ind, ft)
        self.numbers(fd, v, path, ind, ft)
        self.enum(fd, v, path, ind)
        if ft == "object" and fd.properties is not None:
            for prop in fd.properties:
                self.guarded_field(prop, v, path, ind)
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
            passes = self.pass_value(fd.items, item, item, item_path, 0)
            if passes != "True":
                inner = ind + 1
                if passes != "False":  # only the failing items run their checking code
                    self.emit(ind + 1, f"if not ({passes}):")
                    inner = ind + 2
                s3 = len(self.lines)
                self.value(fd.items, item, item_path, inner)
                self.block(inner, s3)
            self.block(ind + 1, s2)
        if bad and len(self.lines) == start:
            self.lines.pop()  # the type check was the only check: drop the empty "else:"

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
            length = _expr("str(_a)")
            if fd.min_length is not None:
                self.emit(ind, f"if {n} < {int(fd.min_length)}:")
                self.fail(
                    ind + 1, path, M.LENGTH_MIN, arg=n, length=length, min=_lit(fd.min_length)
                )
            if fd.max_length is not None:
                self.emit(ind, f"if {n} > {int(fd.max_length)}:")
                self.fail(
                    ind + 1, path, M.LENGTH_MAX, arg=n, length=length, max=_lit(fd.max_length)
                )
        shown = _expr("_render_debug_str(_a)")
        exact = f"type({v}) is str"
        if matcher is not None:
            test = f"{self.const(matcher, 'm')}({v})"
            if path.text in self.runs:  # the inline test when the type allows it
                test = f"({self.match(path, v)} if {exact} else {test})"
            self.emit(ind, f"if not {test}:")
            self.fail(ind + 1, path, M.PATTERN, arg=v, when=exact, value=shown)
        elif dynamic:
            m = self.var("m")
            self.emit(ind, f"{m} = _patterns.get({path.code()})")
            self.emit(ind, f"if {m} is not None and not {m}({v}):")
            self.fail(ind + 1, path, M.PATTERN, arg=v, when=exact, value=shown)
        if is_date:
            self.emit(ind, f"if not _is_valid_date({v}):")
            self.fail(ind + 1, path, M.DATE, arg=v, when=exact, value=shown)

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
        shown = _expr("_render_f64(_a)")
        if lo is not None:
            self.emit(ind, f"if {x} < {self.const(lo, 'lo')}:")
            self.fail(ind + 1, path, M.RANGE_MIN, arg=x, value=shown, min=_lit(render_f64(lo)))
        if hi is not None:
            self.emit(ind, f"if {x} > {self.const(hi, 'hi')}:")
            self.fail(ind + 1, path, M.RANGE_MAX, arg=x, value=shown, max=_lit(render_f64(hi)))

    def enum_sets(self, fd: Any) -> Tuple[str, str, str]:
        """Names of the enum's hashed keys, its containers and its strings (cached per
        field, shared by the checking code and the pass expression)."""
        got = self._enum_names.get(id(fd))
        if got is None:
            enum = fd.enum
            keys, containers = self.h["_enum_sets"](enum)
            strs = frozenset(e for e in enum if type(e) is str)
            got = (
                self.const(keys, "keys"),
                self.const(containers, "cont"),
                self.const(strs, "strs"),
            )
            self._enum_names[id(fd)] = got
        return got

    def enum(self, fd: Any, v: str, path: _Path, ind: int) -> None:
        if fd.enum is None:
            return
        allowed = self.h["_allowed_text"](fd.enum)
        k_name, c_name, s_name = self.enum_sets(fd)
        self.emit(
            ind,
            f"if not ({v} in {s_name} if type({v}) is str else _enum_ok({v}, {k_name}, {c_name})):",
        )
        self.fail(
            ind + 1,
            path,
            M.ENUM,
            # (a non-ASCII str is rendered now: a lone surrogate has no JSON form)
            f"if type({v}) is not str or not {v}.isascii(): _render_value({v})",
            arg=v,
            when=f"type({v}) is str and {v}.isascii()",
            value=_expr("_render_value(_a)"),
            allowed=_lit(allowed),
        )

    # -- the pass expression ----------------------------------------------------------
    #
    # One boolean expression per contract that is True only when the event certainly
    # passes: exact types only (``type(v) is str``, no subclasses, no big ints), every
    # check of the checking code as a condition, values bound with ``:=``. It may say
    # False for an event that passes (a ``str`` subclass, an ``any`` field holding a
    # number, a too-deep nesting): the checking code then runs and decides. So a passing
    # event costs one expression, and the messages and order come from one place.

    def match(self, path: _Path, v: str) -> str:
        """The expression testing ``v`` (exactly a ``str``: its methods are the builtin
        ones) against the static pattern at ``path``."""
        assert path.text is not None
        run = self.runs.get(path.text)
        if run is None:
            return f"{self.const(self.patterns[path.text], 'm')}({v})"
        chars, lo, hi = run
        strip = f"not {v}.strip({chars!r})"
        if hi is not None:
            return f"({lo} <= len({v}) <= {hi} and {strip})"
        if lo == 0:
            return strip
        if lo == 1:
            return f"({v} and {strip})"
        return f"(len({v}) >= {lo} and {strip})"

    def pass_field(self, fd: Any, obj: str, parent: _Path, depth: int) -> str:
        path = parent.child(fd.name) if parent.text is not None else _Path(None, "''")
        v = self.var("p")
        if fd.required:
            # A missing field reads as None (no exact type test admits it; ``any`` does).
            # With null_as_absent a required null is missing: ``any`` must not admit it.
            dflt = ", _MISSING" if fd.type.value == "any" else ""
            first = f"({v} := {obj}.get({fd.name!r}{dflt}))"
            return self.pass_value(fd, v, first, path, depth, not self.null_as_absent)
        if self.null_as_absent:
            absent = f"({v} := {obj}.get({fd.name!r})) is None"
        else:
            absent = f"({v} := {obj}.get({fd.name!r}, _MISSING)) is _MISSING"
        return _or(absent, self.pass_value(fd, v, v, path, depth))

    def pass_value(
        self, fd: Any, v: str, first: str, path: _Path, depth: int, null_ok: bool = True
    ) -> str:
        """True only if the value ``v`` passes every check of ``fd``; ``first`` is the
        expression to use at the first mention of ``v`` (it may bind it)."""
        if depth > _MAX_PASS_DEPTH:
            return "False"
        ft = fd.type.value
        parts: List[str] = []
        if ft == "any":
            return self.pass_any(fd, v, first, path, null_ok)
        if ft in ("string", "date"):
            parts.append(f"type({first}) is str")
            parts.extend(self.pass_strings(fd, v, path, ft))
        elif ft == "integer":
            parts.append(f"type({first}) is int and {_I64_MIN} <= {v} <= {_U64_MAX}")
            rng = self.pass_range(fd, f"float({v})")
            if rng:
                parts.append(rng)
        elif ft == "float":
            # Ints beyond 64 bits go to the checking code (serde_json's float, or "number
            # out of range" beyond f64).
            as_float = _and([f"{v} - {v} == 0.0", self.pass_range(fd, v) or "True"])
            as_int = _and(
                [f"{_I64_MIN} <= {v} <= {_U64_MAX}", self.pass_range(fd, f"float({v})") or "True"]
            )
            parts.append(
                f"(type({first}) is float and {as_float} "
                f"or type({v}) is int and {as_int})"
            )
        elif ft == "boolean":
            parts.append(f"({first} is True or {v} is False)")
        elif ft == "object":
            parts.append(f"type({first}) is dict")
            for prop in fd.properties or ():
                parts.append(self.pass_field(prop, v, path, depth + 1))
        elif ft == "array":
            parts.append(f"type({first}) is list")
            if fd.items is not None:
                if self.dynamic_patterns:
                    return "False"  # patterns keyed by index: the checking code looks them up
                x = self.var("x")
                item = self.pass_value(fd.items, x, x, _Path(None, "''"), depth + 1)
                if item == "False":
                    return "False"
                if item != "True":
                    parts.append(f"{self.every(item, x)}({v})")
        else:  # pragma: no cover - FieldType is closed
            return "False"
        if fd.enum is not None:
            keys, containers, strs = self.enum_sets(fd)
            if ft in ("string", "date"):
                parts.append(f"{v} in {strs}")
            else:
                parts.append(f"_enum_ok({v}, {keys}, {containers})")
        return _and(parts)

    def every(self, item: str, x: str) -> str:
        """A helper ``name(seq)``, true when every element ``x`` of ``seq`` passes
        ``item``: a loop in a function costs half of ``all(<generator>)`` on short lists."""
        name = self.var("_every")
        self.defs += [
            f"    def {name}(seq):",
            f"        for {x} in seq:",
            f"            if not ({item}):",
            "                return False",
            "        return True",
        ]
        return name

    def pass_any(self, fd: Any, v: str, first: str, path: _Path, null_ok: bool) -> str:
        """``any``: a string gets the string checks, a number the range, and every other
        JSON value (a float only when finite) passes, subject to the enum."""
        keys, containers, strs = self.enum_sets(fd) if fd.enum is not None else ("", "", "")
        str_checks = self.pass_strings(fd, v, path, "any")
        if fd.enum is not None:
            str_checks.append(f"{v} in {strs}")
        rng_int = self.pass_range(fd, f"float({v})") or "True"
        rng_float = self.pass_range(fd, v) or "True"
        # Ints beyond 64 bits go to the checking code (serde_json's float, or "number out
        # of range" beyond f64).
        ints = _and([f"type({v}) is int", f"{_I64_MIN} <= {v} <= {_U64_MAX}", rng_int])
        floats = _and([f"type({v}) is float", f"{v} - {v} == 0.0", rng_float])
        other_types = _ANY_OTHER if null_ok else _ANY_OTHER_NOT_NULL
        others = f"type({v}) in {self.const(other_types, 'other')}"
        not_str = [f"({ints} or {floats} or {others})"]
        if fd.enum is not None:
            not_str.append(f"_enum_ok({v}, {keys}, {containers})")
        if _and(str_checks) == "False":
            # No string passes (a pattern looked up by run-time path): the value is bound
            # in the non-string test, which must not be folded away with the string one.
            return _and([f"type({first}) is not str", *not_str])
        return _or(_and([f"type({first}) is str", *str_checks]), _and(not_str))

    def pass_strings(self, fd: Any, v: str, path: _Path, ft: str) -> List[str]:
        parts: List[str] = []
        lo, hi = fd.min_length, fd.max_length
        if lo is not None or hi is not None:
            n = f"(len({v}) if {v}.isascii() else _utf8_len({v}))"
            if lo is not None and hi is not None:
                parts.append(f"{int(lo)} <= {n} <= {int(hi)}")
            elif lo is not None:
                parts.append(f"{n} >= {int(lo)}")
            else:
                parts.append(f"{n} <= {int(hi)}")
        if path.text is None:
            if self.dynamic_patterns:
                return ["False"]
        elif path.text in self.patterns:
            parts.append(self.match(path, v))
        if ft == "date":
            parts.append(f"_is_valid_date({v})")
        return parts

    def pass_range(self, fd: Any, x: str) -> str:
        # A NaN bound never fails in the checking code (every comparison is False).
        lo = fd.min if fd.min is not None and fd.min == fd.min else None
        hi = fd.max if fd.max is not None and fd.max == fd.max else None
        if lo is not None and hi is not None:
            return f"{self.const(lo, 'lo')} <= {x} <= {self.const(hi, 'hi')}"
        if lo is not None:
            return f"{x} >= {self.const(lo, 'lo')}"
        if hi is not None:
            return f"{x} <= {self.const(hi, 'hi')}"
        return ""


def _function(
    em: _Emitter,
    entities: Sequence[Any],
    has_tail: bool,
    name: str,
    decode: Optional[Sequence[str]],
) -> List[str]:
    """The function's lines: per top-level field, its pass expression, and the checking
    code under ``if not (...)``; ``out`` is created by the first failing field.

    With ``decode`` (lines that bind ``event`` from ``raw``: see
    :func:`.values.jsondecode.decode_lines`), the function is ``validate_json``: it
    decodes ``raw`` first, and an integer beyond f64's range (met while checking,
    without a position) makes it validate ``_loads(raw)``, for serde_json's error."""
    em.lines = []
    root = _Path("")
    # ``_self``: the function is bound to its CompiledContract as a method (so that it
    # pickles by reference to it); only validate_json's fallback uses it. ``now`` is
    # keyword-only in the class's signatures (what type checkers hold callers to), not
    # here: CPython 3.11 fills a missing keyword-only default from a dict, ~35 ns a call.
    ind = 2
    if decode is None:
        em.emit(1, f"def {name}(_self, event, now=None):")
    else:
        assert not em.fail_fast
        em.emit(1, f"def {name}(_self, raw, now=None):")
        for line in decode:
            em.emit(2, line)
        em.emit(2, "try:")
        ind = 3
    # Root (spec §4.1): dict subclasses are objects; anything else is the root violation.
    em.emit(ind, "if type(event) is not dict and not isinstance(event, dict):")
    em.emit(ind + 1, "_jtype(event)")
    em.emit(ind + 1, "return False" if em.fail_fast else "return _ROOT_RESULT")
    if not em.fail_fast:
        em.emit(ind, "out = None")
    for fd in entities:
        em.guarded_field(fd, "event", root, ind, first=True)
    if has_tail:
        if em.fail_fast:
            em.emit(ind, "tail = []")
            em.emit(ind, "_tail(event, tail, now)")
            em.emit(ind, "return not tail")
            return em.lines
        em.emit(ind, "if out is None:")
        em.emit(ind + 1, "out = []")
        em.emit(ind, "_tail(event, out, now)")
    if em.fail_fast:
        em.emit(ind, "return True")
    else:
        em.emit(ind, "if out:")
        em.emit(ind + 1, "return _failed(out)")
        em.emit(ind, "return _PASSED")
    if decode is not None:
        em.emit(2, "except _EventDecodeError:")
        em.emit(3, "return _self.validate(_loads(raw), now=now)")
    return em.lines


def generate(
    entities: Sequence[Any],
    patterns: Dict[str, Callable[[str], Any]],
    null_as_absent: bool,
    runs: Dict[str, CharRun],
    tail: Optional[Callable[[Any, List[Any], Any], None]],
    helpers: Dict[str, Any],
    *,
    fail_fast: bool = False,
    decode: Optional[Sequence[str]] = None,
    filename: str = "<contractgate>",
) -> GeneratedValidator:
    """Generate and compile ``validate`` (all violations) or, with ``fail_fast``,
    ``is_valid`` (first failure) for ``entities``; with ``decode``, ``validate_json``
    (raw JSON in: see :func:`_function`).

    ``patterns`` is the path-keyed map of match callables (spec §2.2), ``runs`` the
    patterns among them that are tested inline (:data:`CharRun`); ``tail`` runs
    metrics, quality rules and compliance mode (or is None when the contract has none);
    ``helpers`` are the run-time helpers and constants from :mod:`.compiler`.
    """
    name = "is_valid" if fail_fast else "validate" if decode is None else "validate_json"
    em = _Emitter(patterns, null_as_absent, helpers, fail_fast=fail_fast, runs=runs)
    body = _function(em, entities, tail is not None, name, decode)
    consts: Dict[str, Any] = dict(helpers)
    consts.update(em.consts)
    consts["_tail"] = tail
    consts["_patterns"] = patterns
    source = _module([*em.defs, *body])
    namespace = _namespace(consts)
    exec(compile(source, filename, "exec"), namespace)
    return GeneratedValidator(namespace[name], source)


def _module(lines: List[str]) -> str:
    """The emitted lines (written one level in) as a module of their own."""
    assert all(line.startswith("    ") for line in lines)
    return "\n".join([line[4:] for line in lines] + [""])


def _namespace(consts: Dict[str, Any]) -> Dict[str, Any]:
    """The generated module's globals: the constants.  Globals rather than the cells of
    a factory's closure: CPython compiles a function of thousands of free variables in
    time that grows faster than their number (a 4,000-field contract: 2.1 s in
    ``compile`` against 0.9 s this way), and a specialised global load is no slower
    than a cell's (the user_events validator runs ~5 % faster)."""
    return dict(consts)


def pass_function(
    entities: Sequence[Any],
    patterns: Dict[str, Callable[[str], Any]],
    null_as_absent: bool,
    runs: Dict[str, CharRun],
    helpers: Dict[str, Any],
) -> Callable[[Any], bool]:
    """The contract's pass expressions alone, as ``passes(event) -> bool`` (for tests:
    which passing events take the fast path; it ignores metrics and quality rules)."""
    em = _Emitter(patterns, null_as_absent, helpers, fail_fast=True, runs=runs)
    root = _Path("")
    expr = _and(["type(event) is dict", *(em.pass_field(fd, "event", root, 0) for fd in entities)])
    consts: Dict[str, Any] = dict(helpers)
    consts.update(em.consts)
    source = _module([*em.defs, f"    passes = lambda event: bool({expr})"])
    namespace = _namespace(consts)
    exec(compile(source, "<contractgate passes>", "exec"), namespace)
    return cast(Callable[[Any], bool], namespace["passes"])
