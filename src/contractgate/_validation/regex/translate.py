"""The AST -> HIR translation of regex-syntax 0.8 (its ``Translator``).

Flags (``i m s U u R``) apply the way regex-syntax applies them: flags set by
``(?flags)`` last until the end of the enclosing group (they leak into later
alternation branches), classes are case folded before they are negated, and with
``u`` off only ASCII may be matched. The walk keeps its own stack instead of
recursing, and a translation is shared by every occurrence of the same primitive
under the same flags (``'\\\\w' * N`` costs one class, not N).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Set, Tuple, Union, cast

from . import ast as A
from . import charset as C
from . import errors as E
from . import unicode as U
from .charset import Ranges
from .errors import RegexCompileError, Span
from .gc_pause import gc_paused
from .hir import (
    END,
    END_CRLF,
    END_LF,
    START,
    START_CRLF,
    START_LF,
    WORD_ASCII,
    WORD_ASCII_NEGATE,
    WORD_END_ASCII,
    WORD_END_HALF_ASCII,
    WORD_END_HALF_UNICODE,
    WORD_END_UNICODE,
    WORD_START_ASCII,
    WORD_START_HALF_ASCII,
    WORD_START_HALF_UNICODE,
    WORD_START_UNICODE,
    WORD_UNICODE,
    WORD_UNICODE_NEGATE,
    HCapture,
    HConcat,
    HEmpty,
    Hir,
    HLiteral,
    HLook,
    alternation,
    cls,
    concat,
    repetition,
    union_all,
)

_PERL_ASCII = {"d": "digit", "s": "space", "w": "word"}
_BYTES_ALL: Ranges = ((0, 0xFF),)
_WORD_LOOKS = {
    A.A_WORD: (WORD_UNICODE, WORD_ASCII),
    A.A_NOT_WORD: (WORD_UNICODE_NEGATE, WORD_ASCII_NEGATE),
    A.A_WORD_START: (WORD_START_UNICODE, WORD_START_ASCII),
    A.A_WORD_END: (WORD_END_UNICODE, WORD_END_ASCII),
    A.A_WORD_START_HALF: (WORD_START_HALF_UNICODE, WORD_START_HALF_ASCII),
    A.A_WORD_END_HALF: (WORD_END_HALF_UNICODE, WORD_END_HALF_ASCII),
}


def _bytes_negate(rs: Ranges) -> Ranges:
    return C.intersect(C.negate(rs), _BYTES_ALL)


class Flags:
    """The translator's flags; never changed once made (``with_`` makes new ones)."""

    __slots__ = ("_next", "crlf", "dot_nl", "i", "key", "m", "swap_greed", "unicode")

    def __init__(
        self,
        i: bool = False,
        m: bool = False,
        dot_nl: bool = False,
        swap_greed: bool = False,
        unicode: bool = True,
        crlf: bool = False,
    ) -> None:
        self.i = i
        self.m = m
        self.dot_nl = dot_nl
        self.swap_greed = swap_greed
        self.unicode = unicode
        self.crlf = crlf
        # (an int: the memo keys built from it hash it per primitive)
        self.key = i | m << 1 | dot_nl << 2 | swap_greed << 3 | unicode << 4 | crlf << 5
        self._next: Dict[str, Flags] = {}  # ``with_`` by the flags' text

    def with_(self, flags: Union[A.Flags, A.SetFlags]) -> Flags:
        """These flags with the items of ``(?flags)`` applied (remembered: a long
        pattern repeats a few flag groups, ``(?i)a(?-i)b`` a million times)."""
        got = self._next.get(flags.kinds)
        if got is None:
            key = (self.key, flags.kinds)
            got = _WITH.get(key)
            if got is None:
                got = self._with(flags)
                if len(_WITH) < _MEMO_MAX:
                    _WITH[key] = got
            if len(self._next) < _MEMO_MAX:
                self._next[flags.kinds] = got
        return got

    def _with(self, flags: Union[A.Flags, A.SetFlags]) -> Flags:
        state = {"i": self.i, "m": self.m, "s": self.dot_nl, "U": self.swap_greed,
                 "u": self.unicode, "R": self.crlf}  # fmt: skip
        on = True
        for kind in flags.kinds:
            if kind == A.F_NEGATION:
                on = False
            elif kind in state:
                state[kind] = on
        return Flags(state["i"], state["m"], state["s"], state["U"], state["u"], state["R"])


