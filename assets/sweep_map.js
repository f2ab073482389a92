// optviz sweep map: the sweep's heat map drawn once per grid by plotly.js in the browser. A click outlines the cell at
// once and sends it back as a trigger (the page then replays that cell); hovering shows the cell's argument values
// and metric on the line under the map. Python computed every number (optviz/figures/sweep_view.py); this file
// snaps the pointer to the nearest cell centre and draws. Text goes to textContent, figures to plotly.js.

const views = new WeakMap(); // parentElement -> the view's state, kept across reruns

// decodeArray and assets() come from view_common.js (put in front of this file).

function general(value) {
  // Python's "%.4g": 4 significant digits, exponent form below 1e-4 and from 1e4 on.
  if (!Number.isFinite(value)) return "n/a";
  if (value === 0) return "0";
  const exponent = Math.floor(Math.log10(Math.abs(Number(value.toPrecision(4)))));
  if (exponent < -4 || exponent >= 4) {
    const [mantissa, power] = value.toExponential(3).split("e");
    const digits = String(Math.abs(Number(power))).padStart(2, "0");
    return `${String(Number(mantissa))}e${power.startsWith("-") ? "-" : "+"}${digits}`;
  }
  return String(Number(value.toPrecision(4)));
}

function nearest(centres, value) {
  let best = 0;
  for (let i = 1; i < centres.length; i++) {
    if (Math.abs(centres[i] - value) < Math.abs(centres[best] - value)) best = i;
  }
  return best;
}

function cellAt(view, event) {
  // The cell under the pointer as [row, column] (null off the plot area or before the map is drawn).
  const layout = view.map._fullLayout;
  const area = view.map.querySelector(".nsewdrag");
  if (!view.cells || !layout || !area) return null;
  const box = area.getBoundingClientRect();
  const px = event.clientX - box.left;
  const py = event.clientY - box.top;
  if (px < 0 || py < 0 || px > box.width || py > box.height) return null;
  return [nearest(view.cells.y, layout.yaxis.p2d(py)), nearest(view.cells.x, layout.xaxis.p2d(px))];
}

function describe(view, [row, column]) {
  const cells = view.cells;
  const index = row * cells.x.length + column;
  const status = cells.statusCodes[index];
  const number = general(cells.valueArray[index]);
  const value = status === 1 ? "diverged" : status === 2 ? "never reached" : status === 3 ? `unstable (${number})` : number;
  return `${cells.xName} = ${general(cells.xValues[column])}, ${cells.yName} = ${general(cells.yValues[row])} · `
    + `${cells.metric}: ${value} · click: replay`;
}

function outline(view, cell) {
  // Move the replayed cell's outline, or hide it when there is no cell (no new figure).
  view.root.dataset.cell = cell ? cell.join(",") : "";
  if (view.selectedIndex === undefined || !view.map._fullData) return;
  const [x, y] = cell ? [[view.cells.x[cell[1]]], [view.cells.y[cell[0]]]] : [[], []];
  window.Plotly.restyle(view.map, { x: [x], y: [y] }, [view.selectedIndex]);
}

function draw(view) {
  const Plotly = window.Plotly;
  const heatmap = assets()[view.data.heatmap];
  if (!Plotly || heatmap === undefined) {
    view.status.textContent = "Loading the interactive heat map…";
    return;
  }
  view.status.textContent = "";
  const selected = view.data.selected;
  if (view.drawn === view.data.heatmap && view.map._fullData) {
    outline(view, selected.cell);
    return;
  }
  const began = performance.now();
  const { figure, cells } = heatmap;
  if (!cells.valueArray) {
    cells.valueArray = decodeArray(cells.values);
    cells.statusCodes = decodeArray(cells.status);
  }
  view.cells = cells;
  view.drawn = view.data.heatmap;
  view.selectedIndex = figure.data.length;
  view.map.style.height = `${figure.layout.height || 600}px`;
  const layout = { ...figure.layout, clickmode: "none", dragmode: false };
  Plotly.react(view.map, [...figure.data, selected.trace], layout, { displayModeBar: false, responsive: true });
  view.root.dataset.cell = selected.cell ? selected.cell.join(",") : "";
  view.root.dataset.drawn = String((Number(view.root.dataset.drawn) || 0) + 1);
  view.root.dataset.drawMs = String(Math.round(performance.now() - began));
}

function create(parentElement) {
  const root = parentElement.querySelector(".optviz-sweep-map");
  const view = {
    root,
    map: root.querySelector(".sm-map"),
    status: root.querySelector(".sm-status"),
    hover: root.querySelector(".sm-hover"),
  };
  view.map.addEventListener("mousemove", (event) => {
    const cell = cellAt(view, event);
    view.hover.textContent = cell ? describe(view, cell) : "";
  });
  view.map.addEventListener("mouseleave", () => { view.hover.textContent = ""; });
  view.map.addEventListener("click", (event) => {
    const cell = cellAt(view, event);
    if (!cell) return;
    outline(view, cell);
    view.setTrigger("pick", { row: cell[0], column: cell[1] });
  });
  // plotly.js and the heat map arrive through their own components: draw when they are in the page.
  window.addEventListener("optviz-asset", () => { if (view.data && view.root.isConnected) draw(view); });
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
  view.data = data;
  draw(view);
}
