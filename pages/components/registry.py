"""The pages of optviz: one list that drives the navigation and the home page's overview."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from optviz.surfaces import SURFACES

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class PageInfo:
    path: str  # relative to the project root
    title: str
    icon: str
    url_path: str
    description: str

    @property
    def exists(self) -> bool:
        return (ROOT / self.path).exists()


PAGES = (
    PageInfo(
        "pages/surfaces.py",
        "Surface explorer",
        ":material/landscape:",
        "surfaces",
        f"Race up to six optimizers across a 2-D loss surface ({len(SURFACES)} built in, or type your own f(x, y)), "
        "every Keras argument on a slider, animated paths, loss curves, a metrics table and a shareable URL.",
    ),
    PageInfo(
        "pages/train.py",
        "Live training",
        ":material/model_training:",
        "train",
        "Train the same small neural network with several optimizers side by side, live, from the same "
        "weights on the same mini-batches.",
    ),
    PageInfo(
        "pages/sweep.py",
        "Hyperparameter sweeps",
        ":material/grid_on:",
        "sweep",
        "Thousands of settings at once: heat maps of where an optimizer converges, crawls or blows up; "
        "click a cell to replay it; fair comparisons at each optimizer's best learning rate.",
    ),
    PageInfo(
        "pages/inspect.py",
        "Step inspector",
        ":material/school:",
        "inspect",
        "Learn the rules: step through one optimizer and see every number it uses (moments, accumulators, "
        "bias corrections, clipping) as arrows and formulas.",
    ),
    PageInfo(
        "pages/frameworks.py",
        "Framework comparison",
        ":material/compare_arrows:",
        "frameworks",
        "The same setting run three ways (Keras 2.2.4 rules, tf.keras, torch.optim) to see where frameworks differ.",
    ),
)


def available_pages() -> list[PageInfo]:
    """The pages whose files exist in this checkout."""
    return [page for page in PAGES if page.exists]
