"""LOCAL admin routes, routed only when the gateway runs with ``admin=True``
(``--admin``), without API keys: ``/_admin/faults`` (fault injection over HTTP) and
``POST /_admin/reset`` (forget all data between tests driven from another process)."""

from __future__ import annotations

from ._call import Call
from ._http import json_body
from ._wire import Response, json_response, std_error

__all__ = ["faults", "reset"]


def faults(call: Call) -> Response:
    """``POST`` arms rules (one object or a list), ``DELETE`` clears them, ``GET`` lists
    what is pending."""
    injector = call.app.faults
    if call.req.method == "DELETE":
        injector.clear()
    elif call.req.method == "POST":
        body = json_body(call.req)
        specs = body if isinstance(body, list) else [body]
        for spec in specs:
            if not isinstance(spec, dict):
                return std_error(400, "Invalid request: each fault must be a JSON object")
            try:
                injector.configure(spec)
            except (ValueError, TypeError) as e:
                return std_error(400, f"Invalid request: {e}")
    return json_response(200, {"pending": injector.pending()})


def reset(call: Call) -> Response:
    """``POST /_admin/reset``: what :meth:`LocalGateway.reset` does, over HTTP. Answers
    how many rows of each table were deleted."""
    deleted = call.app.reset(call.storage)
    return json_response(200, {"reset": True, "deleted": deleted})
