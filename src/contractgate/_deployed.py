"""Deployed contracts: the YAML of a version as the gateway holds it, cached on disk so
that tests keep working offline.

:func:`fetch_deployed` returns YAML text and metadata (:class:`DeployedYaml`); it never
parses the contract (``Contract.from_gateway`` does), so this module sits above the
clients and below nothing that imports it back.

The cache (``$CONTRACTGATE_CACHE_DIR``, else the user cache directory:
``$XDG_CACHE_HOME/contractgate`` or ``~/.cache/contractgate`` on Linux,
``~/Library/Caches/contractgate`` on macOS, ``%LOCALAPPDATA%\\contractgate\\Cache`` on
Windows) has one folder per gateway URL::

    <root>/<host_port-hash>/names.json                 name -> contract ids, with check time
    <root>/<host_port-hash>/<contract id>/latest.json  latest stable: version, SHA-256, check time
    <root>/<host_port-hash>/<contract id>/versions/<version>.json   the YAML and its SHA-256

An id or a version is its own file name when it is plain lower-case ASCII (``1.2.0``, a
UUID); any other is percent-escaped, cut to a length every file system takes and given a
hash of the full text (``1.0.0-RC1`` -> ``1.0.0-RC1~<hash>``), so that two versions never
share a file, even on a case-insensitive file system. A version file must also hold the
contract id and version it is named for, or it is not used.

A stable or deprecated version never changes, so its copy is used without asking the
gateway. "Latest stable" (and a draft's YAML, which can still be edited) is re-checked
once its copy is older than the TTL (``ttl=``, ``$CONTRACTGATE_CACHE_TTL``, default 60 s)
with ``GET /v1/contracts/{id}/version``, which answers the version and the SHA-256 of its
YAML: nothing more is downloaded while that hash matches. A name is resolved with the
cached contract list within the TTL, and with the gateway's when the list does not know it.
When the gateway cannot be reached (or answers 429, rate-limited), a due copy is still
used, with a :class:`~contractgate.exceptions.StaleContractWarning` (and a log line on the
``contractgate`` logger).

Every file is written to a temporary file and renamed into place, so a reader sees the
old file or the new one, never half of one; each version file carries the SHA-256 of
its YAML, checked on every read. A file that fails the check (truncated, edited,
garbage) is never used: it is fetched again, or, offline, it is a
:class:`~contractgate.exceptions.DeployedContractError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import uuid
import warnings
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Tuple, Type
from urllib.parse import quote, urlsplit

from .exceptions import DeployedContractError, StaleContractWarning

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

__all__ = [
    "CACHE_DIR_ENV",
    "DEFAULT_TTL",
    "OFFLINE_ENV",
    "TTL_ENV",
    "DeployedYaml",
    "default_cache_dir",
    "fetch_deployed",
    "split_ref",
]

CACHE_DIR_ENV = "CONTRACTGATE_CACHE_DIR"
TTL_ENV = "CONTRACTGATE_CACHE_TTL"
OFFLINE_ENV = "CONTRACTGATE_OFFLINE"
DEFAULT_TTL = 60.0
_FORMAT = 1

logger = logging.getLogger("contractgate")


@dataclass(frozen=True)
class DeployedYaml:
    """One deployed contract version. ``source`` is ``"gateway"`` (downloaded now),
    ``"cache"`` (a copy the gateway vouched for within the TTL, or an immutable
    version) or ``"stale-cache"`` (a due copy, used because the gateway was
    unreachable). ``checked_at`` is when the gateway last confirmed it (Unix time)."""

    contract_id: str
    name: Optional[str]
    version: str
    yaml: str
    sha256: str
    state: str
    base_url: str
    fetched_at: float
    checked_at: float
    source: str
    cache_path: Optional[str] = None

    @property
    def label(self) -> str:
        """``name@version`` (or ``id@version``), for messages and file names."""
        return f"{self.name or self.contract_id}@{self.version}"


def split_ref(text: str) -> Tuple[str, Optional[str]]:
    """``"orders@1.2.0"`` -> ``("orders", "1.2.0")``; no ``@`` -> no version."""
    base, at, version = text.partition("@")
    return base, (version if at and version else None)


def default_cache_dir() -> str:
    """``$CONTRACTGATE_CACHE_DIR``, else the platform's user cache directory."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return os.path.abspath(os.path.expanduser(env))
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.expanduser("~\\AppData\\Local")
        return os.path.join(base, "contractgate", "Cache")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches/contractgate")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return os.path.join(base, "contractgate")


