"""What ``events`` holds: inputs that used to be read as something else.

A DataFrame iterates its column labels (while ``len()`` counts its rows), and
``collections.UserString`` is text that is not a ``str``: both were sent (or validated)
as a stream of strings. They are refused, before any request, with a ``TypeError``
naming what was passed.
"""

from __future__ import annotations

from collections import UserString
from typing import Any, Iterator

import pandas as pd
import pytest
from cg_client_testlib import API_KEY, Recorder

from contractgate import Contract
from contractgate._validation.inputs import iter_events
from contractgate.validator import validate_partition

pytestmark = pytest.mark.filterwarnings("ignore:the API key will be sent over plain http")

BASE = "http://gw.test"
CONTRACT = "version: '1'\nname: t\nontology:\n  entities:\n    - {name: a, type: integer}\n"


def _frame() -> pd.DataFrame:
    return pd.DataFrame([{"a": 1}, {"a": 2}, {"a": 3}])


class MyFrame(pd.DataFrame):
    pass


def _inputs() -> Iterator[Any]:
    yield pytest.param(_frame(), "DataFrame", id="pandas-DataFrame")
    yield pytest.param(MyFrame([{"a": 1}]), "MyFrame", id="DataFrame-subclass")
    yield pytest.param(UserString("abc"), "UserString", id="UserString")


@pytest.mark.parametrize(("events", "name"), list(_inputs()))
async def test_ingest_refuses_before_sending(
    make_api: Any, recorder: Recorder, events: Any, name: str
) -> None:
    api = make_api(base_url=BASE, api_key=API_KEY, handler=recorder)
    with pytest.raises(TypeError, match=f"events must be an iterable .*not {name}"):
        await api.ingest("c1", events)
    with pytest.raises(TypeError, match=f"not {name}"):
        await api.egress("c1", events)
    assert recorder.requests == []


@pytest.mark.parametrize(("events", "name"), list(_inputs()))
def test_local_validator_refuses(events: Any, name: str) -> None:
    compiled = Contract.from_yaml(CONTRACT).compile()
    with pytest.raises(TypeError, match=f"not {name}"):
        compiled.validate_many(events)
    with pytest.raises(TypeError, match=f"not {name}"):
        compiled.validate_batch(events)
    with pytest.raises(TypeError, match=f"not {name}"):
        validate_partition(compiled, events)


def test_frame_message_says_how_to_pass_rows() -> None:
    with pytest.raises(TypeError, match=r"column labels.*to_dict\(orient='records'\)"):
        iter_events(_frame())


def test_rows_of_a_frame_and_a_series_are_still_streams() -> None:
    df = _frame()
    assert list(iter_events(df.to_dict(orient="records"))) == [{"a": 1}, {"a": 2}, {"a": 3}]
    series = pd.Series([{"a": 1}, {"a": 2}])
    assert list(iter_events(series)) == [{"a": 1}, {"a": 2}]
    compiled = Contract.from_yaml(CONTRACT).compile()
    assert [r.passed for r in compiled.validate_batch(series)] == [True, True]