class _Frame:
    """A composite node being translated: its children, the next one, their HIR."""

    __slots__ = ("children", "index", "node", "results", "saved")

    def __init__(self, node: Optional[A.Ast], kids: List[A.Ast], saved: Optional[Flags]) -> None:
        self.node = node
        self.children = kids
        self.index = 0
        self.results: List[Hir] = []
        self.saved = saved


_MEMO_MAX = 4096  # distinct primitives remembered per translation
#: ``Flags.with_``: (flags, the items' kinds) -> the new flags (immutable, so shared).
_WITH: Dict[Tuple[int, str], Flags] = {}
#: The fast paths of long word lists: a word (a ``Concat`` of one ``LiteralRun``)
#: translated without a frame of its own, and a run under ``i`` folded through a table
#: of its distinct characters (switched off by the tests, to compare).
_FAST_RUNS = True
#: ``translate`` does ``leaf``'s work for literals and ``(?flags)`` inline (switched off
#: by the tests, to compare).
_FAST_LEAVES = True
#: Equal runs of literals outside ``i`` share one ``HLiteral`` (so equal repetitions of
#: them share theirs: ``(?:ab){50}`` repeated is one node); the tests turn it off.
_SHARED_RUNS = True
#: ... and a capture of a literal (``(c)``) translated inline too (the tests turn it off).
_FAST_CAPTURES = True
#: ... and ``[c]`` (a verbatim character, not negated) remembered by its character: its
#: HIR depends on nothing else (the tests turn it off: by its text, to compare).
_FAST_CLASSES = True
#: ``bracketed`` takes a union of characters and ranges in one pass (a megabyte class
#: ``[abab…]``: 4.7x the crate's compile before); the tests turn it off to compare.
_FLAT_UNIONS = True
#: ... and with POSIX classes, ``\\d``-like classes and nested ``[c]`` in the union
#: (``[[:alpha:]a-z\\d…]``, ``[[a][b]…]``); the tests turn it off to compare.
_FLAT_ITEMS = True
_NO_MEMO = re.compile(r"[\s#]")  # a class with these may read differently in x mode
_LEAVES = frozenset([A.Literal, A.LiteralRun, A.Dot, A.Assertion, A.ClassUnicode, A.ClassPerl,
                     A.ClassBracketed, A.Empty, A.SetFlags])  # fmt: skip


