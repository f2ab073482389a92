// optviz figure view: one plotly figure that stays in the page across reruns; new data redraws it in place with
// Plotly.react (no new chart mounted). An optional background (a layout image, e.g. the surface) arrives apart,
// once. Python built the figure; this file only draws it. Text goes to textContent, figures to plotly.js.

const views = new WeakMap(); // parentElement -> the view's state, kept across reruns

function draw(view) {
  const Plotly = window.Plotly;
  const store = (window.__optviz || { assets: {} }).assets;
  const background = view.data.background ? store[view.data.background] : null;
  if (!Plotly || background === undefined) {
    view.status.textContent = "Loading the chart…";
    return;
  }
  view.status.textContent = "";
  const { figure } = view.data;
  const layout = { ...figure.layout, images: background ? [background] : [] };
  view.chart.style.height = `${figure.layout.height || 480}px`;
  Plotly.react(view.chart, figure.data, layout, { displayModeBar: false, responsive: true });
  view.root.dataset.drawn = String((Number(view.root.dataset.drawn) || 0) + 1);
}

export default function (component) {
  const { data, parentElement } = component;
  let view = views.get(parentElement);
  if (!view) {
    const root = parentElement.querySelector(".optviz-figure-view");
    view = { root, chart: root.querySelector(".fv-chart"), status: root.querySelector(".fv-status") };
    views.set(parentElement, view);
    window.addEventListener("optviz-asset", () => { if (view.data && view.root.isConnected) draw(view); });
  }
  if (!data) return;
  view.data = data;
  draw(view);
}