def fetch_deployed(
    contract: str,
    version: Optional[str] = None,
    *,
    client: Optional[Client] = None,
    cache_dir: Optional[str] = None,
    ttl: Optional[float] = None,
    offline: Optional[bool] = None,
    clock: Callable[[], float] = time.time,
) -> DeployedYaml:
    """The YAML of ``contract`` (an id or a name; ``name@version`` works too) at
    ``version``, or its latest stable version. See the module docstring for the cache.

    ``client``: a :class:`~contractgate.Client` (default: one built from
    ``CONTRACTGATE_BASE_URL`` / ``CONTRACTGATE_API_KEY`` when the gateway must be asked,
    and closed after). ``offline=True`` (or ``CONTRACTGATE_OFFLINE=1``) never asks the
    gateway. Raises :class:`~contractgate.exceptions.DeployedContractError`; HTTP errors
    other than an unreachable gateway (401, 404…) propagate as the client raises them.
    """
    if isinstance(contract, uuid.UUID):
        contract = str(contract)
    if not isinstance(contract, str):
        raise TypeError(f"contract must be an id or a name (a str), not {contract!r}")
    if not version:  # "" as "orders@": no pin
        contract, version = split_ref(contract)
    elif not isinstance(version, str):
        raise TypeError(f"version must be a str, not {version!r}")
    if not contract:
        raise DeployedContractError(
            "no contract id or name given", contract=contract, reason="unknown_contract"
        )
    if offline is None:
        offline = _offline_env()
    run = _Fetch(client, cache_dir, _ttl(ttl), offline, clock)
    try:
        contract_id, name = run.resolve(contract)
        if version is not None:
            return run.version(contract_id, name, version)
        return run.latest(contract_id, name)
    finally:
        run.close()


_YES = ("1", "true", "yes", "y", "on")
_NO = ("", "0", "false", "no", "n", "off")


def _offline_env() -> bool:
    """``$CONTRACTGATE_OFFLINE`` as a yes or a no; another value is refused (``enabled``
    read as no would send a job meant to stay offline to the gateway)."""
    value = os.environ.get(OFFLINE_ENV, "")
    word = value.strip().lower()
    if word in _YES or word in _NO:
        return word in _YES
    raise DeployedContractError(
        f"{OFFLINE_ENV} must be 1/true/yes/on or 0/false/no/off, not {value!r}",
        reason="setting",
    )


def _ttl(ttl: Optional[float]) -> float:
    """``ttl=``, else ``$CONTRACTGATE_CACHE_TTL``, else 60 s: seconds >= 0 (``inf``: never
    re-check); NaN, which no age compares with, and negatives are refused."""
    name: str = "ttl"
    value: Any = ttl
    if ttl is None:
        name, value = TTL_ENV, os.environ.get(TTL_ENV, "").strip() or None  # as unset
        if value is None:
            return DEFAULT_TTL
    try:
        seconds = math.nan if isinstance(value, bool) else float(value)
    except OverflowError:  # an int too large for a float: as long as forever
        seconds = math.inf if value > 0 else math.nan
    except (TypeError, ValueError):
        seconds = math.nan
    if not seconds >= 0:
        raise DeployedContractError(
            f"{name} must be a number of seconds >= 0, not {value!r}", reason="setting"
        )
    return seconds


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _unreachable() -> Tuple[Type[BaseException], ...]:
    """The client errors that mean "the gateway cannot answer now" (use the cache): no
    connection, a time-out, a 5xx, or a 429 (the version poll is rate-limited)."""
    from .exceptions import APITimeoutError, RateLimitError, ServerError
    from .exceptions import ConnectionError as GatewayConnectionError

    return (GatewayConnectionError, APITimeoutError, ServerError, RateLimitError)


