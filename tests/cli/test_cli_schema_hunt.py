"""``check-contracts --strict`` on YAML the engine reads its own way: merge keys, tags,
empty values and very deep nesting (the schema check must neither raise false alarms on
contracts the engine accepts, nor miss what it ignores, nor crash)."""

from __future__ import annotations

from pathlib import Path

from cg_cli_testlib import run_module

HEAD = 'version: "1.0.0"\nname: demo\nontology:\n  entities:\n'


def write(project: Path, name: str, text: str) -> str:
    path = project / "contracts" / name
    path.write_text(text, encoding="utf-8")
    return f"contracts/{name}"


# -- merge keys: the engine does not support them; '<<' is an ignored unknown key ------


def test_merge_key_is_reported_not_applied(cli, project: Path) -> None:
    text = (
        "x-optional: &opt\n  required: false\n"
        + HEAD
        + "    - <<: *opt\n      name: user_id\n      type: string\n"
    )
    path = write(project, "merge.yaml", text)
    assert cli("check-contracts", path).code == 0  # the engine accepts it (field required!)
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1, r.out
    assert r.lines[0] == (
        f"{path}:7:7: ontology.entities[0].<<: unknown key '<<' (YAML merge keys are not "
        "supported: the merged keys do not apply) — the gateway ignores it silently "
        "[unknown_key]"
    )
    assert r.lines[-1] == "✗ 1 of 1 contract failed (strict): 1 error"


def test_merge_key_with_a_scalar_value_does_not_switch_the_check_off(cli, project: Path) -> None:
    text = HEAD + "    - <<: base\n      name: user_id\n      type: string\n      requried: true\n"
    path = write(project, "merge2.yaml", text)
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1, r.out
    assert [line.split(": ")[1] for line in r.lines[:2]] == [
        "ontology.entities[0].<<",
        "ontology.entities[0].requried",
    ]


# -- tags: the engine ignores them outside `enum` values -------------------------------


def test_tags_do_not_switch_the_check_off(cli, project: Path) -> None:
    for n, tagged in enumerate(
        ["!v 1.0", "!!timestamp 2024-01-01", "!!binary aGVsbG8=", "!!int x"]
    ):
        text = HEAD.replace('"1.0.0"', tagged) + (
            "    - name: user_id\n      type: string\n      requried: true\n"
        )
        path = write(project, f"tag{n}.yaml", text)
        assert cli("check-contracts", path).code == 0, tagged
        r = cli("check-contracts", "--strict", path)
        assert r.code == 1, (tagged, r.out)
        assert r.lines[0].startswith(f"{path}:7:7: ontology.entities[0].requried: unknown key")


def test_tags_the_engine_ignores_are_no_false_alarm(cli, project: Path) -> None:
    text = HEAD + (
        "    - name: user_id\n      type: string\n      required: !!str true\n"
        "      min_length: !!str 1\n      max: !!str 5\n      pattern: !!null ~\n"
    )
    path = write(project, "tagged.yaml", text)
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out


# -- empty values ------------------------------------------------------------------------


def test_an_empty_list_value_is_an_empty_list(cli, project: Path) -> None:
    text = (
        HEAD
        + "    - name: user_id\n      type: string\n"
        + "glossary:\n  - field: user_id\n    description: the user\n    synonyms:\n"
        + "metrics:\nquality:\n"
    )
    path = write(project, "empty.yaml", text)
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out
    path = write(project, "empty2.yaml", 'version: "1"\nname: x\nontology:\n  entities:\n')
    assert cli("check-contracts", path).code == 0
    assert cli("check-contracts", "--strict", path).code == 0


def test_an_empty_text_value_is_empty_text(cli, project: Path) -> None:
    # spec §1.7: a glossary description may be empty; `description:` reads as ""
    text = (
        HEAD
        + "    - name: user_id\n      type: string\nglossary:\n  - field: a\n    description:\n"
    )
    path = write(project, "emptytext.yaml", text)
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out


def test_null_as_text_names_the_text_the_gateway_stores(cli, project: Path) -> None:
    text = 'version: "1"\nname: ~\nontology:\n  entities:\n    - name: NULL\n      type: string\n'
    path = write(project, "nulls.yaml", text)
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1
    assert r.lines[:2] == [
        f'{path}:2:7: name: is null, which the gateway reads as the literal text "~" here '
        "(quote it if that is what you mean) [null_as_text]",
        f"{path}:5:13: ontology.entities[0].name: is null, which the gateway reads as the "
        'literal text "NULL" here (quote it if that is what you mean) [null_as_text]',
    ]


# -- very deep nesting: findings, not an internal error (exit 70) ----------------------


def test_deeply_nested_values_are_reported_not_a_crash(cli, project: Path) -> None:
    deep = "[" * 3000 + "]" * 3000
    path = write(
        project, "deep.yaml", f"description: {deep}\n{HEAD}    - {{name: a, type: string}}\n"
    )
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1, r.out + r.err
    assert "internal error" not in r.err
    assert r.lines[0].startswith(f"{path}:1:14: YAML parse error: description: invalid type")
    assert r.lines[-1] == "✗ 1 of 1 contract failed (strict): 1 error"


def test_items_nested_beyond_the_engine_limit_are_reported_not_a_crash(cli, project: Path) -> None:
    field = "{name: leaf, type: string}"
    for n in range(400):
        field = f"{{name: n{n}, type: array, items: {field}}}"
    path = write(project, "deepitems.yaml", f"{HEAD}    - {field}\n")
    r = cli("check-contracts", "--strict", path)
    assert r.code == 1, r.out + r.err
    assert "internal error" not in r.err
    assert "recursion limit exceeded" in r.lines[0]
    assert r.lines[-1] == "✗ 1 of 1 contract failed (strict): 1 error"


def test_deep_annotations_the_engine_ignores_pass(cli, project: Path) -> None:
    deep = "{a: " * 3000 + "1" + "}" * 3000
    path = write(project, "deepx.yaml", f"x-notes: {deep}\n{HEAD}    - {{name: a, type: string}}\n")
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out + r.err


# -- a node that contains itself ----------------------------------------------------------


def test_a_recursive_alias_does_not_hang(project: Path) -> None:
    # The engine ignores the annotation; the schema check used to loop (and grow) forever.
    text = f"x-loop: &a [*a]\n{HEAD}    - {{name: a, type: string}}\n"
    path = write(project, "loop.yaml", text)
    r = run_module(["check-contracts", "--strict", path], cwd=project, timeout=20)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out + r.err


def test_a_keyword_given_as_a_tag_is_read_as_the_engine_does(cli, project: Path) -> None:
    # serde_yaml's enum syntax: `!variant` with an empty body
    text = HEAD + "    - name: a\n      type: !string\n      transform:\n        kind: !mask\n"
    path = write(project, "tagvariant.yaml", text)
    assert cli("check-contracts", path).code == 0
    r = cli("check-contracts", "--strict", path)
    assert (r.code, r.lines[-1]) == (0, "✓ 1 contract OK (strict)"), r.out
    r = cli(
        "check-contracts", "--strict", write(project, "tv2.yaml", text.replace("!mask", "!masc"))
    )
    assert r.code == 1 and "unknown variant `masc`" in r.lines[0], r.out
