"""Live training: several optimizers train the same small network side by side, from the same initial
weights on the same mini-batches, with loss/accuracy (or MSE/R²) curves and decision maps (or confusion matrices),
or the loss landscape around the shared initial weights or a lane's weights with every lane's path on it.

Every setting lives in one :class:`optviz.page_states.train.TrainState` (its table lists the URL keys:
``?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&o=adam&o=sgd:lr=0.1,momentum=0.9``, plus ``samples``,
``seed``, ``test``, ``classes`` for blobs, ``chunk`` = steps per update; ``dataset=plane``/``gauss`` for regression,
``dataset=upload&target=...&task=...&features=...`` for the person's own table, whose file the link cannot carry;
``l2``; ``view=landscape&dir=random&centre=initial&res=41``). The settings and the training (step
count, weights, histories) stay while the person visits other pages; a change of data, network or batch size
after the first step is held until the person chooses to restart or to keep the current run.
"""

from __future__ import annotations

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
from optviz.landscape_live import LiveLandscape
from optviz.mlp import ACTIVATIONS, MAX_HIDDEN_LAYERS, UNIT_RANGE, Network
from optviz.page_states.train import CHUNK_RANGE, DATA_SOURCES, MAX_LANES, SEED_LIMIT, UPLOAD, TrainState
from optviz.training import BATCH_SIZE_RANGE, keras_script
from optviz.training_report import Throttle
from pages.components.landscape_view import LandscapeView, landscape_controls, view_choice
from pages.components.lane_list import lanes_panel
from pages.components.live_training import MAP_REFRESH_SECONDS, LiveView, predictions_name, train_live
from pages.components.page_state import kept_across_pages, seed_from_url, show_url_notes, url_state, write_url
from pages.components.routing import route_through_app
from pages.components.train_data import (
    TableChoice,
    dataset_label,
    l2_widget,
    table_widgets,
)
from pages.components.train_session import (
    APPLIED,
    LANDSCAPE,
    LANES,
    MAPS,
    RUNNING,
    SESSION,
    WIDGETS,
    ask_before_restart,
    current_session,
    held_changes,
    reset_training,
    set_running,
    step_training,
)

KEY = "train."
EPOCHS = 100  # the run length (in epochs: an lr plan acts once per epoch) the schedule widgets first suggest for


#: Keys that are not widgets a script may set (buttons, downloads, charts, the file uploader) or are kept anyway
#: (the session, the uploaded table: restoring a table the person chose to forget would bring it back).
UNSETTABLE = ("start", "stop", "step", "reset", "restart", "keep", "csv", "curves", "confusion", "lr_chart")
UNSETTABLE += ("session", "running", "applied", "maps", "url_notes", "url_state")
UNSETTABLE += ("landscape", "landscape_memory", "file", "forget", "table", "table_of", "applied_table")


@st.cache_data(max_entries=8, show_spinner=False)
def dataset_for(spec: DatasetSpec) -> Dataset:
    """The dataset of ``spec``, cached across sessions."""
    return make_dataset(spec)


# -- widgets ----------------------------------------------------------------------------------------------
def settings_widgets() -> tuple[TrainState, TableChoice | None]:
    """The sidebar's data, network and training widgets as a state (lanes and view: the defaults, read later),
    and for ``dataset=upload`` what the table widgets chose."""
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
            classes = st.session_state.get(KEY + "classes", TrainState.classes)
        if name == "digits":
            st.caption("scikit-learn's bundled 8x8 digits: 1797 images, 64 inputs, 10 classes.")
        test = st.slider("Test share", *TEST_FRACTION_RANGE, step=0.05, key=KEY + "test")
        seed = st.number_input("Seed (data, weights, shuffle)", 0, SEED_LIMIT, key=KEY + "seed")
        st.subheader("Network")
        layers = st.slider("Hidden layers", 0, MAX_HIDDEN_LAYERS, key=KEY + "layers")
        hidden = []
        cells = st.columns(max(layers, 1))
        for index in range(layers):
            st.session_state.setdefault(f"{KEY}units.{index}", 16)
            with cells[index]:
                hidden.append(int(st.number_input(f"Layer {index + 1}", *UNIT_RANGE, key=f"{KEY}units.{index}")))
        act = st.selectbox("Activation", list(ACTIVATIONS), key=KEY + "act")
        st.subheader("Training")
        batch = st.number_input("Batch size", *BATCH_SIZE_RANGE, key=KEY + "batch")
        chunk = st.slider("Steps per update", *CHUNK_RANGE, key=KEY + "chunk", help="Mini-batches per screen update.")
        l2 = l2_widget(KEY)
    state = TrainState(
        dataset=name,
        samples=int(samples),
        noise=float(noise),
        classes=int(classes),
        test=float(test),
        seed=int(seed),
        hidden=tuple(hidden),
        act=act,
        batch=int(batch),
        chunk=int(chunk),
        l2=l2,
    )
    if name != UPLOAD:
        return state, None
    with table_box:
        table = table_widgets(KEY, float(test), int(seed))
    return state.replace(target=table.target, task=table.task, features=table.features, digest=table.digest), table