class _Offline(Exception):
    """The gateway was not asked (offline mode) or could not be reached."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Fetch:
    """One fetch: the cache folder of one gateway, and a client made only if needed."""

    def __init__(
        self,
        client: Optional[Client],
        cache_dir: Optional[str],
        ttl: float,
        offline: bool,
        clock: Callable[[], float],
    ) -> None:
        self._client = client
        self._own_client: Optional[Client] = None
        self.ttl = ttl
        self.offline = offline
        self.clock = clock
        base = client.base_url if client is not None else os.environ.get("CONTRACTGATE_BASE_URL")
        if not base:
            raise DeployedContractError(
                "no gateway configured: pass client= or set CONTRACTGATE_BASE_URL "
                "(the cache is kept per gateway URL)",
                reason="no_gateway",
            )
        if client is None:  # checked as a client would check it, even offline
            from ._http.transport import normalise_base_url

            try:
                base = normalise_base_url(base)
            except ValueError as err:
                raise DeployedContractError(
                    f"CONTRACTGATE_BASE_URL: {err}", reason="setting"
                ) from None
        self.base_url = base.rstrip("/")
        root = os.path.abspath(os.path.expanduser(cache_dir)) if cache_dir else default_cache_dir()
        self.root = os.path.join(root, _gateway_dir(self.base_url))

    # -- the gateway ------------------------------------------------------------------

    def client(self) -> Client:
        if self.offline:
            raise _Offline(f"offline mode ({OFFLINE_ENV} or offline=True)")
        if self._client is not None:
            return self._client
        if self._own_client is None:
            from .client import Client

            try:
                self._own_client = Client(base_url=self.base_url)
            except ValueError as err:
                raise DeployedContractError(
                    f"cannot build a client: {err}", reason="no_gateway"
                ) from None
        return self._own_client

    def ask(self, call: Callable[[Client], Any]) -> Any:
        """``call(client)``, with an unreachable gateway turned into :class:`_Offline`; so
        is an answer that is not JSON at all (a captive portal's or a proxy's page, a body
        cut short): whatever sent it, the gateway did not answer."""
        from .exceptions import InvalidResponseError

        client = self.client()
        try:
            return call(client)
        except _unreachable() as err:
            raise _Offline(f"the gateway at {self.base_url} cannot be reached ({err})") from err
        except InvalidResponseError as err:
            if not err.transient:
                raise
            raise _Offline(
                f"the gateway at {self.base_url} did not answer: something in front of it "
                f"sent a body that is not JSON ({err})"
            ) from err

    def close(self) -> None:
        if self._own_client is not None:
            self._own_client.close()

    # -- names ------------------------------------------------------------------------

    def resolve(self, text: str) -> Tuple[str, Optional[str]]:
        """(contract id, name or None) for an id or a name (an id in its canonical,
        lower-case spelling: one cache folder per contract)."""
        if _is_uuid(text):
            return str(uuid.UUID(text)), None
        path = os.path.join(self.root, "names.json")
        cached = _read_json(path)
        names = _valid_names(cached)
        if names is None and os.path.exists(path):
            _corrupt(path, "not a contract list (truncated or overwritten)")
        # a name the list does not know may be a contract created since: ask
        fresh = names is not None and text in names and self._fresh(cached.get("checked_at"))
        if not fresh:
            try:
                contracts = self.ask(lambda c: c.list_contracts())
            except _Offline as off:
                if names is None or text not in names:
                    raise DeployedContractError(
                        f"cannot resolve contract name {text!r}: {off.reason}, and the cache "
                        f"({path}) has never seen it; use the contract id",
                        contract=text,
                        path=path,
                        reason="unreachable",
                    ) from None
                # ids are permanent and renames rare: a note in the log, not a warning
                logger.info(
                    "contractgate: resolving %r with the cached contract list of %s (%s)",
                    text,
                    self.base_url,
                    off.reason,
                )
            else:
                names = {}
                for c in contracts:
                    names.setdefault(str(c.name), []).append(str(c.id))
                _write_json(path, {"checked_at": self.clock(), "names": names})
        assert names is not None
        ids = names.get(text) or []
        if len(ids) == 1:
            return ids[0], text
        if not ids:
            known = ", ".join(sorted(names)) or "none"
            raise DeployedContractError(
                f"no contract named {text!r} on {self.base_url} (contracts: {known})",
                contract=text,
                reason="unknown_contract",
            )
        raise DeployedContractError(
            f"{len(ids)} contracts are named {text!r} on {self.base_url}: use one id "
            f"({', '.join(map(str, ids))})",
            contract=text,
            reason="ambiguous_name",
        )

    # -- versions ---------------------------------------------------------------------

    def version(self, contract_id: str, name: Optional[str], version: str) -> DeployedYaml:
        path = self._version_path(contract_id, version)
        entry, problem = _read_entry(path, contract_id, version)
        if entry is not None and (entry.state in _IMMUTABLE or self._fresh(entry.checked_at)):
            return _with(entry, name=name or entry.name, source="cache", cache_path=path)
        try:
            got = self.ask(lambda c: c.get_version(contract_id, version))
        except _Offline as off:
            if entry is not None:  # a draft (or an unknown state) past its TTL
                self._stale(f"{entry.label} ({entry.state})", off.reason, entry.checked_at)
                return _with(entry, name=name or entry.name, source="stale-cache")
            raise self._no_copy(contract_id, name, version, path, problem, off) from None
        return self._store(got, contract_id, version, name, path)

    def latest(self, contract_id: str, name: Optional[str]) -> DeployedYaml:
        pointer_path = os.path.join(self.root, _safe(contract_id), "latest.json")
        pointer = _read_json(pointer_path)
        entry: Optional[DeployedYaml] = None
        problem: Optional[str] = None
        pinned: Optional[str] = None  # the version latest.json names
        where = pointer_path
        if _valid_pointer(pointer):
            pinned = pointer["version"]
            where = self._version_path(contract_id, pinned)
            entry, problem = _read_entry(where, contract_id, pinned)
            if entry is not None and entry.sha256 != pointer["sha256"]:
                entry, problem = None, f"{where} does not hold the hash latest.json names"
            if entry is not None and self._fresh(pointer["checked_at"]):
                return _with(entry, name=name or entry.name, source="cache", cache_path=where)
        elif os.path.lexists(pointer_path):
            _, problem = _corrupt(pointer_path, "not a pointer (truncated or overwritten)")
        try:
            head = self.ask(lambda c: c.get_contract_version(contract_id))
        except _Offline as off:
            if entry is not None:
                self._stale(f"latest stable {entry.label}", off.reason, pointer["checked_at"])
                return _with(entry, name=name or entry.name, source="stale-cache")
            raise self._no_copy(contract_id, name, pinned, where, problem, off) from None
        version = head.version if isinstance(head.version, str) else ""
        digest = str(head.hash).lower()
        if not version or not _SHA256.fullmatch(digest):
            raise _wrong_answer(
                name or contract_id, None, "its latest-stable pointer has no version or no "
                f"SHA-256 (version {head.version!r}, hash {head.hash!r})",
            )  # fmt: skip
        vpath = self._version_path(contract_id, version)
        cached, _ = _read_entry(vpath, contract_id, version)
        if cached is not None and cached.sha256 == digest:
            result = _with(cached, name=name or cached.name, source="cache", cache_path=vpath)
        else:
            got = self.ask(lambda c: c.get_version(contract_id, version))
            result = self._store(got, contract_id, version, name, vpath, expected=digest)
        now = self.clock()
        _write_json(pointer_path, {"version": version, "sha256": digest, "checked_at": now})
        return _with(result, checked_at=now)

    def _store(
        self,
        got: Any,
        contract_id: str,
        version: str,
        name: Optional[str],
        path: str,
        expected: Optional[str] = None,
    ) -> DeployedYaml:
        """Cache the gateway's answer for ``contract_id@version``: only if it is that
        version (a proxy's ``{}`` read as a version with no YAML would stay cached)."""
        text = got.yaml_content
        if str(got.version) != version or not _same_id(str(got.contract_id), contract_id):
            raise _wrong_answer(
                name or contract_id, version, f"it answered contract {got.contract_id!r} "
                f"version {got.version!r}",
            )  # fmt: skip
        if not isinstance(text, str) or not text.strip():
            raise _wrong_answer(name or contract_id, version, "it holds no YAML")
        digest = _sha256(text)
        if digest is None:
            raise _wrong_answer(name or contract_id, version, "its YAML is not valid Unicode")
        if expected is not None and digest != expected:
            raise DeployedContractError(
                f"the gateway's YAML of {name or got.contract_id}@{got.version} does not "
                f"match the SHA-256 it announced ({expected[:12]}…, got {digest[:12]}…); "
                "a new version may have been promoted meanwhile: try again",
                contract=name or str(got.contract_id),
                version=str(got.version),
                reason="hash_mismatch",
            )
        now = self.clock()
        entry = DeployedYaml(
            contract_id=str(got.contract_id),
            name=name,
            version=str(got.version),
            yaml=text,
            sha256=digest,
            state=str(got.state or ""),
            base_url=self.base_url,
            fetched_at=now,
            checked_at=now,
            source="gateway",
            cache_path=path,
        )
        _write_json(path, _entry_json(entry))
        logger.debug("contractgate: cached %s from %s in %s", entry.label, self.base_url, path)
        return entry

    # -- helpers ----------------------------------------------------------------------

    def _version_path(self, contract_id: str, version: str) -> str:
        return os.path.join(self.root, _safe(contract_id), "versions", _safe(version) + ".json")

    def _fresh(self, checked_at: Any) -> bool:
        """Confirmed less than the TTL ago; a check time in the future (the clock went
        back) proves nothing."""
        at = _seconds(checked_at)
        if at is None:
            return False
        age = self.clock() - at
        return 0 <= age < self.ttl

    def _stale(self, what: str, reason: str, checked_at: Any) -> None:
        at = _seconds(checked_at)
        if at is None:
            when = "at an unknown time"
        elif self.clock() < at:
            when = "at a time still to come (the clock was set back)"
        else:
            when = f"{_age_text(self.clock() - at)} ago"
        message = (
            f"using the cached {what} from {self.base_url}, last confirmed {when}: "
            f"{reason}; a newer version may be deployed"
        )
        logger.warning("contractgate: %s", message)
        warnings.warn(message, StaleContractWarning, stacklevel=5)

    def _no_copy(
        self,
        contract_id: str,
        name: Optional[str],
        version: Optional[str],
        path: str,
        problem: Optional[str],
        off: _Offline,
    ) -> DeployedContractError:
        what = f"{name or contract_id}" + (f"@{version}" if version else " (latest stable)")
        if problem is not None:
            message = f"the cached copy of {what} is unusable ({problem}) and {off.reason}"
        else:
            message = f"no cached copy of {what} in {self.root}, and {off.reason}"
        return DeployedContractError(
            message, contract=name or contract_id, version=version, path=path, reason="unreachable"
        )


# --------------------------------------------------------------------------------------
# files


#: States whose YAML never changes (spec §6.1): their copies are used without asking.
_IMMUTABLE = ("stable", "deprecated")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def _same_id(a: str, b: str) -> bool:
    """Contract ids compare as UUIDs (case and hyphens aside), else as text."""
    try:
        return uuid.UUID(a) == uuid.UUID(b)
    except ValueError:
        return a == b


def _wrong_answer(contract: str, version: Optional[str], what: str) -> DeployedContractError:
    label = f"{contract}@{version}" if version else f"{contract} (latest stable)"
    return DeployedContractError(
        f"the gateway's answer for {label} is not usable: {what}; nothing was cached",
        contract=contract,
        version=version,
        reason="invalid_answer",
    )


def _gateway_dir(base_url: str) -> str:
    """A readable, collision-free folder name per gateway URL (``127.0.0.1_8080-1a2b3c4d``)."""
    parts = urlsplit(base_url)
    host = re.sub(r"[^A-Za-z0-9.-]+", "_", parts.netloc or base_url)[:60] or "gateway"
    return f"{host}-{hashlib.sha256(base_url.encode('utf-8')).hexdigest()[:12]}"


#: A name used as it is: lower-case ASCII, not a dot-name, short enough for any file system.
_PLAIN = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
#: Names Windows reserves whatever their extension (``nul.json`` is the null device).
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?")


def _safe(text: str) -> str:
    """A file name for an id or a version, one per text: plain lower-case names as they
    are; any other (``/``, ``..``, upper case, Unicode, NUL, very long) percent-escaped,
    cut to 80 characters and suffixed with a hash of the whole text. So two texts never
    share a file, not even on a case-insensitive file system (``RC1`` / ``rc1``), and no
    name is too long for the file system."""
    if _PLAIN.fullmatch(text) and not _RESERVED.fullmatch(text):
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{quote(text, safe='', errors='surrogatepass')[:80]}~{digest}"


def _sha256(text: str) -> Optional[str]:
    """The SHA-256 of ``text`` in UTF-8; None for text UTF-8 cannot encode (a lone
    surrogate from a ``\\ud800`` escape), which no YAML holds."""
    try:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        return None


def _seconds(v: Any) -> Optional[float]:
    """A Unix time or age read from a cache file as a finite float, else None (a string,
    ``true``, ``NaN``, ``Infinity``, an integer too large for a float)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    try:
        f = float(v)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def _age_text(seconds: float) -> str:
    s = max(0, int(seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h"
    return f"{s // 86400} days"


def _read_json(path: str) -> Any:
    """The JSON in ``path``, or None when it is missing or not JSON (a directory, bytes
    that are not UTF-8, nesting too deep for the parser)."""
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def _write_json(path: str, doc: Dict[str, Any]) -> None:
    """Write atomically: a temporary file in the same folder, flushed, then renamed."""
    folder = os.path.dirname(path)
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    except OSError as err:
        logger.warning("contractgate: cannot write the contract cache %s: %s", folder, err)
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        logger.warning("contractgate: cannot write the contract cache %s: %s", path, err)
        try:
            os.unlink(tmp)
        except OSError:
            pass


def _entry_json(e: DeployedYaml) -> Dict[str, Any]:
    return {
        "format": _FORMAT,
        "contract_id": e.contract_id,
        "name": e.name,
        "version": e.version,
        "state": e.state,
        "base_url": e.base_url,
        "fetched_at": e.fetched_at,
        "checked_at": e.checked_at,
        "sha256": e.sha256,
        "yaml": e.yaml,
    }


_ENTRY_TEXTS = ("contract_id", "version", "state", "base_url", "sha256", "yaml")
_ENTRY_TIMES = ("fetched_at", "checked_at")


def _read_entry(
    path: str, contract_id: str, version: str
) -> Tuple[Optional[DeployedYaml], Optional[str]]:
    """The cached ``contract_id@version``, or (None, why it cannot be used) — None, None
    when absent. A file holding another version (copied, or named alike on a file system
    that ignores case) is not used."""
    if not os.path.lexists(path):
        return None, None
    doc = _read_json(path)
    if not isinstance(doc, dict) or doc.get("format") != _FORMAT:
        return _corrupt(path, "not a cache entry (truncated or overwritten)")
    for key in _ENTRY_TEXTS:
        if not isinstance(doc.get(key), str):
            return _corrupt(path, f"its {key!r} is missing or malformed")
    for key in _ENTRY_TIMES:
        if _seconds(doc.get(key)) is None:
            return _corrupt(path, f"its {key!r} is missing or malformed")
    if _sha256(doc["yaml"]) != doc["sha256"]:
        return _corrupt(path, "its YAML does not match its SHA-256")
    if doc["version"] != version or not _same_id(doc["contract_id"], contract_id):
        return _corrupt(
            path, f"it holds {doc['contract_id']}@{doc['version']}, not {contract_id}@{version}"
        )
    name = doc.get("name")
    entry = DeployedYaml(
        contract_id=doc["contract_id"],
        name=name if isinstance(name, str) else None,
        version=doc["version"],
        yaml=doc["yaml"],
        sha256=doc["sha256"],
        state=doc["state"],
        base_url=doc["base_url"],
        fetched_at=float(doc["fetched_at"]),
        checked_at=float(doc["checked_at"]),
        source="cache",
        cache_path=path,
    )
    return entry, None


def _corrupt(path: str, why: str) -> Tuple[None, str]:
    logger.warning("contractgate: ignoring the corrupt contract cache file %s: %s", path, why)
    return None, f"{path}: {why}"


def _valid_pointer(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and isinstance(doc.get("version"), str)
        and bool(doc["version"])
        and isinstance(doc.get("sha256"), str)
        and _seconds(doc.get("checked_at")) is not None
    )


def _valid_names(doc: Any) -> Optional[Dict[str, List[str]]]:
    """The name -> ids map of a names.json, or None when it is not one (every name
    mapping to a non-empty list of ids)."""
    names = doc.get("names") if isinstance(doc, dict) else None
    if not isinstance(names, dict):
        return None
    for ids in names.values():
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
            return None
    return names


def _with(entry: DeployedYaml, **changes: Any) -> DeployedYaml:
    return replace(entry, **changes)
