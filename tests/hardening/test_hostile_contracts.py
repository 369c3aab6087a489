"""Hostile contracts: YAML alias bombs, ``!!python/...`` tags, 10 MB strings, 10,000-deep
nesting, catastrophic regexes against 50,000-character inputs, non-UTF-8 files. Each one
ends in a typed ``ContractCompileError`` or a correct answer, within bounded time (and,
for the big inputs, bounded memory: they run in a subprocess under an address-space
limit). Time bounds are generous on purpose: they catch hangs, not slowness."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, ContextManager, Dict, List, Optional

import pytest

from contractgate import Contract, ContractCompileError
from hang_guard import hang_guard

HEAD = "version: '1'\nname: t\nontology:\n  entities:\n    - {name: s, type: string%s}\n"
CASE_SECONDS = 30  # a hang guard, not a performance claim


def bounded(seconds: int = CASE_SECONDS) -> ContextManager[None]:
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""
    return hang_guard(seconds)


def outcome(text: Any) -> str:
    """'ok' or 'error: <message>' for compiling ``text``; anything else propagates."""
    with bounded():
        try:
            Contract.from_yaml(text).compile()
        except ContractCompileError as err:
            assert str(err), "a compile error must say what is wrong"
            return "error: " + str(err)
    return "ok"


CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from contractgate import Contract, ContractCompileError
    job = json.loads(sys.stdin.read())
    text, probe = job["text"], job["probe"]
    t0 = time.monotonic()
    try:
        c = Contract.from_yaml(text).compile()
        out = {"outcome": "ok"}
        if probe is not None:
            out["passed"] = c.validate(probe).passed
    except ContractCompileError as err:
        msg = str(err)  # the engine's text quotes the whole pattern: keep both ends
        out = {"outcome": "compile_error", "message": msg[:300] + " ... " + msg[-300:]}
    out["seconds"] = time.monotonic() - t0
    print(json.dumps(out))
    """
)


