"""Regenerate ``_tables.py`` (developer tool, never imported by the package).

Usage::

    python -m pip install pydantic-core regex      # in a scratch virtualenv
    python scripts/regen_regex_tables.py            # rewrites src/contractgate/_regex/_tables.py

Every table is read back from the Rust ``regex`` crate itself: ``pydantic-core``
2.50 links ``regex`` 1.13.1 / ``regex-syntax`` 0.8.11 (Unicode 16.0 tables), and its
``str`` validator with a ``pattern`` calls ``Regex::is_match``.  Membership of a
class is found by bisection over the code-point space with ``^[C]*$`` and
``^[^C]*$``; candidate property names come from the ``regex`` module's
property table and from PropertyAliases.txt as listed below, and every name is
kept only if the Rust crate accepts it.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

Ranges = List[Tuple[int, int]]

# PropertyAliases.txt (short name, long name, other aliases).
PROPERTY_ALIASES: List[Tuple[str, ...]] = [
    ("cjkAccountingNumeric", "kAccountingNumeric"),
    ("cjkOtherNumeric", "kOtherNumeric"),
    ("cjkPrimaryNumeric", "kPrimaryNumeric"),
    ("nv", "Numeric_Value"),
    ("bmg", "Bidi_Mirroring_Glyph"),
    ("bpb", "Bidi_Paired_Bracket"),
    ("cf", "Case_Folding"),
    ("cjkCompatibilityVariant", "kCompatibilityVariant"),
    ("dm", "Decomposition_Mapping"),
    ("EqUIdeo", "Equivalent_Unified_Ideograph"),
    ("FC_NFKC", "FC_NFKC_Closure"),
    ("lc", "Lowercase_Mapping"),
    ("NFKC_CF", "NFKC_Casefold"),
    ("NFKC_SCF", "NFKC_Simple_Casefold"),
    ("scf", "Simple_Case_Folding", "sfc"),
    ("slc", "Simple_Lowercase_Mapping"),
    ("stc", "Simple_Titlecase_Mapping"),
    ("suc", "Simple_Uppercase_Mapping"),
    ("tc", "Titlecase_Mapping"),
    ("uc", "Uppercase_Mapping"),
    ("cjkIICore", "kIICore"),
    ("cjkIRG_GSource", "kIRG_GSource"),
    ("cjkIRG_HSource", "kIRG_HSource"),
    ("cjkIRG_JSource", "kIRG_JSource"),
    ("cjkIRG_KPSource", "kIRG_KPSource"),
    ("cjkIRG_KSource", "kIRG_KSource"),
    ("cjkIRG_MSource", "kIRG_MSource"),
    ("cjkIRG_SSource", "kIRG_SSource"),
    ("cjkIRG_TSource", "kIRG_TSource"),
    ("cjkIRG_UKSource", "kIRG_UKSource"),
    ("cjkIRG_USource", "kIRG_USource"),
    ("cjkIRG_VSource", "kIRG_VSource"),
    ("cjkRSUnicode", "kRSUnicode", "Unicode_Radical_Stroke", "URS"),
    ("isc", "ISO_Comment"),
    ("JSN", "Jamo_Short_Name"),
    ("kEH_Cat", "kEH_Cat"),
    ("kEH_Desc", "kEH_Desc"),
    ("kEH_HG", "kEH_HG"),
    ("kEH_IFAO", "kEH_IFAO"),
    ("kEH_JSesh", "kEH_JSesh"),
    ("na", "Name"),
    ("na1", "Unicode_1_Name"),
    ("Name_Alias", "Name_Alias"),
    ("scx", "Script_Extensions"),
    ("age", "Age"),
    ("blk", "Block"),
    ("sc", "Script"),
    ("bc", "Bidi_Class"),
    ("bpt", "Bidi_Paired_Bracket_Type"),
    ("ccc", "Canonical_Combining_Class"),
    ("dt", "Decomposition_Type"),
    ("ea", "East_Asian_Width"),
    ("gc", "General_Category"),
    ("GCB", "Grapheme_Cluster_Break"),
    ("hst", "Hangul_Syllable_Type"),
    ("InCB", "Indic_Conjunct_Break"),
    ("InPC", "Indic_Positional_Category"),
    ("InSC", "Indic_Syllabic_Category"),
    ("jg", "Joining_Group"),
    ("jt", "Joining_Type"),
    ("lb", "Line_Break"),
    ("NFC_QC", "NFC_Quick_Check"),
    ("NFD_QC", "NFD_Quick_Check"),
    ("NFKC_QC", "NFKC_Quick_Check"),
    ("NFKD_QC", "NFKD_Quick_Check"),
    ("nt", "Numeric_Type"),
    ("SB", "Sentence_Break"),
    ("vo", "Vertical_Orientation"),
    ("WB", "Word_Break"),
    ("AHex", "ASCII_Hex_Digit"),
    ("Alpha", "Alphabetic"),
    ("Bidi_C", "Bidi_Control"),
    ("Bidi_M", "Bidi_Mirrored"),
    ("Cased", "Cased"),
    ("CE", "Composition_Exclusion"),
    ("CI", "Case_Ignorable"),
    ("Comp_Ex", "Full_Composition_Exclusion"),
    ("CWCF", "Changes_When_Casefolded"),
    ("CWCM", "Changes_When_Casemapped"),
    ("CWKCF", "Changes_When_NFKC_Casefolded"),
    ("CWL", "Changes_When_Lowercased"),
    ("CWT", "Changes_When_Titlecased"),
    ("CWU", "Changes_When_Uppercased"),
    ("Dash", "Dash"),
    ("Dep", "Deprecated"),
    ("DI", "Default_Ignorable_Code_Point"),
    ("Dia", "Diacritic"),
    ("EBase", "Emoji_Modifier_Base"),
    ("EComp", "Emoji_Component"),
    ("EMod", "Emoji_Modifier"),
    ("Emoji", "Emoji"),
    ("EPres", "Emoji_Presentation"),
    ("Ext", "Extender"),
    ("ExtPict", "Extended_Pictographic"),
    ("Gr_Base", "Grapheme_Base"),
    ("Gr_Ext", "Grapheme_Extend"),
    ("Gr_Link", "Grapheme_Link"),
    ("Hex", "Hex_Digit"),
    ("Hyphen", "Hyphen"),
    ("ID_Compat_Math_Continue", "ID_Compat_Math_Continue"),
    ("ID_Compat_Math_Start", "ID_Compat_Math_Start"),
    ("IDC", "ID_Continue"),
    ("Ideo", "Ideographic"),
    ("IDS", "ID_Start"),
    ("IDSB", "IDS_Binary_Operator"),
    ("IDST", "IDS_Trinary_Operator"),
    ("IDSU", "IDS_Unary_Operator"),
    ("Join_C", "Join_Control"),
    ("kEH_NoMirror", "kEH_NoMirror"),
    ("kEH_NoRotate", "kEH_NoRotate"),
    ("LOE", "Logical_Order_Exception"),
    ("Lower", "Lowercase"),
    ("Math", "Math"),
    ("MCM", "Modifier_Combining_Mark"),
    ("NChar", "Noncharacter_Code_Point"),
    ("OAlpha", "Other_Alphabetic"),
    ("ODI", "Other_Default_Ignorable_Code_Point"),
    ("OGr_Ext", "Other_Grapheme_Extend"),
    ("OIDC", "Other_ID_Continue"),
    ("OIDS", "Other_ID_Start"),
    ("OLower", "Other_Lowercase"),
    ("OMath", "Other_Math"),
    ("OUpper", "Other_Uppercase"),
    ("Pat_Syn", "Pattern_Syntax"),
    ("Pat_WS", "Pattern_White_Space"),
    ("PCM", "Prepended_Concatenation_Mark"),
    ("QMark", "Quotation_Mark"),
    ("Radical", "Radical"),
    ("RI", "Regional_Indicator"),
    ("SD", "Soft_Dotted"),
    ("STerm", "Sentence_Terminal"),
    ("Term", "Terminal_Punctuation"),
    ("UIdeo", "Unified_Ideograph"),
    ("Upper", "Uppercase"),
    ("VS", "Variation_Selector"),
    ("WSpace", "White_Space", "space"),
    ("XIDC", "XID_Continue"),
    ("XIDS", "XID_Start"),
    ("XO_NFC", "Expands_On_NFC"),
    ("XO_NFD", "Expands_On_NFD"),
    ("XO_NFKC", "Expands_On_NFKC"),
    ("XO_NFKD", "Expands_On_NFKD"),
]

GC_VALUES: List[Tuple[str, ...]] = [
    ("C", "Other"),
    ("Cc", "Control", "cntrl"),
    ("Cf", "Format"),
    ("Cn", "Unassigned"),
    ("Co", "Private_Use"),
    ("Cs", "Surrogate"),
    ("L", "Letter"),
    ("LC", "Cased_Letter"),
    ("Ll", "Lowercase_Letter"),
    ("Lm", "Modifier_Letter"),
    ("Lo", "Other_Letter"),
    ("Lt", "Titlecase_Letter"),
    ("Lu", "Uppercase_Letter"),
    ("M", "Mark", "Combining_Mark"),
    ("Mc", "Spacing_Mark"),
    ("Me", "Enclosing_Mark"),
    ("Mn", "Nonspacing_Mark"),
    ("N", "Number"),
    ("Nd", "Decimal_Number", "digit"),
    ("Nl", "Letter_Number"),
    ("No", "Other_Number"),
    ("P", "Punctuation", "punct"),
    ("Pc", "Connector_Punctuation"),
    ("Pd", "Dash_Punctuation"),
    ("Pe", "Close_Punctuation"),
    ("Pf", "Final_Punctuation"),
    ("Pi", "Initial_Punctuation"),
    ("Po", "Other_Punctuation"),
    ("Ps", "Open_Punctuation"),
    ("S", "Symbol"),
    ("Sc", "Currency_Symbol"),
    ("Sk", "Modifier_Symbol"),
    ("Sm", "Math_Symbol"),
    ("So", "Other_Symbol"),
    ("Z", "Separator"),
    ("Zl", "Line_Separator"),
    ("Zp", "Paragraph_Separator"),
    ("Zs", "Space_Separator"),
]
GC_LEAVES = [v[0] for v in GC_VALUES if len(v[0]) == 2 and v[0] != "LC"]
GC_GROUPS = {
    "C": ["Cc", "Cf", "Cn", "Co", "Cs"],
    "L": ["Ll", "Lm", "Lo", "Lt", "Lu"],
    "LC": ["Ll", "Lt", "Lu"],
    "M": ["Mc", "Me", "Mn"],
    "N": ["Nd", "Nl", "No"],
    "P": ["Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps"],
    "S": ["Sc", "Sk", "Sm", "So"],
    "Z": ["Zl", "Zp", "Zs"],
}

GCB_VALUES: List[Tuple[str, ...]] = [
    ("CN", "Control"),
    ("CR", "CR"),
    ("EB", "E_Base"),
    ("EBG", "E_Base_GAZ"),
    ("EM", "E_Modifier"),
    ("EX", "Extend"),
    ("GAZ", "Glue_After_Zwj"),
    ("L", "L"),
    ("LF", "LF"),
    ("LV", "LV"),
    ("LVT", "LVT"),
    ("PP", "Prepend"),
    ("RI", "Regional_Indicator"),
    ("SM", "SpacingMark"),
    ("T", "T"),
    ("V", "V"),
    ("XX", "Other"),
    ("ZWJ", "ZWJ"),
]
WB_VALUES: List[Tuple[str, ...]] = [
    ("CR", "CR"),
    ("DQ", "Double_Quote"),
    ("EB", "E_Base"),
    ("EBG", "E_Base_GAZ"),
    ("EM", "E_Modifier"),
    ("EX", "ExtendNumLet"),
    ("Extend", "Extend"),
    ("FO", "Format"),
    ("GAZ", "Glue_After_Zwj"),
    ("HL", "Hebrew_Letter"),
    ("KA", "Katakana"),
    ("LE", "ALetter"),
    ("LF", "LF"),
    ("MB", "MidNumLet"),
    ("ML", "MidLetter"),
    ("MN", "MidNum"),
    ("NL", "Newline"),
    ("NU", "Numeric"),
    ("RI", "Regional_Indicator"),
    ("SQ", "Single_Quote"),
    ("WSegSpace", "WSegSpace"),
    ("XX", "Other"),
    ("ZWJ", "ZWJ"),
]
SB_VALUES: List[Tuple[str, ...]] = [
    ("AT", "ATerm"),
    ("CL", "Close"),
    ("CR", "CR"),
    ("EX", "Extend"),
    ("FO", "Format"),
    ("LE", "OLetter"),
    ("LF", "LF"),
    ("LO", "Lower"),
    ("NU", "Numeric"),
    ("SC", "SContinue"),
    ("SE", "Sep"),
    ("SP", "Sp"),
    ("ST", "STerm"),
    ("UP", "Upper"),
    ("XX", "Other"),
]
AGE_VERSIONS = [
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "3.1",
    "3.2",
    "4.0",
    "4.1",
    "5.0",
    "5.1",
    "5.2",
    "6.0",
    "6.1",
    "6.2",
    "6.3",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "12.1",
    "13.0",
    "14.0",
    "15.0",
    "15.1",
    "16.0",
    "17.0",
    "18.0",
]


def normalize(name: str) -> str:
    """UAX44-LM3 as regex-syntax implements it (see _unicode.symbolic_name_normalize)."""
    raw = name.encode("utf-8")
    start = 0
    starts_with_is = len(raw) >= 2 and raw[:2] in (b"is", b"IS", b"iS", b"Is")
    if starts_with_is:
        start = 2
    out = bytearray()
    for b in raw[start:]:
        if b in (0x20, 0x5F, 0x2D):
            continue
        if 0x41 <= b <= 0x5A:
            out.append(b + 32)
        elif b <= 0x7F:
            out.append(b)
    if starts_with_is and out == b"c":
        out = bytearray(b"isc")
    return out.decode("ascii")


class Oracle:
    def __init__(self) -> None:
        core: Any = importlib.import_module("pydantic_core")
        self._sv = core.SchemaValidator
        self._err = core.SchemaError
        self._cache: Dict[str, Any] = {}

    def compile_error(self, pattern: str) -> Optional[str]:
        try:
            self._cache[pattern] = self._sv({"type": "str", "pattern": pattern})
        except self._err as exc:
            text = str(exc)
            marker = "SchemaError: "
            return text[text.index(marker) + len(marker) :]
        return None

    def is_match(self, pattern: str, s: str) -> bool:
        v = self._cache.get(pattern)
        if v is None:
            v = self._sv({"type": "str", "pattern": pattern})
            self._cache[pattern] = v
        return bool(v.isinstance_python(s))


_ALL_CHARS: List[str] = []


def _all() -> str:
    if not _ALL_CHARS:
        _ALL_CHARS.append("".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF))
    return _ALL_CHARS[0]


def _idx(c: int) -> int:
    return c if c < 0xD800 else (0xD800 if c <= 0xDFFF else c - 0x800)


def all_chars(lo: int, hi: int) -> str:
    text = _all()
    return text[_idx(lo) : _idx(hi + 1)] if hi < 0x10FFFF else text[_idx(lo) :]


def members(oracle: Oracle, cls: str) -> Ranges:
    """Ranges of scalar values in the Rust class expression ``cls`` (no brackets)."""
    p_in = "^[" + cls + "]*$"
    p_out = "^[^" + cls + "]*$"
    out: Ranges = []

    def rec(lo: int, hi: int) -> None:
        s = all_chars(lo, hi)
        if not s:
            return
        if oracle.is_match(p_in, s):
            out.append((lo, hi))
            return
        if oracle.is_match(p_out, s):
            return
        mid = (lo + hi) // 2
        rec(lo, mid)
        rec(mid + 1, hi)

    rec(0, 0x10FFFF)
    return canon(out)


def canon(rs: Ranges) -> Ranges:
    rs = sorted(r for r in rs if r[0] <= r[1])
    res: Ranges = []
    for a, b in rs:
        if 0xD800 <= a <= 0xDFFF:
            a = 0xE000
        if 0xD800 <= b <= 0xDFFF:
            b = 0xD7FF
        if a > b:
            continue
        if a < 0xD800 < 0xDFFF < b:
            res_extra = [(a, 0xD7FF), (0xE000, b)]
        else:
            res_extra = [(a, b)]
        for x, y in res_extra:
            if (res and x <= res[-1][1] + 1) or (res and res[-1][1] == 0xD7FF and x == 0xE000):
                res[-1] = (res[-1][0], max(res[-1][1], y))
            else:
                res.append((x, y))
    return res


def encode(rs: Ranges) -> str:
    """Delta-encode ranges as base-36 numbers: gap, length-1, gap, length-1, ..."""
    parts: List[str] = []
    prev = -1
    for a, b in rs:
        parts.append(_b36(a - prev - 1))
        parts.append(_b36(b - a))
        prev = b
    return ",".join(parts)


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    s = ""
    while n:
        n, r = divmod(n, 36)
        s = digits[r] + s
    return s


def value_table(
    oracle: Oracle, prop: str, values: List[Tuple[str, ...]], extra: List[str]
) -> Tuple[Dict[str, Ranges], Dict[str, str]]:
    """Ranges per canonical (first) name and normalized alias -> canonical name."""
    tables: Dict[str, Ranges] = {}
    aliases: Dict[str, str] = {}
    for names in values:
        canon_name = names[0]
        ok = [n for n in names if oracle.compile_error(f"\\p{{{prop}={n}}}") is None]
        if not ok:
            continue
        tables[canon_name] = members(oracle, f"\\p{{{prop}={ok[0]}}}")
        for n in ok:
            aliases[normalize(n)] = canon_name
    for n in extra:
        key = normalize(n)
        if key in aliases:
            continue
        if oracle.compile_error(f"\\p{{{prop}={n}}}") is not None:
            continue
        rs = members(oracle, f"\\p{{{prop}={n}}}")
        for cname, trs in tables.items():
            if trs == rs:
                aliases[key] = cname
                break
        else:
            tables[n] = rs
            aliases[key] = n
    return tables, aliases


def main() -> None:
    oracle = Oracle()
    rx: Any = importlib.import_module("regex._regex_core")
    props: Dict[str, Tuple[int, Dict[str, int]]] = rx.PROPERTIES
    lines: List[str] = []
    emit: Callable[[str], None] = lines.append

    # Property names (for the `name=value` form).
    prop_names: Dict[str, str] = {}
    for names in PROPERTY_ALIASES:
        long_name = names[1]
        for n in names:
            err = oracle.compile_error(f"\\p{{{n}=zzzzqqq}}")
            if err is not None and err.endswith("Unicode property value not found"):
                prop_names[normalize(n)] = long_name
    # Binary properties (the bare `\p{Name}` form).
    bool_tables: Dict[str, Ranges] = {}
    bool_aliases: Dict[str, str] = {}
    cands: List[Tuple[str, ...]] = [n for n in PROPERTY_ALIASES]
    cands += [(k,) for k, v in props.items() if set(v[1]) >= {"YES", "NO"}]
    for names in cands:
        long_name = names[1] if len(names) > 1 else names[0]
        for n in names:
            key = normalize(n)
            if key in ("cf", "sc", "lc") or key in bool_aliases:
                continue
            if oracle.compile_error(f"\\p{{{n}}}") is not None:
                continue
            # Only names that are *properties* (not gencats / scripts).
            err = oracle.compile_error(f"\\p{{{n}=zzzzqqq}}")
            if err is None or not err.endswith("Unicode property value not found"):
                continue
            if long_name in bool_tables:
                bool_aliases[key] = long_name
                continue
            rs = members(oracle, f"\\p{{{n}}}")
            for cname, trs in bool_tables.items():
                if trs == rs:
                    bool_aliases[key] = cname
                    break
            else:
                bool_tables[long_name] = rs
                bool_aliases[key] = long_name
    gc_tables: Dict[str, Ranges] = {}
    gc_aliases: Dict[str, str] = {}
    for names in GC_VALUES:
        c = names[0]
        if c in GC_LEAVES and oracle.compile_error(f"\\p{{gc={c}}}") is None:
            gc_tables[c] = members(oracle, f"\\p{{gc={c}}}")
        for n in names:
            err = oracle.compile_error(f"\\p{{{n}}}")
            if err is None or err.endswith("Unicode property value not found"):
                gc_aliases[normalize(n)] = c
    sc_names = sorted(set(props["SC"][1]) | set(props["SCX"][1]))
    by_id: Dict[int, List[str]] = {}
    for n in sc_names:
        by_id.setdefault(props["SC"][1].get(n, props["SCX"][1].get(n, -1)), []).append(n)
    sc_tables: Dict[str, Ranges] = {}
    scx_tables: Dict[str, Ranges] = {}
    sc_aliases: Dict[str, str] = {}
    by_id[-2] = ["UNKNOWN", "ZZZZ"]
    for _, group in sorted(by_id.items()):
        ok = [n for n in group if oracle.compile_error(f"\\p{{sc={n}}}") is None]
        if not ok:
            # Known to regex-syntax's alias table but without a class table
            # (Unknown/Zzzz, Katakana_Or_Hiragana/Hrkt): "value not found".
            for n in group:
                err = oracle.compile_error(f"\\p{{{n}}}")
                if err is not None and err.endswith("Unicode property value not found"):
                    sc_aliases[normalize(n)] = "-" + max(group, key=len)
            continue
        canon_name = max(ok, key=len)
        sc_tables[canon_name] = members(oracle, f"\\p{{sc={ok[0]}}}")
        scx_tables[canon_name] = members(oracle, f"\\p{{scx={ok[0]}}}")
        for n in ok:
            sc_aliases[normalize(n)] = canon_name
    age_tables: List[Tuple[str, Ranges]] = []
    age_aliases: Dict[str, str] = {}
    prev: Set[Tuple[int, int]] = set()
    prev_ranges: Ranges = []
    for v in AGE_VERSIONS:
        if oracle.compile_error(f"\\p{{age={v}}}") is not None:
            continue
        cum = members(oracle, f"\\p{{age={v}}}")
        new = subtract(cum, prev_ranges)
        name = "V" + v.replace(".", "_")
        age_tables.append((name, new))
        for alias in (v, name):
            if oracle.compile_error(f"\\p{{age={alias}}}") is None:
                age_aliases[normalize(alias)] = name
        prev_ranges = cum
    del prev
    gcb_tables, gcb_aliases = value_table(oracle, "gcb", GCB_VALUES, [])
    wb_tables, wb_aliases = value_table(oracle, "wb", WB_VALUES, [])
    sb_tables, sb_aliases = value_table(oracle, "sb", SB_VALUES, [])

    perl_word = members(oracle, "\\w")
    perl_digit = members(oracle, "\\d")
    perl_space = members(oracle, "\\s")

    # Simple case folding orbits.
    cand = canon(
        bool_tables["Changes_When_Casemapped"]
        + bool_tables["Changes_When_Casefolded"]
        + bool_tables["Cased"]
    )
    cand_chars = [c for a, b in cand for c in range(a, b + 1)]
    orbits: Dict[int, List[int]] = {}
    for cp in cand_chars:
        if cp in orbits:
            continue
        pat = f"(?i)\\x{{{cp:x}}}"
        found: List[int] = []

        def rec(lo: int, hi: int, pat: str = pat, found: List[int] = found) -> None:
            s = "".join(chr(x) for x in cand_chars[lo:hi])
            if not s or not oracle.is_match(pat, s):
                return
            if hi - lo == 1:
                found.append(cand_chars[lo])
                return
            mid = (lo + hi) // 2
            rec(lo, mid)
            rec(mid, hi)

        rec(0, len(cand_chars))
        if cp not in found:
            found.append(cp)
        if len(found) > 1:
            for x in found:
                orbits[x] = sorted(found)
    # Sanity check: nothing outside the candidates folds onto a candidate.
    non = subtract([(0, 0x10FFFF)], cand)
    assert not oracle.is_match("(?i)" + _cls(non), "".join(chr(c) for c in cand_chars))

    uniq = sorted({tuple(v) for v in orbits.values()})

    # Characters regex-syntax accepts in capture group names (core's
    # char::is_alphabetic / is_alphanumeric, which follow rustc's Unicode).
    def scan(fmt: str) -> Ranges:
        ok: Ranges = []
        for c in range(0x110000):
            if 0xD800 <= c <= 0xDFFF:
                continue
            if oracle.compile_error(fmt % chr(c)) is None:
                ok.append((c, c))
            oracle._cache.clear()
        return canon(ok)

    cap_start = scan("(?P<%s>a)")
    cap_cont = scan("(?P<a%s>a)")

    emit('"""Unicode tables read back from the Rust regex crate 1.13.1 (generated).')
    emit("")
    emit("Regenerate with ``_gentables.py``; see docs/design/regex.md.  Ranges are")
    emit("delta-encoded base-36 numbers: gap, length-1, gap, length-1, ...")
    emit("")
    emit("regex-syntax 0.8.11 ships Unicode 16.0 property tables (``\\\\p{age=17.0}`` is")
    emit("unknown to it); CAPTURE_START / CAPTURE_CONTINUE come from rustc 1.95's")
    emit("``char::is_alphabetic`` / ``is_alphanumeric``, which follow Unicode 17.0.")
    emit('"""')
    emit("")
    emit("# ruff: noqa: E501")
    emit("from typing import Dict, List, Tuple")
    emit("")
    emit('UNICODE_VERSION = "16.0.0"')
    _dict(emit, "PROPERTY_NAMES", prop_names)
    _dict(emit, "BOOL_ALIASES", bool_aliases)
    _tables(emit, "BOOL", bool_tables)
    _dict(emit, "GC_ALIASES", gc_aliases)
    _tables(emit, "GC", gc_tables)
    emit("GC_GROUPS: Dict[str, Tuple[str, ...]] = {")
    for grp, leaves in GC_GROUPS.items():
        emit("    {!r}: ({}),".format(grp, ", ".join(repr(x) for x in leaves)))
    emit("}")
    _dict(emit, "SCRIPT_ALIASES", sc_aliases)
    _tables(emit, "SCRIPT", sc_tables)
    _tables(emit, "SCRIPT_EXTENSIONS", scx_tables)
    _dict(emit, "AGE_ALIASES", age_aliases)
    emit("AGE: List[Tuple[str, str]] = [")
    for name, rs in age_tables:
        emit(f"    ({name!r}, {encode(rs)!r}),")
    emit("]")
    _dict(emit, "GCB_ALIASES", gcb_aliases)
    _tables(emit, "GCB", gcb_tables)
    _dict(emit, "WB_ALIASES", wb_aliases)
    _tables(emit, "WB", wb_tables)
    _dict(emit, "SB_ALIASES", sb_aliases)
    _tables(emit, "SB", sb_tables)
    emit(f"CAPTURE_START = {encode(cap_start)!r}")
    emit(f"CAPTURE_CONTINUE = {encode(cap_cont)!r}")
    emit(f"PERL_WORD = {encode(perl_word)!r}")
    emit(f"PERL_DIGIT = {encode(perl_digit)!r}")
    emit(f"PERL_SPACE = {encode(perl_space)!r}")
    emit("# Simple case folding orbits (base-36 code points, ',' within, ';' between).")
    emit("CASE_ORBITS = (")
    text = ";".join(",".join(_b36(c) for c in orb) for orb in uniq)
    for i in range(0, len(text), 96):
        emit(f"    {text[i : i + 96]!r}")
    emit(")")
    out = os.path.join(
        os.path.dirname(os.path.abspath(__file__)),
        os.pardir,
        "src",
        "contractgate",
        "_regex",
        "_tables.py",
    )
    with open(out, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote", out, file=sys.stderr)


def _cls(rs: Ranges) -> str:
    return "[" + "".join("\\x{{{:x}}}-\\x{{{:x}}}".format(*r) for r in rs) + "]"


def subtract(a: Ranges, b: Ranges) -> Ranges:
    res: Ranges = []
    for x, y in a:
        cur = x
        for p, q in b:
            if q < cur or p > y:
                continue
            if p > cur:
                res.append((cur, p - 1))
            cur = max(cur, q + 1)
        if cur <= y:
            res.append((cur, y))
    return canon(res)


def _dict(emit: Callable[[str], None], name: str, d: Dict[str, str]) -> None:
    emit(f"{name}: Dict[str, str] = {{")
    for k in sorted(d):
        emit(f"    {k!r}: {d[k]!r},")
    emit("}")


def _tables(emit: Callable[[str], None], name: str, d: Dict[str, Ranges]) -> None:
    emit(f"{name}: Dict[str, str] = {{")
    for k in sorted(d):
        emit(f"    {k!r}: {encode(d[k])!r},")
    emit("}")


if __name__ == "__main__":
    main()
