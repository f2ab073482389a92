// optviz step view: the step inspector's map and headline numbers for every recorded step, sent once; Previous,
// Next, the arrow keys and the scrubber swap them in the browser. Python computed every number (see
// optviz/figures/inspection_deck.py); this file only draws. The step shown is reported back (debounced) so the
// server-side parts of the page (formulas, tables) follow. Text goes to textContent, figures to plotly.js.

const views = new WeakMap(); // parentElement -> the view's state, kept across reruns

function deckOf(view) {
  const store = (window.__optviz || { assets: {} }).assets;
  return store[view.data.deck];
}

const SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉";

function theta(step) { // the parameter after `step` updates, as Python's optviz.inspection_formulas.theta writes it
  return "θ" + String(step).replace(/[0-9]/g, (digit) => SUBSCRIPTS[Number(digit)]);
}

function traces(view, deck, step) {
  const entry = deck.steps[String(step)];
  const i = step - deck.first; // the path to θ_{k-1}: positions 0..i
  const path = {
    type: "scatter", mode: "lines+markers", name: `path to ${theta(step - 1)}`,
    x: deck.pathX.slice(0, i + 1), y: deck.pathY.slice(0, i + 1),
    line: { color: deck.path_color, width: 2 }, marker: { size: 4, color: deck.path_color },
    hovertemplate: "(%{x:.4g}, %{y:.4g})<extra></extra>",
  };
  const arrows = entry.arrows.map((arrow) => ({
    type: "scatter", mode: "lines+markers", name: arrow.name, legendgroup: arrow.kind, meta: arrow.kind,
    x: arrow.x, y: arrow.y, opacity: arrow.kind === "update" ? 0.75 : 1.0,
    line: { color: deck.colors[arrow.kind], width: arrow.kind === "update" ? 6 : 2.5 },
    marker: { symbol: "arrow", angleref: "previous", size: [0, arrow.kind === "update" ? 20 : 14],
              color: deck.colors[arrow.kind] },
    hovertemplate: `${arrow.hover}<extra></extra>`,
  }));
  const points = [{
    type: "scatter", mode: "markers", name: `${theta(step - 1)} (current point)`, x: [entry.here[0]], y: [entry.here[1]],
    marker: { size: 11, color: "#333333", line: { color: "white", width: 1.5 } },
  }];
  if (entry.there) {
    points.push({
      type: "scatter", mode: "markers", name: `${theta(step)} (after the step)`, x: [entry.there[0]], y: [entry.there[1]],
      marker: { size: 11, symbol: "circle-open", color: deck.colors.update, line: { width: 2.5 } },
    });
  }
  return [path, ...arrows, ...points, ...deck.static.data];
}

function show(view, step, report) {
  const deck = deckOf(view);
  if (!window.Plotly || !deck) {
    view.status.textContent = "Loading the step view…";
    return;
  }
  view.status.textContent = "";
  if (!deck.pathX) {
    deck.pathX = Array.from(deck.path.x);
    deck.pathY = Array.from(deck.path.y);
  }
  step = Math.min(deck.last, Math.max(deck.first, step));
  view.step = step;
  const entry = deck.steps[String(step)];
  const layout = { ...deck.static.layout, images: [deck.image], title: { text: entry.title, x: 0.01, font: { size: 15 } } };
  window.Plotly.react(view.map, traces(view, deck, step), layout, { displayModeBar: false, responsive: true });
  view.rows.replaceChildren(...entry.rows.map(([name, value]) => {
    const row = document.createElement("tr");
    const left = document.createElement("td");
    const right = document.createElement("td");
    left.textContent = name;
    right.textContent = value;
    row.append(left, right);
    return row;
  }));
  view.heading.textContent = `Step ${step}`;
  view.scrubber.min = String(deck.first);
  view.scrubber.max = String(deck.last);
  view.scrubber.value = String(step);
  view.label.textContent = `step ${step} of ${deck.first}..${deck.last}`;
  view.previous.disabled = step <= deck.first;
  view.next.disabled = step >= deck.last;
  view.root.dataset.step = String(step);
  view.root.dataset.shown = String((Number(view.root.dataset.shown) || 0) + 1);
  if (report) {
    clearTimeout(view.timer);
    view.timer = setTimeout(() => { // the formulas and tables follow
      view.sent = step;
      view.setState("step", step);
    }, 600);
  }
}

function create(parentElement) {
  const root = parentElement.querySelector(".optviz-step-view");
  const view = {
    root,
    map: root.querySelector(".sv-map"),
    rows: root.querySelector(".sv-rows"),
    heading: root.querySelector(".sv-heading"),
    status: root.querySelector(".sv-status"),
    scrubber: root.querySelector(".sv-step"),
    label: root.querySelector(".sv-label"),
    previous: root.querySelector(".sv-previous"),
    next: root.querySelector(".sv-next"),
  };
  view.previous.addEventListener("click", () => show(view, view.step - 1, true));
  view.next.addEventListener("click", () => show(view, view.step + 1, true));
  view.scrubber.addEventListener("input", () => show(view, Number(view.scrubber.value), true));
  root.addEventListener("keydown", (event) => {
    if (event.target === view.scrubber) return; // the range input steps by itself
    if (event.key === "ArrowRight") show(view, view.step + 1, true);
    else if (event.key === "ArrowLeft") show(view, view.step - 1, true);
    else return;
    event.preventDefault();
  });
  view.map.addEventListener("click", (event) => {
    const layout = view.map._fullLayout;
    const area = view.map.querySelector(".nsewdrag");
    if (!layout || !area) return;
    const box = area.getBoundingClientRect();
    const px = event.clientX - box.left;
    const py = event.clientY - box.top;
    if (px < 0 || py < 0 || px > box.width || py > box.height) return;
    view.setTrigger("pick", { x: layout.xaxis.p2d(px), y: layout.yaxis.p2d(py) });
  });
  window.addEventListener("optviz-asset", () => { if (view.data) show(view, view.step ?? view.data.step, false); });
  return view;
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let view = views.get(parentElement);
  if (!view) {
    view = create(parentElement);
    views.set(parentElement, view);
  }
  view.setState = setStateValue;
  view.setTrigger = setTriggerValue;
  if (!data) return;
  const sameDeck = view.data && view.data.deck === data.deck;
  const caughtUp = data.step === view.sent || data.step === (view.data && view.data.step);
  view.data = data;
  // A new deck, or the server moved the step itself (a link, a click on the map): show the server's step. When the
  // server only caught up with a step this view reported, the person may have stepped on meanwhile: keep it.
  if (!sameDeck || !caughtUp || view.step === undefined) show(view, data.step, false);
}