def run_bounded(text: str, *, seconds: float = 60, mem_mb: int = 2048,
                probe: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:  # fmt: skip
    """Compile ``text`` in a child process with an address-space limit and a timeout.
    A MemoryError, a crash or a timeout fails the test."""
    if sys.platform == "win32":  # pragma: no cover
        pytest.skip("resource limits need a POSIX system")
    args = [sys.executable, "-c", CHILD, str(mem_mb << 20)]
    job = json.dumps({"text": text, "probe": probe})
    try:
        proc = subprocess.run(args, input=job, capture_output=True, text=True,
                              timeout=seconds)  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"no answer within {seconds} s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ------------------------------------------------------------------ alias bombs


def _laughs(levels: int = 9, width: int = 9, prefix: str = "a") -> str:
    out = f"{prefix}0: &{prefix}0 [" + ",".join(["lol"] * width) + "]\n"
    for i in range(1, levels + 1):
        refs = ",".join([f"*{prefix}{i - 1}"] * width)
        out += f"{prefix}{i}: &{prefix}{i} [{refs}]\n"
    return out


@pytest.mark.parametrize(
    "text",
    [
        _laughs() + HEAD % "",  # under unknown keys: never expanded
        _laughs() + HEAD % ", enum: *a9",  # 9^10 values if expanded
        _laughs() + "description: *a9\n" + HEAD % "",
        "e0: &e0 {name: s, type: string}\n"
        + "".join(f"e{i}: &e{i} [" + ",".join([f"*e{i - 1}"] * 9) + "]\n" for i in range(1, 10))
        + "version: '1'\nname: t\nontology:\n  entities: *e9\n",
        "a: &a [*a]\n" + HEAD % "",  # self-reference
        _laughs(levels=30, width=2) + HEAD % ", enum: *a30",  # deep, narrow: 2^31
    ],
    ids=["unknown-key", "enum", "description", "entities", "self-ref", "deep-2x"],
)
def test_alias_bombs_are_bounded(text: str) -> None:
    res = run_bounded(text, seconds=60, mem_mb=1024)
    assert res["outcome"] in ("ok", "compile_error")
    if res["outcome"] == "compile_error":
        assert res["message"]


# ------------------------------------------------------------------ python tags


PWN = ["!!python/object/apply:os.system ['touch {f}']",
       "!!python/object/new:os.system ['touch {f}']",
       "!!python/object/apply:subprocess.call [['touch', '{f}']]",
       "!!python/object:builtins.exec {{}}",
       "!!python/name:os.system",
       "!!python/module:os",
       "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {f}']"]  # fmt: skip


@pytest.mark.parametrize("tag", PWN)
@pytest.mark.parametrize("where", ["name", "enum", "unknown-key", "root", "description"])
def test_python_tags_never_execute(tag: str, where: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    t = tag.format(f=marker)
    text = {
        "name": f"version: '1'\nname: {t}\nontology: {{entities: []}}\n",
        "enum": "version: '1'\nname: t\nontology:\n  entities:\n"
        f"    - name: s\n      type: string\n      enum:\n        - {t}\n",
        "unknown-key": f"x: {t}\n" + HEAD % "",
        "root": f"{t}\n",
        "description": f"description: {t}\n" + HEAD % "",
    }[where]
    res = outcome(text)
    assert res == "ok" or res.startswith("error: ")
    assert not marker.exists(), "a YAML tag executed code"


def test_python_tag_values_are_never_objects() -> None:
    """Where a tagged value is accepted, it is plain data (text or JSON), never an object
    built by the YAML library."""
    c = Contract.from_yaml(
        "version: '1'\nname: t\nontology:\n  entities:\n    - name: s\n      type: any\n"
        "      enum:\n        - !!python/object/apply:os.getcwd []\n        - !!python/none ''\n"
    )
    for v in c.ontology.entities[0].enum or []:
        assert v is None or isinstance(v, (str, int, float, bool, list, dict))


# ------------------------------------------------------------------ huge strings

TEN_MB = 10 * 1024 * 1024


@pytest.mark.parametrize(
    "where",
    ["description", "name", "enum", "field-name"],  # unknown keys/comments: same path
)
def test_ten_megabyte_strings(where: str) -> None:
    big = "a" * TEN_MB
    text = {
        "description": f"description: {big}\n" + HEAD % "",
        "name": HEAD.replace("name: t", f"name: {big}") % "",
        "enum": HEAD % f", enum: ['{big}']",
        "field-name": HEAD.replace("name: s,", f"name: {big},") % "",
    }[where]
    probe = {"s": big} if where == "enum" else {"s": "x"}
    res = run_bounded(text, seconds=60, mem_mb=2048, probe=probe)
    assert res["outcome"] == "ok"
    if where == "enum":
        assert res["passed"] is True


CAP = 1 << 20  # contractgate compiles patterns of at most 1 MiB (UTF-8 bytes)


def _fit(unit: str, size: int, head: str = "") -> str:
    """``head`` then as many ``unit``s as fit in ``size`` characters."""
    return head + unit * ((size - len(head)) // len(unit))


def _random_atoms(atoms: List[str], size: int) -> str:
    """About ``size`` characters of randomly chosen atoms (a block of >64 KB, repeated:
    no period the parser's shortcut for periodic text would take)."""
    import random

    rnd = random.Random(20261122)
    block = "".join(rnd.choice(atoms) for _ in range(40_000))
    return block * (size // len(block))


_MIX_ATOMS = ["a", "[a]", "\\.", "\\d", "\\x41", "\\u{41}", "a?", ".", "\\w", "(a)", "(?:b|c)+"]

# One unit of each shape, repeated. Each atom is several parser nodes and many NFA
# states, so before issue #7 (a) these cost seconds and ~250 MB per MB of pattern.
HUGE_PATTERNS = {
    "literal": "a",
    "class": "[a]",
    "escaped-dot": "\\.",
    "perl-digit": "\\d",
    "perl-word": "\\w",
    "hex": "\\x41",
    "hex-brace": "\\u{41}",
    "dot": ".",
    "optional": "a?",
    "capture": "(a)",
    "alternation": "a|",
    "mixed-unit": "a[b]\\.\\d(c)d?e|.\\x41\\w",
    # shapes outside the token grammar: the parser's per-item cost
    "open-groups": "(",
    "nested-groups": "((",
    "one-big-class": "ab",
    "flag-groups": "(?i)a(?-i)b",
    "flag-branches": "[a-z\\d](?i:b)c{2}(?s).\\pL|",
}


def _huge(shape: str, size: int) -> str:
    if shape == "case-insensitive":
        return _fit("a", size, "(?i)")
    if shape == "x-mode":  # whitespace between the tokens
        return _fit(" \\d  [a] ", size, "(?x)")
    if shape == "in-a-group":
        return "(?:x|" + "\\d" * ((size - 6) // 2) + ")"
    if shape == "random-mix":
        return _random_atoms(_MIX_ATOMS, size)
    if shape == "random-alternation":
        return _random_atoms([*_MIX_ATOMS, "a|", "\\d|"], size)
    if shape == "nested-groups":
        return "(" * (size // 2) + ")" * (size // 2)
    if shape == "one-big-class":
        return "[" + _fit("ab", size - 2) + "]"
    return _fit(HUGE_PATTERNS[shape], size)


HUGE_SPECIAL = ["case-insensitive", "x-mode", "in-a-group", "random-mix", "random-alternation"]
HUGE_SHAPES = [*HUGE_PATTERNS, *HUGE_SPECIAL]

#: What the crate answers for each shape at 1 MiB (the suffix of the error, or "ok").
AT_CAP = {shape: "exceeds size limit of 10485760 bytes." for shape in HUGE_SHAPES}
AT_CAP.update({
    "hex": "ok", "hex-brace": "ok", "one-big-class": "ok",
    "open-groups": "error: unclosed group",
    "nested-groups": "error: exceed the maximum number of nested parentheses/brackets (250)",
})  # fmt: skip


@pytest.mark.parametrize("shape", ["literal", "one-big-class", "open-groups", "random-mix"])
def test_ten_megabyte_pattern_is_a_prompt_typed_error(shape: str) -> None:
    """Longer than any pattern a gateway can store: refused before parsing."""
    res = run_bounded(HEAD % f", pattern: '{_huge(shape, TEN_MB)}'", seconds=30, mem_mb=1024)
    assert res["outcome"] == "compile_error", res
    assert res["message"].startswith("Invalid regex for field 's': the pattern is ")
    assert "at most 1048576 bytes" in res["message"]


def test_the_pattern_cap_counts_utf8_bytes_and_names_the_field() -> None:
    def compiled(pattern: str) -> str:
        props = "properties: [{name: inner, type: string, pattern: '" + pattern + "'}]"
        return outcome(
            "version: '1'\nname: t\nontology:\n  entities:\n"
            "    - {name: o, type: object, " + props + "}\n"
        )

    assert "at most" not in compiled("a" * CAP)  # exactly at the cap: compiled
    assert "at most" not in compiled("\u00e9" * (CAP // 2))
    err = compiled("\u00e9" * (CAP // 2 + 1))  # fewer characters than the cap, more bytes
    assert err == (
        f"error: Invalid regex for field 'o.inner': the pattern is {CAP + 2} bytes long; "
        f"contractgate compiles patterns of at most {CAP} bytes (no gateway can store a "
        "longer one: contract bodies are capped at 1 MiB)"
    )


@pytest.mark.slow
@pytest.mark.parametrize("shape", HUGE_SHAPES)
def test_patterns_at_the_cap_get_the_engine_answer(shape: str) -> None:
    """Up to the cap every shape gets the crate's own answer, in bounded time and memory."""
    pattern = _huge(shape, CAP)
    assert 0.9 * CAP < len(pattern) <= CAP
    res = run_bounded(HEAD % f", pattern: '{pattern}'", seconds=60, mem_mb=1024)
    if AT_CAP[shape] == "ok":
        assert res["outcome"] == "ok", res
    else:
        assert res["outcome"] == "compile_error", res
        assert res["message"].startswith("Invalid regex '")
        assert res["message"].endswith(AT_CAP[shape])


# ------------------------------------------------------------------ deep nesting

DEEP = 10_000


def _deep_props(n: int) -> str:
    s = "{name: s, type: string}"
    for _ in range(n):
        s = "{name: o, type: object, properties: [" + s + "]}"
    return "version: '1'\nname: t\nontology:\n  entities: [" + s + "]\n"


def _deep_items(n: int) -> str:
    s = "{name: s, type: string}"
    for _ in range(n):
        s = "{name: o, type: array, items: " + s + "}"
    return "version: '1'\nname: t\nontology:\n  entities: [" + s + "]\n"


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * DEEP + "]" * DEEP + "\n" + HEAD % "",
        "x: " + "{a: " * DEEP + "1" + "}" * DEEP + "\n" + HEAD % "",
        HEAD % (", enum: [" + "[" * DEEP + "]" * DEEP + "]"),
        HEAD % (", enum: [" + "{a: " * DEEP + "1" + "}" * DEEP + "]"),
        _deep_props(DEEP),
        _deep_items(DEEP),
        "x:\n" + "".join("  " * i + "- \n" for i in range(1, 2000)) + HEAD % "",  # block style
        "[" * DEEP,  # unterminated
    ],
    ids=[
        "flow-seq",
        "flow-map",
        "enum-seq",
        "enum-map",
        "properties",
        "items",
        "block",
        "unterminated",
    ],
)
def test_ten_thousand_deep_nesting_is_typed(text: str) -> None:
    res = outcome(text)  # no RecursionError, no hang
    assert res == "ok" or res.startswith("error: ")


@pytest.mark.parametrize("depth", [30, 60])  # 2 YAML levels each; engine limit 128
def test_moderately_deep_contracts_compile_and_validate(depth: int) -> None:
    """Depths a real schema can have still work, and find a violation at the bottom."""
    compiled = Contract.from_yaml(_deep_props(depth)).compile()
    ev: Any = {"s": 1}
    for _ in range(depth):
        ev = {"o": ev}
    vr = compiled.validate(ev)
    assert [v.kind for v in vr.violations] == ["type_mismatch"]
    assert vr.violations[0].field == ".".join(["o"] * depth + ["s"])


# ------------------------------------------------------------------ catastrophic regexes

N = 50_000
CATASTROPHIC = [
    # (pattern, input, passes?) -- answers follow Rust's leftmost unanchored search
    (r"^(a+)+$", "a" * N + "!", False),
    (r"^(a+)+$", "a" * N, True),
    (r"(a|a)*b", "a" * N, False),
    (r"(a|a)*b", "a" * N + "b", True),
    (r"(\w+\s?)*$", "ab " * (N // 3) + "!", True),  # unanchored: matches empty at the end
    (r"^(\w+\s?)*$", "ab " * (N // 3) + "!", False),
    (r"(a*)*b", "a" * N, False),
    (r"^(a|aa)+$", "a" * (N - 1) + "b", False),
    (r"(x+x+)+y", "x" * N, False),
    (r"^(([a-z])+.)+[A-Z]([a-z])+$", "a" * N, False),
    (r"^(\d+)*$", "1" * N + "x", False),
    (r"^(a?){25}a{25}$", "a" * 25, True),
    (r"^(.*?,){11}P", "1," * (N // 2), False),
    (
        r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|"
        r"([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
        "a" * N + "!",
        False,
    ),
    (r"(?i)^(\p{L}+\s?)*$", "é" * N + "1", False),
    (r"^(?:a|b|ab)*c$", "ab" * (N // 2), False),
]


@pytest.mark.parametrize(
    "pattern, value, passes", CATASTROPHIC, ids=[f"{i}:{c[0][:24]}" for i, c in
                                                 enumerate(CATASTROPHIC)],
)  # fmt: skip
def test_catastrophic_regexes_answer_correctly_and_promptly(
    pattern: str, value: str, passes: bool
) -> None:
    with bounded():
        compiled = Contract.from_yaml(HEAD % f", pattern: {json.dumps(pattern)}").compile()
        vr = compiled.validate({"s": value})
        assert vr.passed is passes
        if not passes:
            assert [v.kind for v in vr.violations] == ["pattern_mismatch"]
        # and the batch path (many values through the same pattern) stays bounded
        assert [r.passed for r in compiled.validate_batch([{"s": value}] * 5)] == [passes] * 5


def test_catastrophic_regex_through_the_local_gateway(tmp_path: Path) -> None:
    """The gateway compiles the same hostile pattern and answers a 50,000-character value
    without stalling other requests."""
    from contractgate import Client
    from contractgate.gateway import LocalGateway

    (tmp_path / "redos.yaml").write_text(
        "version: '1.0.0'\nname: redos\nontology:\n  entities:\n"
        "    - {name: s, type: string, pattern: '^(a+)+$'}\n"
    )
    with (
        LocalGateway(contracts_dir=str(tmp_path), db=":memory:") as gw,
        Client(gw.base_url, api_key=gw.api_key, timeout=60, max_retries=0) as c,
        bounded(),
    ):
        res = c.ingest(gw.contract_id("redos"), [{"s": "a" * N + "!"}, {"s": "a" * N}])
        assert [r.passed for r in res.results] == [False, True]


@pytest.mark.parametrize(
    "pattern",
    [
        r"a{10000}{10000}",
        r"((a{100}){100}){100}",
        r"\w{1000}{1000}",
        r"[\p{L}\p{N}]{5000}",
        "(" * 10_000 + "a" + ")" * 10_000,
        r"(?:(?:(?:a{1000}){1000}){1000}){1000}",
        "[" * 10_000,
    ],
)
def test_oversized_regexes_are_compile_errors(pattern: str) -> None:
    res = outcome(HEAD % f", pattern: {json.dumps(pattern)}")
    assert res.startswith("error: Invalid regex ")
    assert "for field 's': " in res


# ------------------------------------------------------------------ non-UTF-8 files

VALID = (
    "version: '1'\nname: t\ndescription: café\nontology:\n  entities:\n"
    "    - {name: s, type: string}\n"
)


@pytest.mark.parametrize(
    "data",
    [
        VALID.encode("latin-1"),
        VALID.encode("utf-16"),
        VALID.encode("utf-16-le"),
        VALID.encode("utf-32"),
        "version: '1'\nname: “t”\nontology: {entities: []}\n".encode("cp1252"),
        bytes(range(256)) * 16,
        b"version: '1'\x00\nname: t\n",
        b"\xc0\xaf" + VALID.encode(),  # overlong encoding
        VALID.encode()[:-30] + b"\xed\xa0\x80\n",  # encoded surrogate (CESU-8)
    ],
    ids=[
        "latin-1",
        "utf-16",
        "utf-16-le",
        "utf-32",
        "cp1252",
        "binary",
        "nul",
        "overlong",
        "cesu8",
    ],
)
def test_non_utf8_files_are_typed_errors_naming_the_file(data: bytes, tmp_path: Path) -> None:
    f = tmp_path / "contract.yaml"
    f.write_bytes(data)
    with bounded(), pytest.raises(ContractCompileError) as ei:
        Contract.from_file(f).compile()
    assert str(f) in str(ei.value)


def test_utf8_bom_behaves_like_the_engine(tmp_path: Path) -> None:
    """Spec §1.1: a BOM right before the first key breaks parsing the way libyaml does."""
    f = tmp_path / "bom.yaml"
    f.write_bytes(VALID.encode("utf-8-sig"))
    with pytest.raises(ContractCompileError, match="missing field `name`"):
        Contract.from_file(f)
    f.write_bytes(b"\xef\xbb\xbf\n" + VALID.encode())
    assert Contract.from_file(f).compile().validate({"s": "x"}).passed


def test_gateway_starts_despite_hostile_contract_files(tmp_path: Path) -> None:
    """A folder mixing hostile files and a good one: the gateway starts promptly, reports
    each bad file, and serves the good contract. (Alias bombs: see above; the gateway uses
    the same loader.)"""
    from contractgate import Client
    from contractgate.gateway import LocalGateway

    (tmp_path / "pwn.yaml").write_text(
        f"version: '1'\nname: !!python/object/apply:os.system ['touch {tmp_path}/pwned']\n"
        "ontology: {entities: []}\n"
    )
    (tmp_path / "latin.yaml").write_bytes(VALID.replace("name: t", "name: latin").encode("latin-1"))
    (tmp_path / "deep.yaml").write_text("x: " + "[" * DEEP + "]" * DEEP + "\n" + HEAD % "")
    (tmp_path / "good.yaml").write_text(HEAD.replace("name: t", "name: good") % "")
    with bounded(60), LocalGateway(contracts_dir=str(tmp_path), db=":memory:") as gw:
        problems = " ".join(str(p) for p in gw.problems)
        for name in ("pwn.yaml", "latin.yaml", "deep.yaml"):
            assert name in problems, problems
        with Client(gw.base_url, api_key=gw.api_key, max_retries=0) as c:
            assert c.ingest(gw.contract_id("good"), [{"s": "x"}]).passed == 1
    assert not (tmp_path / "pwned").exists()
    assert os.path.exists(tmp_path / "good.yaml")
