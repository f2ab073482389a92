// optviz path view: the surface explorer's map, loss chart and (when switched on) 3-D view, drawn by plotly.js.
// Python computes every number (figures as plotly JSON, every lane's positions); this file only draws,
// animates (Play / Pause / speed; the paths drawn up to the animated step unless "whole paths" is ticked), scrubs
// (the step slider) and sends a click on the map back as a trigger.
// Text from the data is never parsed as HTML here: labels go to textContent, figures to plotly.js.

const views = new WeakMap(); // parentElement -> the view's state, kept across reruns

// TYPED, decodeBytes, decodeArray and assets() come from view_common.js (put in front of this file).

function whenReady(view) {
  // plotly.js and the surface image arrive through their own components: draw when both are in the page.
  if (view.waiting) return;
  view.waiting = true;
  const retry = () => {
    view.waiting = false;
    window.removeEventListener("optviz-asset", retry);
    draw(view);
  };
  window.addEventListener("optviz-asset", retry);
}

function headTraces(view, step) {
  // Per lane: a tail over the last frames, the bold run's head and, with an ensemble (more than one run), the
  // ensemble's heads (same order as "animated").
  const { data, positions } = view;
  const [lanes, rows, runs] = data.shape;
  const stride = data.stride;
  const x = [];
  const y = [];
  for (let lane = 0; lane < lanes; lane++) {
    const at = (t, r) => ((lane * rows + t) * runs + r) * 2;
    const tx = [];
    const ty = [];
    let previous = -1;
    for (let k = data.tail; k >= 0; k--) {
      const t = Math.max(0, step - k * stride);
      if (t === previous) continue;
      previous = t;
      tx.push(positions[at(t, 0)]);
      ty.push(positions[at(t, 0) + 1]);
    }
    x.push(tx, [positions[at(step, 0)]]);
    y.push(ty, [positions[at(step, 0) + 1]]);
    if (runs < 2) continue;
    const ex = [];
    const ey = [];
    for (let r = 1; r < runs; r++) {
      ex.push(positions[at(step, r)]);
      ey.push(positions[at(step, r) + 1]);
    }
    x.push(ex);
    y.push(ey);
  }
  return { x, y };
}

function growingTraces(view, step) {
  // Each lane's path, noisy runs, clip and divergence markers drawn up to ``step`` (whole when asked): the points
  // whose step (computed in Python, NaN for a gap between runs) is not after it.
  const x = [];
  const y = [];
  for (const { trace, steps } of view.growing) {
    const { x: allX, y: allY } = view.data.map.data[trace];
    if (view.whole || step >= view.data.steps) {
      x.push(allX);
      y.push(allY);
      continue;
    }
    const shownX = [];
    const shownY = [];
    for (let i = 0; i < steps.length; i++) {
      if (!(steps[i] > step)) {
        shownX.push(allX[i]);
        shownY.push(allY[i]);
      }
    }
    x.push(shownX);
    y.push(shownY);
  }
  return { x, y };
}

function gridNode(view, event) {
  // The click grid's node nearest to the pointer, with the surface's value there (null off the plot area).
  const grid = view.grid;
  const layout = view.map._fullLayout;
  const area = view.map.querySelector(".nsewdrag");
  if (!grid || !layout || !area) return null;
  const box = area.getBoundingClientRect();
  const px = event.clientX - box.left;
  const py = event.clientY - box.top;
  if (px < 0 || py < 0 || px > box.width || py > box.height) return null;
  const n = grid.n;
  const snap = (value, [low, high]) => Math.min(n - 1, Math.max(0, Math.round(((value - low) / (high - low)) * (n - 1))));
  const i = snap(layout.xaxis.p2d(px), grid.x);
  const j = snap(layout.yaxis.p2d(py), grid.y);
  const at = (k, [low, high]) => Number((low + ((high - low) * k) / (n - 1)).toPrecision(12));
  return { x: at(i, grid.x), y: at(j, grid.y), f: grid.values[j * n + i] };
}

function cursorShape(step) {
  return {
    type: "line", name: "cursor", xref: "x", yref: "paper", x0: step, x1: step, y0: 0, y1: 1,
    line: { color: "#333333", width: 1.5, dash: "dash" },
  };
}

function prepareScene(view) {
  // The 3-D scene's lines, as Python lifted them above the surface: (3, k) float32 and each step's point.
  const scene = view.data.scene;
  view.points3d = scene ? decodeArray(scene.points) : null;
  view.index3d = scene ? decodeArray(scene.index) : null;
}

