"""Live training: several optimizers train the same small network side by side, from the same initial
weights on the same mini-batches, with loss/accuracy curves and decision maps (or confusion matrices).

URL: ``?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&o=adam&o=sgd:lr=0.1,momentum=0.9``
(also ``samples``, ``seed``, ``test``, ``classes`` for blobs, ``chunk`` = steps per update).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from optviz.datasets import (
    BLOB_CLASS_RANGE,
    GENERATED,
    NOISE_RANGE,
    SAMPLE_RANGE,
    TEST_FRACTION_RANGE,
    Dataset,
    DatasetSpec,
    make_dataset,
)
from optviz.figures.live_curves import curves_svg, svg_image
from optviz.figures.training import confusion_figure, curves_figure, decision_map_images, images_html
from optviz.landscape import METHODS
from optviz.landscape_live import LiveLandscape
from optviz.lanes import Lane, parse_lane
from optviz.mlp import ACTIVATIONS, MAX_HIDDEN_LAYERS, UNIT_RANGE, Network
from optviz.training import BATCH_SIZE_RANGE, L2_RANGE, TrainingSession, keras_script
from optviz.user_data import TASKS
from pages.components.landscape_view import RESOLUTIONS, LandscapeView, landscape_controls, view_choice
from pages.components.lane_list import lanes_panel, seed_lanes
from pages.components.routing import route_through_app
from pages.components.train_data import (
    DATA_SOURCES,
    L2_CHOICES,
    UPLOAD,
    TableChoice,
    dataset_label,
    l2_widget,
    table_widgets,
)
from pages.components.url_state import UrlReader, write_query

KEY = "train."
SESSION, RUNNING, NOTES, LANES = KEY + "session", KEY + "running", KEY + "notes", KEY + "lanes"
MAX_LANES = 6
CHUNK_RANGE = (1, 200)
SEED_LIMIT = 1_000_000
TICK_SECONDS = 0.07  # one chunk of training and a redraw per tick while training runs
LIVE_RUN_SECONDS = 60.0
DEFAULT_LANES = ("adam", "sgd:lr=0.1,momentum=0.9", "rmsprop")
MAP_RESOLUTION = 48
MAP_PIXELS = 220  # four lanes side by side in the main column
MAP_REFRESH_SECONDS = 0.5  # decision maps while training runs (curves and counter: every tick)
TABLE_REFRESH_SECONDS = 0.25  # the lanes table while training runs


@dataclass(frozen=True)
class Settings:
    """Everything the page shows depends on; round-trips through the URL."""

    data: DatasetSpec
    hidden: tuple[int, ...]
    activation: str
    batch_size: int
    chunk: int
    lanes: tuple[Lane, ...]
    keys: tuple[str, ...]
    table: tuple = ()  # dataset=upload: target, task, features, digest
    l2: float = 0.0
    looks: tuple = ()  # (("view", "landscape"), ("dir", "random"), ...)

    def structure(self) -> tuple:
        """What a running session cannot change without starting again."""
        return (self.data, self.table, self.hidden, self.activation, self.batch_size)

    def query(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {"dataset": UPLOAD if self.table else self.data.name}
        if self.table:
            params.update(target=self.table[0], task=self.table[1], features=list(self.table[2]))
        if self.data.name in GENERATED:
            params["samples"] = str(self.data.samples)
            params["noise"] = f"{self.data.noise:g}"
        if self.data.name == "blobs":
            params["classes"] = str(self.data.classes)
        params.update(
            test=f"{self.data.test_fraction:g}",
            seed=str(self.data.seed),
            hidden=",".join(map(str, self.hidden)) or "none",
            act=self.activation,
            batch=str(self.batch_size),
            chunk=str(self.chunk),
            o=[lane.to_text() for lane in self.lanes],
        )
        if self.l2:
            params["l2"] = f"{self.l2:g}"
        params.update({name: str(value) for name, value in self.looks})
        return params


@st.cache_data(max_entries=8, show_spinner=False)
def dataset_for(spec: DatasetSpec) -> Dataset:
    return make_dataset(spec)


# -- URL --------------------------------------------------------------------------------------------------
def _hidden(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "0"):
        return ()
    try:
        units = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError("must be unit counts separated by commas (e.g. 16,16)") from None
    if len(units) > MAX_HIDDEN_LAYERS or any(not UNIT_RANGE[0] <= u <= UNIT_RANGE[1] for u in units):
        raise ValueError(f"must be at most {MAX_HIDDEN_LAYERS} layers of {UNIT_RANGE[0]} to {UNIT_RANGE[1]} units")
    return units


def load_url() -> list[str]:
    """Seed the widgets from the query string once per visit; return a note for every value that was ignored."""
    url = UrlReader()
    defaults = DatasetSpec()
    state = st.session_state
    state[KEY + "dataset"] = url.text("dataset", defaults.name, list(DATA_SOURCES))
    if state[KEY + "dataset"] == UPLOAD:  # the table's file is not in the link: its columns are
        state[KEY + "target"] = url.text("target", "")[:200]
        state[KEY + "task"] = url.text("task", "classification", list(TASKS))
        if st.query_params.get_all("features"):
            state[KEY + "features"] = st.query_params.get_all("features")[:100]
    l2 = url.number("l2", 0.0, *L2_RANGE)
    state[KEY + "l2"] = min(L2_CHOICES, key=lambda choice: abs(choice - l2))
    state[KEY + "view"] = url.text("view", "predictions", ["predictions", "landscape"])
    state[KEY + "dir"] = url.text("dir", "random", list(METHODS))
    state[KEY + "centre"] = url.text("centre", "initial")
    res = url.number("res", 41, RESOLUTIONS[0], RESOLUTIONS[-1], integer=True)
    state[KEY + "res"] = min(RESOLUTIONS, key=lambda choice: abs(choice - res))
    state[KEY + "samples"] = int(url.number("samples", defaults.samples, *SAMPLE_RANGE, integer=True))
    state[KEY + "noise"] = url.number("noise", defaults.noise, *NOISE_RANGE)
    state[KEY + "classes"] = int(url.number("classes", defaults.classes, *BLOB_CLASS_RANGE, integer=True))
    state[KEY + "test"] = url.number("test", defaults.test_fraction, *TEST_FRACTION_RANGE)
    state[KEY + "seed"] = int(url.number("seed", defaults.seed, 0, SEED_LIMIT, integer=True))
    hidden = (16, 16)
    if url.has("hidden"):
        raw = st.query_params["hidden"]
        try:
            hidden = _hidden(raw)
        except ValueError as error:
            url.notes.append(f"URL parameter `hidden={raw[:40]}` ignored: {error}. Using 16,16.")
    state[KEY + "layers"] = len(hidden)
    for index, units in enumerate(hidden):
        state[f"{KEY}units.{index}"] = units
    state[KEY + "act"] = url.text("act", "tanh", list(ACTIVATIONS))
    state[KEY + "batch"] = int(url.number("batch", 32, *BATCH_SIZE_RANGE, integer=True))
    state[KEY + "chunk"] = int(url.number("chunk", 10, *CHUNK_RANGE, integer=True))
    lanes = url.lanes("o", [parse_lane(text) for text in DEFAULT_LANES], limit=MAX_LANES, allow_native=True)
    seed_lanes(lanes, LANES)
    return url.notes


# -- widgets ----------------------------------------------------------------------------------------------
def data_and_network_widgets() -> tuple[DatasetSpec, tuple[int, ...], str, int, int, TableChoice | None, float]:
    with st.sidebar:
        st.subheader("Data")
        name = st.selectbox("Dataset", list(DATA_SOURCES), key=KEY + "dataset", format_func=dataset_label)
        table_box = st.container()
        generated = name in GENERATED
        samples = st.slider("Samples", *SAMPLE_RANGE, step=20, key=KEY + "samples", disabled=not generated)
        noise = st.slider("Noise", *NOISE_RANGE, step=0.05, key=KEY + "noise", disabled=not generated)
        if name == "blobs":
            classes = st.slider("Classes", *BLOB_CLASS_RANGE, key=KEY + "classes")
        else:
            classes = st.session_state.get(KEY + "classes", DatasetSpec().classes)
        if name == "digits":
            st.caption("scikit-learn's bundled 8x8 digits: 1797 images, 64 inputs, 10 classes.")
        test = st.slider("Test share", *TEST_FRACTION_RANGE, step=0.05, key=KEY + "test")
        seed = st.number_input("Seed (data, weights, shuffle)", 0, SEED_LIMIT, key=KEY + "seed")
        st.subheader("Network")
        layers = st.slider("Hidden layers", 0, MAX_HIDDEN_LAYERS, key=KEY + "layers")
        hidden = []
        cells = st.columns(max(layers, 1))
        for index in range(layers):
            unit_key = f"{KEY}units.{index}"
            if unit_key not in st.session_state:
                st.session_state[unit_key] = 16
            with cells[index]:
                hidden.append(int(st.number_input(f"Layer {index + 1}", *UNIT_RANGE, key=unit_key)))
        activation = st.selectbox("Activation", list(ACTIVATIONS), key=KEY + "act")
        st.subheader("Training")
        batch = st.number_input("Batch size", *BATCH_SIZE_RANGE, key=KEY + "batch")
        chunk = st.slider(
            "Steps per update",
            *CHUNK_RANGE,
            key=KEY + "chunk",
            help="Mini-batches trained per screen update (and per Step).",
        )
        l2 = l2_widget(KEY)
    table = None
    if name == UPLOAD:
        with table_box:
            table = table_widgets(KEY, float(test), int(seed))
    known = name if name != UPLOAD else DatasetSpec.name  # a table's dataset comes from table_widgets
    spec = DatasetSpec(known, int(samples), float(noise), int(seed), float(test), int(classes))
    return spec, tuple(hidden), activation, int(batch), int(chunk), table, l2


def lane_widgets() -> tuple[list[Lane], list[str], list[str]]:
    """The shared lanes panel (one tab per lane): lanes, their stable ids and their colours."""
    choices = lanes_panel([parse_lane(text) for text in DEFAULT_LANES], LANES, MAX_LANES, columns=3, allow_native=True)
    return [c.lane for c in choices], [c.lane_id for c in choices], [c.colour for c in choices]


# -- session ----------------------------------------------------------------------------------------------
def _start() -> None:
    st.session_state[RUNNING] = True


def _stop() -> None:
    st.session_state[RUNNING] = False


def _step(chunk: int) -> None:
    st.session_state[RUNNING] = False
    st.session_state[SESSION].advance(chunk)


def _reset() -> None:
    st.session_state[RUNNING] = False
    st.session_state.pop(SESSION, None)


def current_session(settings: Settings, dataset: Dataset, network: Network) -> TrainingSession:
    """The session for these settings: kept (lanes reconfigured in place) unless data, network or batch changed."""
    session = st.session_state.get(SESSION)
    if session is not None and st.session_state.get(KEY + "structure") == settings.structure():
        session.configure(settings.lanes, settings.keys)
        session.set_l2(settings.l2)
        return session
    if session is not None and session.step > 0:
        st.toast("Data, network or batch size changed: training starts again from step 0.")
    session = TrainingSession(
        dataset, network, settings.lanes, settings.batch_size, settings.data.seed, settings.keys, settings.l2
    )
    st.session_state[SESSION] = session
    st.session_state[KEY + "structure"] = settings.structure()
    return session


# -- live view --------------------------------------------------------------------------------------------
def lane_table(session: TrainingSession) -> pd.DataFrame:
    """One row per lane: status and the latest metrics (a diverged lane's at the moment it blew up)."""
    latest = session.latest(finite=True)
    rows = []
    for number, status in enumerate(session.statuses()):
        if status.diverged_step is not None:
            state = f"DIVERGED at step {status.diverged_step} (frozen)"
        elif status.joined_step:
            state = f"ok (joined at step {status.joined_step})"
        else:
            state = "ok"
        rows.append(
            {
                "lane": f"{number + 1}. {status.lane.label()}",
                "status": state,
                **{name.replace("_", " "): latest[name][number] for name in session.columns[3:]},
            }
        )
    return pd.DataFrame(rows)


def history_csv(session: TrainingSession) -> bytes:
    history = session.history()
    labels = [lane.label() for lane in session.lanes]
    frame = pd.DataFrame({name: history[name] for name in session.columns})
    frame["lane"] = frame["lane"] + 1
    frame.insert(3, "optimizer", [labels[i] for i in history["lane"]])
    return frame.to_csv(index=False).encode()


def maps_html(session: TrainingSession, labels: list[str], colours: list[str], running: bool) -> str:
    """The decision maps of every lane (one batched forward pass over the grid). While training runs they are
    redrawn at most every ``MAP_REFRESH_SECONDS`` (the curves and counter update on every tick)."""
    cached = st.session_state.get(KEY + "maps")
    marks = session.diverged_steps()
    signature = (id(session), session.step, tuple(labels), tuple(colours), tuple(marks))
    if cached is not None and cached[0] == signature:
        return cached[2]
    if running and cached is not None and time.monotonic() - cached[1] < MAP_REFRESH_SECONDS:
        return cached[2]
    data = session.dataset
    xs, ys, probabilities = session.probability_grid(MAP_RESOLUTION)
    points = (data.x_train, data.y_train, data.x_test, data.y_test)
    images = decision_map_images(xs, ys, probabilities, points, marks, MAP_PIXELS)
    captions = [
        label if mark is None else f"{label}: DIVERGED at step {mark}"
        for label, mark in zip(labels, marks, strict=True)
    ]
    markup = images_html(images, captions, colours, [mark is not None for mark in marks], MAP_PIXELS)
    st.session_state[KEY + "maps"] = (signature, time.monotonic(), markup)
    return markup


class LiveView:
    """The live part of the page as placeholders, so a running loop redraws only what changed: the counter and the
    curves on every tick (a light SVG picture while running, the interactive Plotly figure once stopped), the table
    every ``TABLE_REFRESH_SECONDS``, the decision maps or confusion matrices every ``MAP_REFRESH_SECONDS``, the
    divergence messages when a lane diverges."""

    def __init__(self) -> None:
        self.status, self.errors, self.table, self.curves = st.empty(), st.empty(), st.empty(), st.empty()
        self.views = st.container()
        self.caption, self.pictures, self.footer = st.empty(), st.empty(), st.empty()
        self.landscape: LandscapeView | None = None
        self.pictures_sent: object = None
        self.table_sent = -math.inf
        self.diverged_sent: list[int] | None = None
        self.footer_running: bool | None = None

    def draw_status(self, session: TrainingSession, running: bool) -> None:
        data = session.dataset
        self.status.markdown(
            f"**Step {session.step}** · epoch {session.epoch:.2f} · {session.steps_per_epoch} steps per epoch "
            f"({len(data.y_train)} training, {len(data.y_test)} test samples) · "
            + ("training…" if running else "stopped")
        )

    def draw(self, session: TrainingSession, colours: list[str], running: bool) -> None:
        self.session, self.colours = session, colours
        self.labels = [f"{n + 1}. {lane.label()}" for n, lane in enumerate(session.lanes)]
        self.draw_status(session, running)
        diverged = [(n, s) for n, s in enumerate(session.statuses()) if s.diverged_step is not None]
        if [n for n, _ in diverged] != self.diverged_sent:
            with self.errors.container():
                for number, lane_status in diverged:
                    st.error(
                        f"Lane {number + 1} ({lane_status.lane.label()}) diverged at step "
                        f"{lane_status.diverged_step}: its loss blew up, so its weights are frozen. The other lanes "
                        "keep training.",
                        icon=":material/warning:",
                    )
            self.diverged_sent = [n for n, _ in diverged]
        # The table (a canvas grid, the dearest element for the browser) follows at a slower pace while running.
        if not running or time.monotonic() - self.table_sent >= TABLE_REFRESH_SECONDS:
            self.draw_table()
        names, marks = [lane.label() for lane in session.lanes], session.diverged_steps()
        if running:
            svg = curves_svg(session.history(), names, colours, marks)
            self.curves.markdown(svg_image(svg, "Loss and accuracy curves"), unsafe_allow_html=True)
        else:
            self.curves.plotly_chart(
                curves_figure(session.history(), names, colours, marks), key=KEY + "curves", width="stretch"
            )
        self.draw_pictures(running)
        if running:
            if self.footer_running is not True:
                self.footer.caption("Curves are a picture while training runs: Stop to hover, zoom and download them.")
        else:
            self.footer.download_button(
                "Download the curves (CSV)",
                history_csv(session),
                file_name="optviz_training_curves.csv",
                mime="text/csv",
                key=KEY + "csv",
            )
        self.footer_running = running

    def draw_table(self) -> None:
        self.table.dataframe(
            lane_table(self.session),
            hide_index=True,
            width="stretch",
            column_config={
                name: st.column_config.NumberColumn(format="%.4f")
                for name in lane_table(self.session).columns[2:]
            },
        )
        self.table_sent = time.monotonic()

    def draw_pictures(self, running: bool) -> None:
        """Decision maps (2-D data) or confusion matrices (digits), re-sent only when they changed."""
        session = self.session
        if self.landscape is not None:
            self.landscape.draw(session, [lane.label() for lane in session.lanes], self.colours, running)
            return
        if session.dataset.is_planar:
            markup = maps_html(session, self.labels, self.colours, running)
            if markup is self.pictures_sent:
                return
            self.caption.caption(
                "Decision maps (standardised inputs): the background mixes the class colours by the predicted "
                "probabilities, the dark line is the decision boundary; dots are training points, diamonds test "
                "points."
            )
            self.pictures.markdown(markup, unsafe_allow_html=True)
            self.pictures_sent = markup
            return
        if session.dataset.is_regression:  # no confusion matrix: the curves say MSE and R²
            return
        due = self.pictures_sent is None or not running
        if not due and time.monotonic() - self.pictures_sent < MAP_REFRESH_SECONDS:
            return
        self.caption.caption("Confusion matrices on the test set: true class down, predicted class across.")
        figure = confusion_figure(session.confusion_matrices("test"), self.labels, session.diverged_steps())
        if running:  # redrawn while running: no key (one element per draw), a still picture of the figure
            self.pictures.plotly_chart(figure, width="stretch", config={"staticPlot": True})
        else:
            self.pictures.plotly_chart(figure, key=KEY + "confusion", width="stretch")
        self.pictures_sent = time.monotonic()


def train_live(view: LiveView, session: TrainingSession, colours: list[str], chunk: int) -> None:
    """While training runs: one chunk of steps and a redraw every ``TICK_SECONDS``, in a loop inside this run.

    Not ``st.fragment(run_every=...)`` ticks: each fragment run costs a browser round trip of 150-250 ms here,
    which capped the view at 2-5 updates/s (measured with bench/bench_train_live.py). A click anywhere (Stop, a
    slider) interrupts the loop at its next redraw and reruns the page, which picks up the change and, if still
    running, resumes the loop: the page stays responsive and Stop takes effect before the next chunk. The loop
    hands over to a fresh page run every ``LIVE_RUN_SECONDS`` so no single run lives forever."""
    began = next_tick = time.monotonic()
    while st.session_state.get(RUNNING) and time.monotonic() - began < LIVE_RUN_SECONDS:
        next_tick += TICK_SECONDS
        time.sleep(max(0.0, next_tick - time.monotonic()))
        view.draw_status(session, True)  # a yield point: a pending click (Stop) interrupts here, before training
        session.advance(chunk)
        view.draw(session, colours, True)
    if st.session_state.get(RUNNING):
        st.rerun()


# -- page -------------------------------------------------------------------------------------------------
route_through_app()
st.title("Live training")
st.caption(
    "Several optimizers train copies of the same small network side by side: the same initial weights, the same "
    "shuffled mini-batches, one batched NumPy computation. Change a lane's arguments while it trains: it keeps "
    "its weights and optimizer state."
)
if KEY + "dataset" not in st.session_state:
    st.session_state[NOTES] = load_url()
    st.session_state[RUNNING] = False
for note in st.session_state.get(NOTES, []):
    st.warning(f"Link value ignored: {note}", icon=":material/link_off:")

spec, hidden, activation, batch, chunk, table, l2 = data_and_network_widgets()
dataset = dataset_for(spec) if table is None else table.dataset
if dataset is None:
    st.info("Upload a CSV file or paste a table in the sidebar to train on your data.", icon=":material/upload:")
    st.session_state[RUNNING] = False
    st.stop()
network = Network(dataset.inputs, hidden, dataset.outputs, activation, dataset.task)
st.sidebar.caption(f"Network {network.describe()} + softmax: {network.parameter_count} weights per lane.")

running = bool(st.session_state.get(RUNNING))
if running:  # the page run lasts while training runs: hide Streamlit's own "Running… Stop" badge (Stop is below)
    st.html("<style>[data-testid='stStatusWidget'] { display: none; }</style>")
start, stop, step, reset, about = st.columns([1, 1, 1, 1, 3], vertical_alignment="center")
start.button("Start", key=KEY + "start", type="primary", on_click=_start, disabled=running, width="stretch")
stop.button("Stop", key=KEY + "stop", on_click=_stop, disabled=not running, width="stretch")
step.button("Step", key=KEY + "step", on_click=_step, args=(chunk,), width="stretch", help=f"Train {chunk} steps.")
reset.button(
    "Reset", key=KEY + "reset", on_click=_reset, width="stretch", help="All lanes back to the initial weights."
)
about.caption(f"Step trains {chunk} mini-batches of {batch}; Start keeps training and updates the charts live.")
# The live view sits above the lanes. Its counter is drawn at once (a Stop shows "stopped" without waiting for the
# lanes panel); the rest once the lanes are read.
view = LiveView()
if st.session_state.get(SESSION) is not None:
    view.draw_status(st.session_state[SESSION], running)
# Folded while training runs (open it to tune a lane mid-run): fewer widgets for the browser to keep up to date.
with st.expander("Optimizer lanes", expanded=not running):
    lanes, ids, colours = lane_widgets()
with view.views:
    looks: tuple = (("view", view_choice(KEY)),)
    if looks[0][1] == "landscape":
        landscape = landscape_controls(KEY, len(lanes), spec.seed)
        view.landscape = LandscapeView(KEY, st.session_state.setdefault(KEY + "memory", LiveLandscape()), landscape)
        looks += tuple((name, st.session_state[KEY + name]) for name in ("dir", "centre", "res"))
table_fields = (table.target, table.task, table.features, table.digest) if table is not None else ()
settings = Settings(spec, hidden, activation, batch, chunk, tuple(lanes), tuple(ids), table_fields, l2, looks)
session = current_session(settings, dataset, network)
write_query(settings.query())

with st.expander("Keras code for each lane"):
    st.caption(
        "The same network and optimizer in Keras 2.2.4 (`lr=`; Keras 2.3+ and tf.keras call it `learning_rate`); "
        "a torch.optim lane in PyTorch, a tf.keras lane in tf.keras."
    )
    for number, lane in enumerate(session.lanes):
        st.markdown(f"**Lane {number + 1}: {lane.label()}**")
        st.code(keras_script(network, lane, batch, l2), language="python")
st.caption("The address bar holds this setup (dataset, network, batch size and lanes): copy it to share.")

# Last, so the loop below never holds back the rest of the page.
view.draw(session, colours, running)
train_live(view, session, colours, chunk)
