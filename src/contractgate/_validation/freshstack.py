"""Run a recursive step again at the bottom of a new thread's stack.

The validator's recursive steps are bounded by what they walk (values nest at most as
deep as the gateway reads JSON, 128 levels; generated code as deep as the contract), not
by the caller: called from code already hundreds of frames deep, one could still run
out of Python's recursion limit. Each is pure, so on ``RecursionError`` it is simply run
again where the stack is empty (:func:`with_room`), and answers as it would have.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Optional, TypeVar

__all__ = ["in_fresh_thread", "with_room"]

T = TypeVar("T")

#: The new thread's stack: room for the C recursion of Python's compiler (code
#: generation) and of the json encoder, whatever the platform's default thread stack is.
STACK_BYTES = 16 * 1024 * 1024
_STACK_SIZE_LOCK = threading.Lock()


def in_fresh_thread(f: Callable[..., T], *args: Any) -> T:
    """``f(*args)`` run at the bottom of a new thread's stack; what it raises is raised
    here."""
    box: Dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = f(*args)
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    with _STACK_SIZE_LOCK:
        try:
            previous: Optional[int] = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):  # pragma: no cover - platform refuses the size
            previous = None
        try:
            thread = threading.Thread(target=target, name="contractgate-deep", daemon=True)
            thread.start()
        finally:
            if previous is not None:
                threading.stack_size(previous)
    thread.join()
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def with_room(f: Callable[..., T], *args: Any) -> T:
    """``f(*args)``, run again in a fresh thread if the caller's stack ran out (``f`` is
    pure: a walk bounded by what it walks, not by where it is called from)."""
    try:
        return f(*args)
    except RecursionError:
        return in_fresh_thread(f, *args)