function sceneTraces(view, step) {
  // Per lane: its line up to ``step`` and its head at that step (slices of Python's points, nothing computed).
  const { scene, steps } = view.data;
  const all = view.points3d;
  const count = all.length / 3;
  const axes = [0, 1, 2].map((k) => all.subarray(k * count, (k + 1) * count));
  const out = { x: [], y: [], z: [], traces: [] };
  scene.lanes.forEach((trace, lane) => {
    const first = scene.offsets[lane];
    const at = first + view.index3d[lane * (steps + 1) + Math.min(step, steps)];
    ["x", "y", "z"].forEach((name, k) => {
      out[name].push(axes[k].subarray(first, at + 1), [axes[k][at]]);
    });
    out.traces.push(trace, trace + 1);
  });
  return out;
}

function drawScene(view) {
  // The 3-D view when the page sent one (its surface arrives once, as an asset), else nothing drawn.
  const Plotly = window.Plotly;
  const scene = view.data.scene;
  if (!scene) {
    if (view.sceneDrawn) Plotly.purge(view.scene);
    view.sceneDrawn = false;
    view.scene.hidden = true;
    view.root.dataset.scene = "off";
    return;
  }
  const mesh = assets()[view.data.scene_mesh];
  view.scene.hidden = false;
  if (mesh === undefined) {
    view.root.dataset.scene = "waiting";
    whenReady(view);
    return;
  }
  const lines = sceneTraces(view, view.step);
  const traces = [mesh, ...scene.figure.data].map((trace, i) => {
    const at = lines.traces.indexOf(i);
    return at < 0 ? trace : { ...trace, x: lines.x[at], y: lines.y[at], z: lines.z[at] };
  });
  Plotly.react(view.scene, traces, scene.figure.layout, { displayModeBar: false, responsive: true });
  view.sceneDrawn = true;
  view.root.dataset.scene = "on";
  view.root.dataset.sceneStep = String(view.step);
}

function keepSurface(view) {
  // plotly.js re-processes every trace of a 3-D scene on any restyle (a 240 x 240 surface: most of a step's
  // cost). While a step only moves the paths, the surface's trace keeps what it has. This reaches into
  // plotly.js's scene (private): if it is not there, every step re-processes the surface, as before.
  const scene = view.scene._fullLayout?.scene?._scene;
  const surface = scene?.traces?.[view.scene._fullData?.[0]?.uid];
  if (!surface || surface.optvizKept || typeof surface.update !== "function") return;
  const update = surface.update.bind(surface);
  surface.update = (trace) => {
    if (view.sceneStepping) surface.data = trace;
    else update(trace);
  };
  surface.optvizKept = true;
}

function sceneStep(view, step) {
  // Move the 3-D lines' ends and heads to ``step``, at most once per frame (the map's ticks are not held up).
  if (!view.sceneDrawn || !view.data.scene) return;
  view.sceneWanted = step;
  if (view.scenePending) return;
  view.scenePending = true;
  requestAnimationFrame(() => {
    view.scenePending = false;
    if (!view.sceneDrawn || !view.data.scene) return;
    const wanted = Math.min(view.sceneWanted, view.data.steps);
    const { x, y, z, traces } = sceneTraces(view, wanted);
    keepSurface(view);
    view.sceneStepping = true;
    try {
      window.Plotly.restyle(view.scene, { x, y, z }, traces);
    } finally {
      view.sceneStepping = false;
    }
    view.root.dataset.sceneStep = String(wanted);
  });
}

function showStep(view, step) {
  // Move the heads and the loss cursor to ``step`` (no rerun, no new figure).
  view.step = step;
  const Plotly = window.Plotly;
  const heads = headTraces(view, step);
  const grown = growingTraces(view, step);
  const indices = view.data.animated.concat(view.growing.map((g) => g.trace));
  Plotly.restyle(view.map, { x: heads.x.concat(grown.x), y: heads.y.concat(grown.y) }, indices);
  const index = view.cursorIndex;
  Plotly.relayout(view.loss, { [`shapes[${index}].x0`]: step, [`shapes[${index}].x1`]: step });
  view.scrubber.value = String(step);
  view.stepLabel.textContent = `step ${step} of ${view.data.steps}`;
  view.root.dataset.step = String(step);
  view.root.dataset.whole = String(view.whole);
  sceneStep(view, step);
}

function stop(view) {
  if (view.timer) clearInterval(view.timer);
  view.timer = null;
  view.playing = false;
  view.root.dataset.playing = "false";
}

function play(view) {
  stop(view);
  view.playing = true;
  view.root.dataset.playing = "true";
  if (view.step >= view.data.steps) showStep(view, 0);
  view.timer = setInterval(() => {
    if (!view.map.isConnected) return stop(view);
    const next = Math.min(view.data.steps, view.step + view.data.stride);
    showStep(view, next);
    if (next >= view.data.steps) stop(view);
  }, view.data.speeds[view.speed.value] || 60);
}

