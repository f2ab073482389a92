"""A spinner while an optional framework is imported for the first time in this server (seconds for TensorFlow).

A native lane (``tf.adam:...``, ``torch.adam:...``) reads its defaults from the framework itself, so the first one
a server meets imports the framework in the foreground: from a link, before the page has drawn anything; from the
"Rules" choice, while the page is greyed out. :func:`importing` says so where it happens instead.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager

import streamlit as st

from optviz.framework_loading import LOADING, framework_loader
from optviz.native_lanes import FRAMEWORKS, LANE_PREFIXES


def not_imported(frameworks: Iterable[str]) -> list[str]:
    """Those of ``frameworks`` whose modules this process has not imported yet (or is importing in the background)."""
    pending = []
    for framework in dict.fromkeys(frameworks):
        modules = FRAMEWORKS[framework].modules  # none for optviz's Keras 2.2.4 rules
        imported = all(module in sys.modules for module in modules)
        if modules and (not imported or framework_loader(framework).status().state == LOADING):
            pending.append(framework)
    return pending


def linked_frameworks(query: Mapping[str, object]) -> list[str]:
    """The frameworks named by native lanes in a page's query (``o=tf.adam:learning_rate=0.01`` -> ``tf_keras``):
    ``st.query_params`` or a plain mapping of strings or lists of strings."""
    found = []
    for key in query:
        value = query.get_all(key) if hasattr(query, "get_all") else query[key]
        for text in value if isinstance(value, list | tuple) else [value]:
            prefix, dot, _ = str(text).strip().lower().partition(".")
            if dot and prefix in LANE_PREFIXES:
                found.append(LANE_PREFIXES[prefix])
    return found


def importing(frameworks: Iterable[str]) -> AbstractContextManager:
    """A spinner naming the frameworks among ``frameworks`` not imported yet (nothing when all are): Streamlit shows
    it only if the block is still running after half a second."""
    pending = not_imported(frameworks)
    if not pending:
        return contextlib.nullcontext()
    names = " and ".join(FRAMEWORKS[framework].name for framework in pending)
    return st.spinner(f"Loading {names}: its first use on this server takes a few seconds…")
