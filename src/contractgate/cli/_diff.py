"""``contractgate diff``: what changes between two contract versions, whom it breaks, and
whether the version step covers it.

``contractgate diff OLD NEW`` compares two contracts (files, or ``git:REF:PATH``).
``contractgate diff --base REF [FILE...]`` (the ``contractgate-breaking`` pre-commit hook)
compares each FILE with its version at REF: the same path, or else, for the
``contracts/<name>/<version>.yaml`` layout, the highest version of the same contract name
in the same folder at REF.

Fixtures the config maps to either version are run through both, which decides changes
the diff cannot decide statically (two regexes) and lists the fixtures that now fail. A
breaking change fails (exit 1) unless the version step is one the policy accepts
(``breaking: {require: major}`` in ``.contractgate.yml``, the default), or unless
``--allow-breaking`` / ``CONTRACTGATE_ALLOW_BREAKING=1`` overrides it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Optional, Tuple

from ._common import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, EXIT_USAGE, CLIError, display_path
from ._output import Output, github_annotation

if TYPE_CHECKING:  # pragma: no cover
    from .._validation.diff_model import ContractChange, ContractDiff
    from ..contract import Contract
    from ._config import Config

ALLOW_ENV = "CONTRACTGATE_ALLOW_BREAKING"
_REQUIRE = {
    "major": ("major",),
    "minor": ("major", "minor"),
    "patch": ("major", "minor", "patch"),
    "any": ("major", "minor", "patch", "prerelease"),
    "never": (),
}
_SIDES = ("producers", "consumers")


@dataclass(frozen=True)
class Policy:
    """``breaking:`` in the config: which version step a breaking change needs
    (``require``), whether undecided changes fail (``unknown: fail``) or only warn, and
    which sides count (``sides``)."""

    require: str = "major"
    unknown: str = "warn"
    sides: Tuple[str, ...] = _SIDES

    @classmethod
    def from_config(cls, cfg: Optional[Config]) -> Policy:
        raw = getattr(cfg, "breaking", None) if cfg is not None else None
        if raw is None:
            return cls()
        shown = cfg.display if cfg is not None else None
        if not isinstance(raw, dict):
            raise CLIError(
                "'breaking' must be a mapping (require, unknown, sides)", EXIT_CONFIG, file=shown
            )
        unknown_keys = sorted(set(raw) - {"require", "unknown", "sides"})
        if unknown_keys:
            raise CLIError(
                f"'breaking' has unknown keys: {', '.join(unknown_keys)} "
                "(known: require, unknown, sides)",
                EXIT_CONFIG,
                file=shown,
            )
        require = str(raw.get("require", "major"))
        if require not in _REQUIRE:
            raise CLIError(
                f"breaking.require must be one of {', '.join(_REQUIRE)}, not {require!r}",
                EXIT_CONFIG,
                file=shown,
            )
        unknown = str(raw.get("unknown", "warn"))
        if unknown not in ("warn", "fail"):
            raise CLIError(
                f"breaking.unknown must be warn or fail, not {unknown!r}", EXIT_CONFIG, file=shown
            )
        sides = raw.get("sides", list(_SIDES))
        if isinstance(sides, str):
            sides = [sides]
        if not isinstance(sides, list) or not sides or any(s not in _SIDES for s in sides):
            raise CLIError(
                "breaking.sides must list producers and/or consumers", EXIT_CONFIG, file=shown
            )
        return cls(require, unknown, tuple(sides))

    def describe(self) -> str:
        return f"breaking.require: {self.require}"


@dataclass
class Side:
    """One version: its label for people, the file path in the work tree (for the
    fixture mapping), and the contract."""

    label: str
    contract: Contract
    path: Optional[str] = None


@dataclass
class Verdict:
    blocking: bool
    summary: str
    advice: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# reading versions


def _git(args: List[str], cwd: Optional[str] = None) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as err:
        raise CLIError(f"cannot run git: {err}", EXIT_USAGE) from None


def _toplevel() -> str:
    proc = _git(["rev-parse", "--show-toplevel"])
    if proc.returncode != 0:
        raise CLIError("not inside a git repository (needed for git: and --base)", EXIT_USAGE)
    return proc.stdout.decode("utf-8", "replace").strip()


def _git_show(root: str, ref: str, repo_path: str) -> Optional[str]:
    proc = _git(["show", f"{ref}:{repo_path}"], cwd=root)
    if proc.returncode != 0:
        return None
    try:
        return proc.stdout.decode("utf-8")
    except UnicodeDecodeError:
        raise CLIError(f"{repo_path} at {ref} is not UTF-8", EXIT_USAGE) from None


def _parse(text: str, label: str) -> Contract:
    from ..contract import Contract
    from ..exceptions import ContractCompileError

    try:
        return Contract.from_yaml(text, filename=label)
    except ContractCompileError as err:
        raise CLIError(
            f"invalid contract YAML: {err.message}",
            EXIT_USAGE,
            file=label,
            line=err.line,
            column=err.column,
        ) from None


def load_side(spec: str) -> Side:
    """A file path, or ``git:REF:PATH`` (PATH from the repository root, or ``./PATH``
    from the current directory, as git reads it)."""
    if spec.startswith("git:"):
        ref, sep, path = spec[4:].partition(":")
        if not sep or not ref or not path:
            raise CLIError(f"{spec!r}: expected git:REF:PATH (e.g. git:HEAD:contracts/a.yaml)")
        root = _toplevel()
        if path.startswith("./") or path.startswith("../"):
            path = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root).returncode:
            raise CLIError(f"{spec!r}: git knows no revision {ref!r}", EXIT_USAGE)
        text = _git_show(root, ref, path)
        if text is None:
            raise CLIError(f"{spec!r}: {path} does not exist at {ref}", EXIT_USAGE)
        local = os.path.join(root, path)
        return Side(f"{path}@{ref}", _parse(text, f"{path}@{ref}"), local)
    if not os.path.isfile(spec):
        what = "is a directory" if os.path.isdir(spec) else "does not exist"
        raise CLIError(f"contract file {what}", EXIT_USAGE, file=display_path(spec))
    try:
        with open(spec, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise CLIError(f"cannot read: {err.strerror or err}", EXIT_USAGE, file=spec) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise CLIError("contract is not UTF-8", EXIT_USAGE, file=display_path(spec)) from None
    return Side(display_path(spec), _parse(text, display_path(spec)), spec)


def base_side(root: str, ref: str, path: str, new: Contract) -> Optional[Side]:
    """``path``'s version at ``ref``: the same file, or else the highest other version
    of the same contract name in the same folder (``contracts/<name>/<version>.yaml``)."""
    rel = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
    text = _git_show(root, ref, rel)
    if text is not None:
        return Side(f"{rel}@{ref}", _parse(text, f"{rel}@{ref}"), path)
    folder = os.path.dirname(rel)
    proc = _git(["ls-tree", "--name-only", ref, "--", (folder + "/") if folder else "."], cwd=root)
    if proc.returncode != 0:
        return None
    from ..gateway._contracts import version_sort_key

    best: Optional[Tuple[Tuple[Any, ...], Side]] = None
    for name in proc.stdout.decode("utf-8", "replace").splitlines():
        base = os.path.basename(name)
        if not base.endswith((".yaml", ".yml")) or base.startswith(("_", ".")):
            continue
        other = _git_show(root, ref, name)
        if other is None:
            continue
        try:
            c = _parse(other, f"{name}@{ref}")
        except CLIError:
            continue
        if c.name != new.name or c.version == new.version:
            continue
        key = version_sort_key(c.version)
        newer = key > version_sort_key(new.version)
        rank = (not newer, key)  # prefer older versions; the highest of them
        if best is None or rank > best[0]:
            best = (rank, Side(f"{name}@{ref}", c, os.path.join(root, name)))
    return None if best is None else best[1]


# --------------------------------------------------------------------------------------
# fixtures


def _fixture_events(cfg: Optional[Config], sides: List[Side]) -> Iterator[Tuple[str, Any]]:
    """(label, event) for every record of the fixtures the config maps to either side."""
    if cfg is None:
        return
    from ._readers import InputError, RecordSource

    seen: Dict[str, None] = {}
    for side in sides:
        if side.path is not None:
            for f in cfg.fixture_files(side.path):
                seen.setdefault(f, None)
    for f in seen:
        try:
            with RecordSource(f, "auto") as source:
                for record in source:
                    if record.ok:
                        yield (
                            f"{source.display}:{record.line}: record {record.number}",
                            record.value,
                        )
        except InputError:
            continue  # unreadable fixtures are validate's to report


# --------------------------------------------------------------------------------------
# the verdict


def _next_version(version: str, require: str) -> Optional[str]:
    from .._validation.diff_model import parse_version

    parsed = parse_version(version)
    if parsed is None:
        return None
    v, (major, minor, patch), _ = parsed
    if require == "major":  # below 1.0 the minor step is the major one
        return f"{v}{major + 1}.0.0" if major > 0 else f"{v}0.{minor + 1}.0"
    if require == "minor":
        return f"{v}{major}.{minor + 1}.0"
    return f"{v}{major}.{minor}.{patch + 1}"


def decide(diff: ContractDiff, policy: Policy, *, allow: bool) -> Verdict:
    from .._validation.diff_model import Impact

    sides = policy.sides
    breaking = [c for c in diff if any(getattr(c, s) is Impact.BREAKING for s in sides)]
    unexplained = [
        e
        for e in diff.evidence
        if ("producers" if e.now_fails else "consumers") in sides
        and not any(e in c.evidence for c in diff.changes)
    ]
    unknown = [c for c in diff if any(getattr(c, s) is Impact.UNKNOWN for s in sides)]
    v = Verdict(False, "")
    if unknown and policy.unknown == "warn":
        v.warnings.append(
            f"{len(unknown)} change(s) whose effect is undecided"
            + (" (no fixture told the versions apart)" if diff.probed else " (no fixtures mapped)")
            + ": review them, or set breaking.unknown: fail"
        )
    failing = breaking or unexplained or (unknown and policy.unknown == "fail")
    if not failing:
        v.summary = "no breaking change" if len(diff) else "no change that affects verdicts"
        return v
    what = "breaking change" if breaking or unexplained else "undecided change"
    bump = diff.bump
    if bump in _REQUIRE[policy.require]:
        v.summary = f"{what}, released as a {bump} version step ({policy.describe()}): accepted"
        return v
    step = {
        None: "a version that is not a version number",
        "none": "the same version",
        "downgrade": "a lower version",
    }.get(bump, f"a {bump} version step")
    v.summary = f"{what} with {step} ({diff.old_version} -> {diff.new_version}); " + (
        "the policy accepts no breaking change (breaking.require: never)"
        if policy.require == "never"
        else f"the policy needs a {policy.require} step ({policy.describe()})"
    )
    suggestion = _next_version(diff.old_version, policy.require)
    if policy.require != "never" and suggestion:
        v.advice.append(f"bump the version to {suggestion} (or higher)")
    v.advice.append(
        ("or accept" if v.advice else "accept")
        + f" it once: --allow-breaking, {ALLOW_ENV}=1 git commit …, "
        "or SKIP=contractgate-breaking git commit …"
    )
    if allow:
        v.warnings.append(f"{v.summary} — allowed by --allow-breaking / {ALLOW_ENV}")
        v.summary = f"{what} allowed by override"
        v.advice = []
        return v
    v.blocking = True
    return v


# --------------------------------------------------------------------------------------
# output


def _who(c: ContractChange) -> str:
    from .._validation.diff_model import Impact

    p, q = c.producers, c.consumers
    if p is Impact.BREAKING and q is Impact.BREAKING:
        return "breaks producers and consumers"
    if Impact.BREAKING in (p, q):
        text = "breaks " + ("producers" if p is Impact.BREAKING else "consumers")
        if Impact.UNKNOWN in (p, q):
            text += ", may break " + ("producers" if p is Impact.UNKNOWN else "consumers")
        return text
    if p is Impact.UNKNOWN and q is Impact.UNKNOWN:
        return "may break producers and consumers"
    if Impact.UNKNOWN in (p, q):
        return "may break " + ("producers" if p is Impact.UNKNOWN else "consumers")
    return "breaks nobody"


def _report_text(out: Output, old: Side, new: Side, d: ContractDiff, v: Verdict) -> None:
    style = out.style
    head = (
        f"{new.label}: {d.new_name} {d.old_version} -> {d.new_version}"
        f" ({d.bump or 'not a version number'}), against {old.label}"
    )
    if d.old_name != d.new_name:
        head += f" (renamed from {d.old_name})"
    if out.quiet and not v.blocking and not v.warnings:
        return
    out.write(style.paint(head, "bold"))
    for c in d:
        if c.breaking:
            mark = style.fail_mark
        elif c.unknown:
            mark = style.paint("?", "yellow", "bold")
        else:
            mark = style.paint("·" if style.unicode else ".", "dim")
        if out.quiet and not c.breaking:
            continue
        out.write(
            f"  {mark} {style.paint(c.subject, 'cyan')}  {c.kind.value}  {c.describe()}"
            f"  {'—' if style.unicode else '-'} {_who(c)}: {c.reason}"
        )
        for e in c.evidence[:3] if out.verbose or c.unknown else ():
            out.write(
                f"      {style.paint(e.label, 'dim')}: "
                + ("now rejected" if e.now_fails else "rejected before, passes now")
            )
    failing = d.now_failing
    if failing:
        out.write(f"  fixtures that now fail ({len(failing)}):")
        for e in failing[: None if out.verbose else 10]:
            out.write(f"    {e.label}: {e.violations[0] if e.violations else ''}")
        if len(failing) > 10 and not out.verbose:
            out.write(f"    … and {len(failing) - 10} more (-v lists them all)")
    elif d.probed:
        out.info(f"  {d.probed} fixture events checked against both versions")
    mark = style.fail_mark if v.blocking else style.ok_mark
    out.write(f"{mark} {v.summary}")
    if v.advice:
        out.write("  to proceed: " + "; ".join(v.advice))


def _report_github(out: Output, old: Side, new: Side, d: ContractDiff, v: Verdict) -> None:
    file = new.path and display_path(new.path)
    for c in d:
        if c.breaking or c.unknown:
            level = "error" if c.breaking and v.blocking else "warning"
            out.stdout.write(
                github_annotation(
                    level,
                    f"{c.subject}: {c.kind.value} {c.describe()} — {_who(c)}: {c.reason}",
                    file=file,
                    title=f"contractgate: {c.kind.value}",
                )
                + "\n"
            )
    if v.blocking:
        msg = v.summary + (". To proceed: " + "; ".join(v.advice) if v.advice else "")
        out.stdout.write(
            github_annotation("error", msg, file=file, title="contractgate: breaking change") + "\n"
        )


# --------------------------------------------------------------------------------------
# the command


def run(args: argparse.Namespace, out: Output) -> int:
    from ._config import load_config

    cfg = load_config(args.config)
    policy = Policy.from_config(cfg)
    if args.require:
        policy = Policy(args.require, policy.unknown, policy.sides)
    allow = bool(args.allow_breaking) or os.environ.get(ALLOW_ENV, "").strip().lower() in (
        "1",
        "true",
        "yes",
    )
    pairs = list(_pairs(args, out))
    code = EXIT_OK
    docs: List[Dict[str, Any]] = []
    for old, new in pairs:
        d = old.contract.diff(new.contract)
        if not args.no_fixtures:
            events = list(_fixture_events(cfg, [old, new]))
            if events:
                d = d.probe(_compile(old), _compile(new), events)
        v = decide(d, policy, allow=allow)
        if v.blocking:
            code = EXIT_FAILED
        for w in v.warnings:
            out.warning(f"{new.label}: {w}", file=new.path and display_path(new.path))
        docs.append(
            {
                "old": old.label,
                "new": new.label,
                "diff": d.to_dict(),
                "blocking": v.blocking,
                "verdict": v.summary,
                "advice": v.advice,
            }
        )
        if out.is_github:
            _report_github(out, old, new, d, v)
        elif not out.is_json:
            _report_text(out, old, new, d, v)
    if out.is_json:
        out.json_document(
            {
                "command": "diff",
                "ok": code == EXIT_OK,
                "exit_code": code,
                "policy": {
                    "require": policy.require,
                    "unknown": policy.unknown,
                    "sides": list(policy.sides),
                },
                "results": docs,
            }
        )
    elif not pairs and not out.quiet:
        out.write("no contract to compare")
    return code


def _compile(side: Side) -> Any:
    from ..exceptions import ContractCompileError

    try:
        return side.contract.compile()
    except ContractCompileError as err:
        raise CLIError(
            f"contract compile failed: {err.message}", EXIT_USAGE, file=side.label
        ) from None


def _pairs(args: argparse.Namespace, out: Output) -> Iterator[Tuple[Side, Side]]:
    if args.base is None:
        if len(args.contracts) != 2:
            raise CLIError("diff takes OLD and NEW (or --base REF [FILE...])", EXIT_USAGE)
        yield load_side(args.contracts[0]), load_side(args.contracts[1])
        return
    root = _toplevel()
    ref = args.base
    if _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root).returncode:
        if ref == "HEAD":  # the first commit: nothing to compare with
            out.info("no HEAD yet: every contract is new")
            return
        raise CLIError(f"--base {ref}: git knows no such revision", EXIT_USAGE)
    for path in args.contracts:
        name = os.path.basename(path)
        if name.startswith(("_", ".")) or not name.endswith((".yaml", ".yml")):
            out.info(f"skipped {display_path(path)} (not a contract file)")
            continue
        if not os.path.isfile(path):
            out.info(f"skipped {display_path(path)} (deleted)")
            continue
        try:
            new = load_side(path)
        except CLIError as err:
            out.info(f"skipped {display_path(path)} ({err.message}; check-contracts reports it)")
            continue
        old = base_side(root, ref, path, new.contract)
        if old is None:
            out.info(f"{new.label}: a new contract (nothing at {ref} to compare with)")
            continue
        yield old, new