function draw(view) {
  const began = performance.now();
  const Plotly = window.Plotly;
  const surface = assets()[view.data.surface];
  if (!Plotly || surface === undefined) {
    view.status.textContent = "Loading the interactive map…";
    whenReady(view);
    return;
  }
  view.status.textContent = "";
  const { data } = view;
  const step = Math.min(view.step ?? data.steps, data.steps);
  view.step = step;
  const heads = headTraces(view, step);
  const grown = growingTraces(view, step);
  const growing = view.growing.map((g) => g.trace);
  const traces = data.map.data.map((trace, i) => {
    const at = data.animated.indexOf(i);
    if (at >= 0) return { ...trace, x: heads.x[at], y: heads.y[at] };
    const cut = growing.indexOf(i);
    return cut < 0 ? trace : { ...trace, x: grown.x[cut], y: grown.y[cut] };
  });
  const config = { displayModeBar: false, responsive: true };
  view.grid = surface.pick;
  if (!view.grid.values) view.grid.values = decodeArray(view.grid.f);
  Plotly.react(view.map, traces, { ...data.map.layout, images: [surface.image] }, config);
  const shapes = (data.loss.layout.shapes || []).concat([cursorShape(step)]);
  view.cursorIndex = shapes.length - 1;
  Plotly.react(view.loss, data.loss.data, { ...data.loss.layout, shapes }, config);
  view.scrubber.max = String(data.steps);
  view.scrubber.step = "1";
  view.scrubber.value = String(step);
  view.stepLabel.textContent = `step ${step} of ${data.steps}`;
  view.root.dataset.step = String(step);
  view.root.dataset.steps = String(data.steps);
  view.root.dataset.animated = JSON.stringify(data.animated);
  view.root.dataset.drawn = String((Number(view.root.dataset.drawn) || 0) + 1);
  drawScene(view);
  view.root.dataset.drawMs = String(Math.round(performance.now() - began));
  if (view.playing && !view.timer) play(view);
}

function create(parentElement) {
  const root = parentElement.querySelector(".optviz-path-view");
  const view = {
    root,
    map: root.querySelector(".ov-map"),
    loss: root.querySelector(".ov-loss"),
    scene: root.querySelector(".ov-3d"),
    status: root.querySelector(".ov-status"),
    scrubber: root.querySelector(".ov-step"),
    stepLabel: root.querySelector(".ov-step-label"),
    speed: root.querySelector(".ov-speed"),
    hover: root.querySelector(".ov-hover"),
    whole: false,
    playing: false,
    timer: null,
    step: undefined,
  };
  root.querySelector(".ov-play").addEventListener("click", () => play(view));
  root.querySelector(".ov-pause").addEventListener("click", () => stop(view));
  view.speed.addEventListener("change", () => { if (view.playing) play(view); });
  const whole = root.querySelector(".ov-whole input");
  whole.addEventListener("change", () => {
    view.whole = whole.checked;
    if (window.Plotly && view.positions) showStep(view, view.step);
  });
  view.scrubber.addEventListener("input", () => {
    stop(view);
    if (window.Plotly && view.positions) showStep(view, Number(view.scrubber.value));
  });
  // The click grid is not drawn (no marker per node to redraw): a pointer over the map snaps to its nearest node,
  // the line under the map shows f there, a click sends the node back to Python.
  view.map.addEventListener("mousemove", (event) => {
    const node = gridNode(view, event);
    view.hover.textContent = node
      ? `x=${node.x.toPrecision(3)}, y=${node.y.toPrecision(3)}, f=${node.f.toPrecision(4)} · click: start here`
      : "";
  });
  view.map.addEventListener("mouseleave", () => { view.hover.textContent = ""; });
  view.map.addEventListener("click", (event) => {
    const node = gridNode(view, event);
    if (node) view.setTrigger("pick", { x: node.x, y: node.y });
  });
  return view;
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let view = views.get(parentElement);
  if (!view) {
    view = create(parentElement);
    views.set(parentElement, view);
  }
  view.setTrigger = setTriggerValue;
  if (!data) return;
  const previous = view.data;
  if (previous && view.step === previous.steps) view.step = data.steps; // at the end: stay at the end
  view.data = data;
  view.positions = decodeArray(data.positions);
  view.growing = (data.growing || []).map((g) => ({ trace: g.trace, steps: decodeArray(g.steps) }));
  for (const { trace } of view.growing) { // cut to the animated step in the browser: typed arrays, decoded once
    const growing = data.map.data[trace];
    growing.x = decodeArray(growing.x);
    growing.y = decodeArray(growing.y);
  }
  prepareScene(view);
  draw(view);
  // Streamlit calls this on unmount and before each update: stop only when the view has left the page.
  return () => setTimeout(() => { if (!view.root.isConnected) stop(view); }, 0);
}