# -- session ----------------------------------------------------------------------------------------------
# -- page -------------------------------------------------------------------------------------------------
def train_page() -> None:
    st.title("Live training")
    st.caption(
        "Several optimizers train copies of the same small network side by side: the same initial weights, the "
        "same shuffled mini-batches, one batched NumPy computation. Change a lane's arguments while it trains: it "
        "keeps its weights and optimizer state."
    )
    show_url_notes(seed_from_url(TrainState, KEY, WIDGETS))
    st.session_state.setdefault(RUNNING, False)
    wanted, table = settings_widgets()
    held = held_changes(wanted)
    base = st.session_state[APPLIED] if held else wanted
    if held:
        dataset = st.session_state[SESSION].dataset
    elif base.is_upload:
        dataset = table.dataset if table is not None else None
    else:
        dataset = dataset_for(base.data)
    if dataset is None:  # "Your data" without a usable table yet: the sidebar says what to do (the link stays)
        st.info("Upload a CSV file or paste a table in the sidebar to train on your data.", icon=":material/upload:")
        st.session_state[RUNNING] = False
        return
    network = Network(dataset.inputs, base.hidden, dataset.outputs, base.act, dataset.task)
    output = "a linear output (regression, mean squared error)" if dataset.is_regression else "softmax"
    st.sidebar.caption(f"Network {network.describe()} + {output}: {network.parameter_count} weights per lane.")
    if held:
        ask_before_restart(held, st.session_state[SESSION].step)

    running = bool(st.session_state[RUNNING])
    if running:  # the page run lasts while training runs: hide Streamlit's "Running… Stop" badge (Stop is below)
        st.html("<style>[data-testid='stStatusWidget'] { display: none; }</style>")
    start, stop, step, reset, about = st.columns([1, 1, 1, 1, 3], vertical_alignment="center")
    start.button("Start", key=KEY + "start", type="primary", on_click=set_running, args=(True,), disabled=running)
    stop.button("Stop", key=KEY + "stop", on_click=set_running, args=(False,), disabled=not running)
    chunk = wanted.chunk
    step.button(
        "Step", key=KEY + "step", on_click=step_training, args=(chunk,), width="stretch", help=f"Train {chunk} steps."
    )
    reset.button(
        "Reset", key=KEY + "reset", on_click=reset_training, width="stretch", help="All lanes back to the start."
    )
    about.caption(f"Step trains {chunk} mini-batches of {base.batch}; Start keeps training and updates the charts.")
    # The live view sits above the lanes; its counter is drawn at once (a Stop shows "stopped" without waiting).
    view = LiveView(KEY, st.session_state.setdefault(MAPS, Throttle(MAP_REFRESH_SECONDS)))
    if st.session_state.get(SESSION) is not None:
        view.draw_status(st.session_state[SESSION], running)
    # Folded while training runs (open it to tune a lane mid-run): fewer widgets for the browser to keep up to date.
    with st.expander("Optimizer lanes", expanded=not running):
        choices = lanes_panel(
            url_state(KEY).lanes, LANES, MAX_LANES, columns=3, allow_native=True, allow_plan=True, steps=EPOCHS
        )
    with view.views:  # under the curves: what is drawn there
        shown = view_choice(KEY, predictions_name(dataset))
        if shown == "landscape":
            settings = landscape_controls(KEY, len(choices), seed=base.seed)
            memory = st.session_state.setdefault(LANDSCAPE, LiveLandscape())
            view.landscape = LandscapeView(KEY, memory, settings)
    looks = {"view": shown}
    if shown == "landscape":  # the controls' values (they are dropped while the predictions are shown)
        looks.update({name: st.session_state[KEY + name] for name in ("dir", "centre", "res")})
    lanes = tuple(choice.lane for choice in choices)
    state = base.replace(chunk=chunk, l2=wanted.l2, lanes=lanes, **looks)
    session = current_session(state, dataset, network, [choice.lane_id for choice in choices])
    write_url(state)

    with st.expander("Keras code for each lane"):
        st.caption(
            "The same network and optimizer in Keras 2.2.4 (`lr=`; Keras 2.3+ and tf.keras call it "
            "`learning_rate`); a torch.optim lane in PyTorch, a tf.keras lane in tf.keras."
        )
        for number, lane in enumerate(session.lanes):
            st.markdown(f"**Lane {number + 1}: {lane.label()}**")
            st.code(keras_script(network, lane, state.batch, state.l2), language="python", wrap_lines=True)
    st.caption(
        "The address bar holds this setup (dataset, network, batch size, L2, lanes and view): copy it to share. "
        "An uploaded table is not in the link: whoever opens it is asked to upload the file again."
    )

    # Last, so the loop below never holds back the rest of the page.
    colours = [choice.colour for choice in choices]
    view.draw(session, colours, running)
    if train_live(view, session, colours, chunk, lambda: bool(st.session_state.get(RUNNING))):
        st.rerun()


route_through_app()
with kept_across_pages(KEY, skip=UNSETTABLE):
    train_page()
