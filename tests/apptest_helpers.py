"""What the AppTest page tests share: open a page with a query string, read its Plotly figures and their
(possibly base64-packed) arrays."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest


def run_page(path: Path, query: Mapping[str, str | list[str]] | None = None, timeout: float = 60) -> AppTest:
    """Run the page script at ``path`` once with ``query`` as its URL parameters."""
    at = AppTest.from_file(str(path), default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def plotly_figures(at: AppTest) -> list[dict]:
    """Every ``st.plotly_chart`` of the last run, as the figure dicts sent to the browser."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def decode(values) -> np.ndarray:
    """A Plotly data array: a plain list, or plotly's packed ``{"bdata", "dtype", "shape"}`` form."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), values["dtype"])
        shape = values.get("shape")
        if isinstance(shape, str):  # plotly writes "rows, columns"
            shape = [int(n) for n in shape.split(",")]
        return array.reshape(shape) if shape else array
    return np.asarray(values, dtype=float)