class Translator:
    """regex-syntax's ``TranslatorI``, over explicit stacks."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.flags = Flags()
        self._memo: Dict[Tuple[Any, ...], Hir] = {}
        # under ``i``, by ``unicode``: char -> its HIR, and the chars whose HIR is a literal
        self._fold_tab: Tuple[Dict[str, Hir], Dict[str, Hir]] = ({}, {})
        self._fold_lit: Tuple[Set[str], Set[str]] = (set(), set())
        self._lens: Dict[int, Tuple[Hir, Optional[int]]] = {}
        self._reps: Dict[Tuple[int, int, Optional[int], bool], Tuple[Hir, Hir]] = {}
        self._runs: Dict[str, Hir] = {}  # a run's text: its HLiteral (outside ``i``)

    def error(self, span: Span, message: str) -> RegexCompileError:
        return E.parse_error(self.pattern, message, span)

    def translate(self, root: A.Ast) -> Hir:
        """The HIR of ``root``, children before parents and left to right, as the
        Rust visitor goes (so the first error met is the crate's)."""
        top = _Frame(None, [root], None)
        frames = [top]
        leaf = self.leaf
        fast = _FAST_RUNS
        inline = _FAST_LEAVES
        memo = self._memo
        literal, set_flags, hex_x = A.Literal, A.SetFlags, A.LIT_HEX_FIXED_X
        bracketed, pattern = A.ClassBracketed, self.pattern
        group_t, captures = A.Group, _FAST_CAPTURES
        classes, verbatim = _FAST_CLASSES, A.LIT_VERBATIM
        while True:
            f = frames[-1]
            kids, results = f.children, f.results
            i, n = f.index, len(kids)
            # (``concat`` drops empties: a concatenation's ``(?flags)`` adds nothing)
            in_concat = type(f.node) is A.Concat
            while i < n:
                node = kids[i]
                i += 1
                t = type(node)
                if inline:  # ``leaf`` of the commonest primitives, without its call
                    if t is literal:
                        got = memo.get((self.flags.key, node.c, node.kind == hex_x))  # type: ignore[union-attr]
                        results.append(got if got is not None else leaf(node))
                        continue
                    if t is set_flags:
                        flags = self.flags
                        nxt = flags._next.get(node.kinds)  # type: ignore[union-attr]
                        self.flags = nxt if nxt is not None else flags.with_(node)  # type: ignore[arg-type]
                        if not in_concat:
                            results.append(HEmpty())
                        continue
                    if t is bracketed:
                        k = node.kind  # type: ignore[union-attr]
                        negated = node.negated  # type: ignore[union-attr]
                        if classes and type(k) is literal and k.kind == verbatim and not negated:
                            # ``[c]``: keyed by its character, not a slice of its text
                            key: Tuple[Any, ...] = (self.flags.key, "]", k.c)
                            got = memo.get(key)
                            if got is None:
                                got = leaf(node)
                                if len(memo) < _MEMO_MAX:
                                    memo[key] = got
                            results.append(got)
                            continue
                        text = pattern[node.start:node.end]  # type: ignore[union-attr]
                        got = memo.get((self.flags.key, "[", text))
                        results.append(got if got is not None else leaf(node))
                        continue
                    if t is group_t and captures and node.capture_index is not None:  # type: ignore[union-attr]
                        lit = node.ast  # type: ignore[union-attr]
                        if type(lit) is literal:  # ``(c)``: a capture of a literal
                            got = memo.get((self.flags.key, lit.c, lit.kind == hex_x))
                            if got is None:
                                got = leaf(lit)
                            results.append(HCapture(node.capture_index, node.name, got))  # type: ignore[union-attr]
                            continue
                if t in _LEAVES:
                    results.append(leaf(node))
                    continue
                if t is A.Concat and fast:
                    asts = node.asts  # type: ignore[union-attr]
                    if len(asts) == 1 and type(asts[0]) is A.LiteralRun:
                        # a word: its run's HIR is already what ``concat([it])`` gives
                        results.append(self.literal_run(asts[0]))
                        continue
                if t is A.Repetition:
                    rep: A.Repetition = node  # type: ignore[assignment]
                    if type(rep.ast) in _LEAVES:
                        results.append(self.repeat(rep, leaf(rep.ast)))
                        continue
                elif t is A.Group:
                    group: A.Group = node  # type: ignore[assignment]
                    if type(group.ast) in _LEAVES:  # enter, the leaf, leave: in one go
                        saved = self.flags
                        if group.flags is not None:
                            self.flags = saved.with_(group.flags)
                        sub = None
                        if inline and type(group.ast) is literal:
                            lit = group.ast
                            sub = memo.get((self.flags.key, lit.c, lit.kind == hex_x))
                        if sub is None:
                            sub = leaf(group.ast)
                        self.flags = saved
                        if group.capture_index is not None:
                            sub = HCapture(group.capture_index, group.name, sub)
                        results.append(sub)
                        continue
                f.index = i
                frames.append(self.enter(node))
                break
            else:
                frames.pop()
                if f.node is None:
                    return results[0]
                frames[-1].results.append(self.leave(f))

    def enter(self, node: A.Ast) -> _Frame:
        if isinstance(node, A.Group):
            saved = self.flags
            if node.flags is not None:
                self.flags = saved.with_(node.flags)
            return _Frame(node, [node.ast], saved)
        if isinstance(node, A.Repetition):
            return _Frame(node, [node.ast], None)
        assert isinstance(node, (A.Concat, A.Alternation)), node
        return _Frame(node, node.asts, None)

    def leave(self, f: _Frame) -> Hir:
        node = f.node
        if isinstance(node, A.Group):
            assert f.saved is not None
            self.flags = f.saved
            sub = f.results[0]
            if node.capture_index is None:
                return sub
            return HCapture(node.capture_index, node.name, sub)
        if isinstance(node, A.Repetition):
            return self.repeat(node, f.results[0])
        if isinstance(node, A.Concat):
            return concat(f.results)
        return alternation(f.results)

    def repeat(self, node: A.Repetition, sub: Hir) -> Hir:
        """The repetition of ``sub``; shared by equal repetitions of a shared ``sub``."""
        greedy = (not node.greedy) if self.flags.swap_greed else node.greedy
        key = (id(sub), node.min, node.max, greedy)
        got = self._reps.get(key)
        if got is not None and got[0] is sub:
            return got[1]
        h = repetition(node.min, node.max, greedy, sub, self._lens)
        if len(self._reps) < _MEMO_MAX:
            self._reps[key] = (sub, h)
        return h

    def leaf(self, node: A.Ast) -> Hir:
        """The HIR of a primitive, shared by equal primitives under equal flags."""
        t = type(node)
        fk = self.flags.key
        key: Tuple[Any, ...]
        if t is A.Literal:
            lit = cast(A.Literal, node)
            key = (fk, lit.c, lit.kind == A.LIT_HEX_FIXED_X)
        elif t is A.Dot:
            key = (fk, ".")
        elif t is A.LiteralRun:
            return self.literal_run(cast(A.LiteralRun, node))
        elif t is A.ClassPerl:
            perl = cast(A.ClassPerl, node)
            key = (fk, "\\", perl.kind, perl.negated)
        elif t is A.Assertion:
            key = (fk, "$", cast(A.Assertion, node).kind)
        elif t is A.ClassUnicode:
            u = cast(A.ClassUnicode, node)
            key = (fk, "p", u.negated, u.name, u.one_letter, u.op, u.value)
        elif t is A.ClassBracketed:
            text = self.pattern[node.start:node.end]  # type: ignore[union-attr]
            key = (fk, "[", text)
            got = self._memo.get(key)  # (never holds a class ``_NO_MEMO`` finds)
            if got is not None:
                return got
            if _NO_MEMO.search(text):
                return cls(self.bracketed(cast(A.ClassBracketed, node)))
        elif t is A.SetFlags:
            self.flags = self.flags.with_(cast(A.SetFlags, node))
            return HEmpty()
        else:
            assert t is A.Empty, node
            return HEmpty()
        got = self._memo.get(key)
        if got is None:
            got = self.primitive(node)
            if len(self._memo) < _MEMO_MAX:
                self._memo[key] = got
        return got

    def primitive(self, node: A.Ast) -> Hir:
        if isinstance(node, A.Literal):
            return self.literal_char(self.literal_scalar(node))
        if isinstance(node, A.Dot):
            return self.dot(node.span)
        if isinstance(node, A.Assertion):
            return HLook(self.assertion(node.kind))
        if isinstance(node, A.ClassPerl):
            return cls(self.perl_class(node))
        if isinstance(node, A.ClassUnicode):
            return cls(self.unicode_class(node))
        assert isinstance(node, A.ClassBracketed)
        return cls(self.bracketed(node))

    def literal_scalar(self, lit: A.Literal) -> int:
        """ast_literal_to_scalar: a char (as int); errors for non-UTF-8 bytes."""
        if self.flags.unicode:
            return ord(lit.c)
        b = lit.byte()
        if b is None or b <= 0x7F:
            return ord(lit.c)
        raise self.error(lit.span, E.INVALID_UTF8)

    def literal_run(self, run: A.LiteralRun) -> Hir:
        """A run of verbatim literals: what their ``Concat`` would translate to."""
        text = run.text
        if not self.flags.i:
            if not _SHARED_RUNS:
                return HLiteral(text)
            got = self._runs.get(text)
            if got is None:
                got = HLiteral(text)
                if len(self._runs) < _MEMO_MAX:
                    self._runs[text] = got
            return got
        if _FAST_RUNS:
            got = self._fold_run(text)
            if got is not None:
                return got
        hirs = [self._fold_char(ch) for ch in text]
        if all(type(h) is HLiteral for h in hirs):
            return HLiteral(text)
        return concat(hirs)

    def _fold_run(self, text: str) -> Optional[Hir]:
        """``literal_run`` under ``i`` through the table of folded characters (None
        when the table would outgrow ``_MEMO_MAX``): each character's HIR looked up
        in one pass, and ``concat``'s merging only for a run mixing literals in."""
        unicode = self.flags.unicode
        tab, lits = self._fold_tab[unicode], self._fold_lit[unicode]
        try:
            hirs = list(map(tab.__getitem__, text))
        except KeyError:
            if len(tab) + len(text) > _MEMO_MAX:
                return None
            hirs = [self._fold_char(ch) for ch in text]
        if len(hirs) > 1 and lits.isdisjoint(text):
            return HConcat(hirs)  # (classes only: nothing to merge)
        if lits.issuperset(text):
            return HLiteral(text)
        return concat(hirs)

    def _fold_char(self, ch: str) -> Hir:
        """``literal_char`` of ``ch`` under ``i``, remembered in the table of the current
        ``unicode`` flag (up to ``_MEMO_MAX`` characters)."""
        unicode = self.flags.unicode
        tab = self._fold_tab[unicode]
        h = tab.get(ch)
        if h is None:
            h = self.literal_char(ord(ch))
            if len(tab) < _MEMO_MAX:
                tab[ch] = h
                if type(h) is HLiteral:
                    self._fold_lit[unicode].add(ch)
        return h

    def literal_char(self, c: int) -> Hir:
        if self.flags.i:
            if self.flags.unicode:
                if U.has_simple_fold(c):
                    return cls(U.case_fold_simple(((c, c),)))
            elif c < 0x80 and chr(c).isalpha():
                return cls(U.ascii_case_fold(((c, c),)))
        return HLiteral(chr(c))

    def dot(self, span: Span) -> Hir:
        f = self.flags
        if not f.unicode:
            raise self.error(span, E.INVALID_UTF8)
        if f.dot_nl:
            return cls(C.ANY)
        if f.crlf:
            return cls(C.difference(C.ANY, ((0x0A, 0x0A), (0x0D, 0x0D))))
        return cls(C.difference(C.ANY, ((0x0A, 0x0A),)))

    def assertion(self, kind: str) -> str:
        f = self.flags
        if kind == A.A_START_LINE:
            return (START_CRLF if f.crlf else START_LF) if f.m else START
        if kind == A.A_END_LINE:
            return (END_CRLF if f.crlf else END_LF) if f.m else END
        if kind == A.A_START_TEXT:
            return START
        if kind == A.A_END_TEXT:
            return END
        return _WORD_LOOKS[kind][0 if f.unicode else 1]

    # -- classes ------------------------------------------------------------------

    def _fold_negate(self, span: Span, negated: bool, rs: Ranges) -> Ranges:
        if self.flags.unicode:
            if self.flags.i:
                rs = U.case_fold_simple(rs)
            if negated:
                rs = C.negate(rs)
            return rs
        if self.flags.i:
            rs = U.ascii_case_fold(rs)
        if negated:
            rs = _bytes_negate(rs)
        if not C.is_ascii(rs):
            raise self.error(span, E.INVALID_UTF8)
        return rs

    def unicode_class(self, ast: A.ClassUnicode) -> Ranges:
        if not self.flags.unicode:
            raise self.error(ast.span, E.UNICODE_NOT_ALLOWED)
        try:
            if ast.op is None:
                rs = U.class_query(ast.name, None, ast.one_letter)
            else:
                rs = U.class_query(ast.name, ast.value)
        except U.PropertyError as exc:
            msg = E.UNICODE_PROPERTY_VALUE_NOT_FOUND if exc.value else E.UNICODE_PROPERTY_NOT_FOUND
            raise self.error(ast.span, msg) from None
        return self._fold_negate(ast.span, ast.is_negated(), rs)

    def perl_class(self, ast: A.ClassPerl) -> Ranges:
        if self.flags.unicode:
            rs = {"d": U.perl_digit, "s": U.perl_space, "w": U.perl_word}[ast.kind]()
            return C.negate(rs) if ast.negated else rs
        rs = U.ASCII_CLASSES[_PERL_ASCII[ast.kind]]
        if ast.negated:
            rs = _bytes_negate(rs)
        if not C.is_ascii(rs):
            raise self.error(ast.span, E.INVALID_UTF8)
        return rs

    def class_byte(self, lit: A.Literal) -> int:
        c = self.literal_scalar(lit)
        if c > 0x7F:
            b = lit.byte()
            if b is not None:
                return b
            raise self.error(lit.span, E.UNICODE_NOT_ALLOWED)
        return c

    def bracketed(self, root: A.ClassBracketed) -> Ranges:
        """The set of a bracketed class, as a post-order walk over an explicit stack
        (left operands and earlier items first: the crate's first error)."""
        vals: List[Ranges] = []
        stack: List[Tuple[A.ClassSet, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if isinstance(node, A.ClassSetBinaryOp):
                if not done:
                    stack.extend([(node, True), (node.rhs, False), (node.lhs, False)])
                    continue
                rhs, lhs = vals.pop(), vals.pop()
                if self.flags.i:
                    fold = U.case_fold_simple if self.flags.unicode else U.ascii_case_fold
                    rhs, lhs = fold(rhs), fold(lhs)
                if node.kind == "&&":
                    vals.append(C.intersect(lhs, rhs))
                elif node.kind == "--":
                    vals.append(C.difference(lhs, rhs))
                else:
                    vals.append(C.symmetric_difference(lhs, rhs))
            elif isinstance(node, A.ClassSetUnion):
                if not done:
                    flat = self._flat_union(node.items) if _FLAT_UNIONS else None
                    if flat is not None:
                        vals.append(flat)
                        continue
                    stack.append((node, True))
                    stack.extend((x, False) for x in reversed(node.items))
                    continue
                k = len(node.items)
                parts = vals[len(vals) - k:]
                del vals[len(vals) - k:]
                vals.append(union_all(parts))
            elif isinstance(node, A.ClassBracketed):
                if not done:
                    stack.extend([(node, True), (node.kind, False)])
                    continue
                vals.append(self._fold_negate(node.span, node.negated, vals.pop()))
            else:
                vals.append(self.class_item(node))
        return vals[0]

    def _flat_union(self, items: List[A.ClassSetItem]) -> Optional[Ranges]:
        """A union of characters and ranges only, under ``u``, in one pass: what the walk
        makes of it (no such item can fail there, so no error is passed over); None for
        anything else."""
        if not self.flags.unicode:
            return None
        pairs: List[Tuple[int, int]] = []
        add = pairs.append
        literal, rng = A.Literal, A.ClassSetRange
        more = _FLAT_ITEMS
        bracketed, ascii_t, perl_t = A.ClassBracketed, A.ClassAscii, A.ClassPerl
        # The other items' sets, by kind: each distinct one added once (a union takes a
        # set once however often it is named; ``\\d`` is some 70 ranges).
        parts: Dict[Tuple[Any, ...], Ranges] = {}
        for x in items:
            t = type(x)
            if t is literal:
                o = ord(x.c)  # type: ignore[union-attr]
                add((o, o))
            elif t is rng:
                add((ord(x.start.c), ord(x.end.c)))  # type: ignore[union-attr]
            elif not more:
                return None
            else:
                # (``class_item``'s, in the walk's order: the same errors, if any)
                if t is ascii_t or t is perl_t:
                    key: Tuple[Any, ...] = (t, x.kind, x.negated)  # type: ignore[union-attr]
                    if key in parts:
                        continue
                    rs = self.class_item(x)
                elif t is bracketed and type(x.kind) is literal:  # type: ignore[union-attr]
                    # a nested ``[c]``: its character, folded and negated as the walk does
                    key = (t, x.kind.c, x.negated)  # type: ignore[union-attr]
                    if key in parts:
                        continue
                    o = ord(x.kind.c)  # type: ignore[union-attr]
                    rs = self._fold_negate(x.span, x.negated, ((o, o),))  # type: ignore[union-attr]
                else:
                    return None
                parts[key] = rs
                pairs.extend(rs)
        # (``union_all`` of the parts: each part is canonical, so one ``canon`` of them all)
        return C.canon(pairs)

    def class_item(self, item: A.ClassSetItem) -> Ranges:
        """A class item that holds no other item."""
        if isinstance(item, A.Empty):
            return ()
        if isinstance(item, A.Literal):
            c = ord(item.c) if self.flags.unicode else self.class_byte(item)
            return ((c, c),)
        if isinstance(item, A.ClassSetRange):
            if self.flags.unicode:
                return C.canon([(ord(item.start.c), ord(item.end.c))])
            return C.canon([(self.class_byte(item.start), self.class_byte(item.end))])
        if isinstance(item, A.ClassAscii):
            return self._fold_negate(item.span, item.negated, U.ASCII_CLASSES[item.kind])
        if isinstance(item, A.ClassUnicode):
            return self.unicode_class(item)
        assert isinstance(item, A.ClassPerl), item
        return self.perl_class(item)


def translate(pattern: str, ast: A.Ast) -> Hir:
    """The HIR of ``ast`` (parsed from ``pattern``); raises translation errors."""
    with gc_paused(pattern):
        return Translator(pattern).translate(ast)
