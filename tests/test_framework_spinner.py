"""Which frameworks a page's link names through its native lanes, and which are not imported yet."""

from __future__ import annotations

import sys

from pages.components.framework_spinner import linked_frameworks, not_imported


def test_a_link_names_the_frameworks_of_its_native_lanes_only():
    query = {
        "o": ["tf.adam:learning_rate=0.01", "adam:lr=0.1", "TORCH.sgd:lr=0.1"],
        "f": "tf",  # a formula that reads "tf": no lane
        "surface": "rosenbrock",
        "note": "sin(x).y",
    }
    assert linked_frameworks(query) == ["tf_keras", "torch"]
    assert linked_frameworks({"o": "adam:lr=0.01", "steps": "300"}) == []


def test_only_frameworks_not_imported_yet_need_a_spinner(monkeypatch):
    assert not_imported(["keras224"]) == []  # optviz's own rules import nothing
    for module in ("torch", "tensorflow", "tf_keras"):
        monkeypatch.setitem(sys.modules, module, object())  # as if imported
    assert not_imported(["torch", "tf_keras", "keras224"]) == []
    monkeypatch.delitem(sys.modules, "tf_keras")
    assert not_imported(["torch", "tf_keras", "tf_keras"]) == ["tf_keras"]
