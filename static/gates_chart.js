// The chart element of pages/_chart.py: a plotly.js figure that this element owns and updates in place.
//
// Gates chart (gru_viz/gates_chart.py builds its spec): the numbers arrive once, as float32 arrays. plotly.js draws
// the frame (axes, titles, colour keys, labels); the data are drawn here, placed from plotly.js's axes: the heatmaps
// as canvases under the figure (one pixel per cell, coloured through the spec's lookup tables), the lines and the
// state path as one SVG over it, the time cursor too; the numbers table and cell diagram of the cursor's step are
// plain DOM. So moving the cursor (Play, the scrubber, a step from Python) and new numbers of the same shape (another
// H, seed or weights, a training snapshot) make no plotly.js call at all; only a new length or input range costs one
// relayout of the keys that changed. Python hears about the step only when the cursor comes to rest (Pause, end of a
// drag): one rerun, never one per frame.
//
// Plain figure: any Plotly figure from Python, updated with Plotly.react in the same element.
//
// Every error is caught and shown in the element; uncaught, it would replace the element with an error box.

// plotly.js from static/, never a CDN: its basic bundle (scatter, bar and pie traces; see static/README.md), a quarter
// of the full bundle's 4.8 MB for the browser to parse. Streamlit would gzip it afresh for every first visit; its
// gzipped copy is served as it is and unpacked here. Browsers without DecompressionStream take the plain file.
const PLOTLY_URL = new URL("plotly-basic.min.js", import.meta.url).href;
const PLOTLY_GZ_URL = new URL("plotly-basic.min.js.gz", import.meta.url).href;
const REPORT_DELAY_MS = 200;  // a cursor at rest this long is reported to Python
const NARROW_PX = 640;  // below this width the state path goes under the time panels
const NO_ZOOM = ["zoom2d", "pan2d", "select2d", "lasso2d", "zoomIn2d", "zoomOut2d", "autoScale2d", "resetScale2d",
                 "sendChartToCloud"];
// plotly.js 4 shows a "Share chart..." button by default that posts the figure's data to cloud.plotly.com: a
// classroom's numbers never leave the server's network, so it is off, and its destination is empty as well
const OFFLINE = {showSendToCloud: false, showEditInChartStudio: false, showLink: false, plotlyServerURL: "",
                 displaylogo: false};
const SVG = (() => {  // the SVG namespace, as the HTML parser gives it to an <svg> tag
  const box = document.createElement("div");
  box.innerHTML = "<svg></svg>";
  return box.firstChild.namespaceURI;
})();
const CLEAR = "rgba(0, 0, 0, 0)";  // the figure's backgrounds: the heatmap canvases lie under it

async function plotlySource() {
  if (typeof DecompressionStream === "undefined") return PLOTLY_URL;
  const response = await fetch(PLOTLY_GZ_URL);
  if (!response.ok) throw new Error(`could not load ${PLOTLY_GZ_URL} (${response.status})`);
  const code = await new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).blob();
  return URL.createObjectURL(new Blob([code], {type: "text/javascript"}));
}

function loadPlotly() {
  if (!window.__gvPlotly) {
    window.__gvPlotly = plotlySource().then((src) => new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.dataset.plotly = PLOTLY_URL;
      script.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error("plotly.js did not load")));
      script.onerror = () => reject(new Error(`could not load ${PLOTLY_URL}`));
      document.head.appendChild(script);
    })).catch((err) => {
      window.__gvPlotly = null;  // a later update may try again
      throw err;
    });
  }
  return window.__gvPlotly;
}

function decodeBytes(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

// A (rows, cols) float32 matrix, row-major, as sent by gru_viz.gates_chart.encode_f32.
class Matrix {
  constructor(b64, rows) {
    this.b64 = b64;  // what was sent: equal text, equal numbers
    this.values = new Float32Array(decodeBytes(b64).buffer);
    this.rows = rows;
    this.cols = this.values.length / rows;
  }
  row(i) { return this.values.subarray(i * this.cols, (i + 1) * this.cols); }
  col(j) {
    const out = new Float32Array(this.rows);
    for (let i = 0; i < this.rows; i++) out[i] = this.values[i * this.cols + j];
    return out;
  }
}

// Two decimals with a true minus sign, "—" for NaN: gru_viz.diagram.format_number.
function formatNumber(v, digits = 2) {
  if (!Number.isFinite(v)) return "—";
  const s = v.toFixed(digits);
  return (/^-0\.0*$/.test(s) ? s.slice(1) : s).replace("-", "−");
}

// "0.97" for one entry, else "[a, b," / "c, d, …]" two entries a line: gru_viz.diagram.format_values.
function formatValues(values, maxItems = 4) {
  if (values.length === 1) return [formatNumber(values[0])];
  const items = Array.from(values.slice(0, maxItems), (v) => formatNumber(v));
  const lines = [];
  for (let i = 0; i < items.length; i += 2) lines.push(items.slice(i, i + 2).join(", ") + ",");
  lines[lines.length - 1] = lines[lines.length - 1].slice(0, -1) + (values.length > maxItems ? ", …]" : "]");
  lines[0] = "[" + lines[0];
  return lines;
}

// A (T, n) matrix painted on a canvas of n rows × T columns (row 0 at the bottom), coloured through a 256-entry
// lookup table over [lo, hi] as gru_viz.raster.colourise does. One pixel per cell: CSS keeps the pixels crisp.
function paintHeat(canvas, matrix, lo, hi, lut) {
  const T = matrix.rows;
  const n = matrix.cols;
  if (canvas.width !== T) canvas.width = T;
  if (canvas.height !== n) canvas.height = n;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(T, n);
  const px = image.data;
  const top = lut.length / 3 - 1;
  for (let t = 0; t < T; t++) {
    for (let k = 0; k < n; k++) {
      const v = matrix.values[t * n + k];
      const i = Number.isNaN(v) ? Math.round(top / 2)
        : Math.min(Math.max(Math.round((v - lo) / (hi - lo) * top), 0), top);
      const at = ((n - 1 - k) * T + t) * 4;
      px[at] = lut[3 * i];
      px[at + 1] = lut[3 * i + 1];
      px[at + 2] = lut[3 * i + 2];
      px[at + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
}

// The text of a name escaped by Python's html.escape (the spec escapes trace names for plotly.js; here they are
// written as text): its five entities back, "&amp;" last. (A DOMParser per name built a document each: 0.5 ms a
// new chart.)
const ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&#x27;": "'"};
function unescapeHtml(text) {
  return text.replace(/&lt;|&gt;|&quot;|&#x27;/g, (entity) => ENTITIES[entity]).replace(/&amp;/g, "&");
}

// A colour lookup table sent as base64, decoded once: every chart sends the same few.
const LUTS = new Map();
function decodeLut(b64) {
  if (!LUTS.has(b64)) LUTS.set(b64, decodeBytes(b64));
  return LUTS.get(b64);
}

// A pointer from the figure into the spec's arrays: {"$a": name} or {"$a": name, "col": k} (gru_viz.gates_chart._ref).
function isRef(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v) && "$a" in v;
}

// Does a trace draw from the spec's arrays (its x or y a pointer)?
function isLine(trace) {
  return isRef(trace.x) || isRef(trace.y);
}

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

// Leaves of a layout as "path" → JSON text (arrays are leaves), for relayout of what changed only.
function flatten(obj, prefix = "", out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = JSON.stringify(v);
  }
  return out;
}

// What plotly.js is given for the data: one empty trace per subplot (the element draws the data itself), so a
// figure with other lines or another length is the same figure to plotly.js.
function placeholders(spec) {
  const seen = new Map();
  for (const trace of spec.figure.data) {
    const axes = [trace.xaxis || "x", trace.yaxis || "y"];
    seen.set(axes.join(), {type: "scatter", x: [], y: [], xaxis: axes[0], yaxis: axes[1], hoverinfo: "skip"});
  }
  return [...seen.values()];
}

// The axis objects of plotly.js's full layout for a trace's or an image's "x2" / "y3" reference.
function axisOf(full, ref) {
  return full[ref.replace(/^x/, "xaxis").replace(/^y/, "yaxis")];
}

class Element {
  constructor(parent, className) {
    this.root = el("div", {class: `gv-chart ${className}`, role: "figure"});
    this.root.__gvChart = this;  // tests check that the same node survives a widget change
    this.error = el("div", {class: "gv-error", role: "alert", hidden: ""});
    this.plot = el("div", {class: "gv-plot"});
    this.queue = Promise.resolve();
    parent.append(this.root);
  }

  guard(fn) {
    return (...args) => {
      try {
        return fn(...args);
      } catch (err) {
        this.fail(err);
        return undefined;
      }
    };
  }

  fail(err) {
    console.error("gru_viz chart:", err);
    this.error.textContent = "The chart hit an error and may be out of date "
      + `(${err && err.message ? err.message : err}). Reload the page to draw it again.`;
    this.error.hidden = false;
  }

  // Updates run one after the other, and only the latest waiting one runs: a burst of reruns draws once.
  receive(data, api) {
    this.api = api;
    this.root.setAttribute("aria-label", String(data.alt || "chart"));
    this.latest = data;
    this.queue = this.queue.then(() => {
      if (this.latest !== data) return undefined;
      return this.update(data);
    }).catch((err) => this.fail(err));
  }

  drawn(id) {
    this.root.__gvDraws = (this.root.__gvDraws || 0) + 1;
    this.root.__gvSpec = id;
  }
}

// Any Plotly figure, drawn with plotly.js from static/ and updated with Plotly.react in the same element.
class PlainChart extends Element {
  constructor(parent) {
    super(parent, "gv-plain");
    this.root.append(this.error, this.plot);
  }

  async update(data) {
    if (data.figure === this.figure) return;
    const Plotly = await loadPlotly();
    const t0 = performance.now();
    const figure = JSON.parse(data.figure);
    const config = {responsive: true, modeBarButtonsToRemove: NO_ZOOM, ...(data.config || {}), ...OFFLINE};
    await Plotly.react(this.plot, figure.data, figure.layout, config);
    this.figure = data.figure;
    this.root.__gvDrawMs = performance.now() - t0;
    this.drawn(data.figure.length);
  }
}

class GatesChart extends Element {
  constructor(parent) {
    super(parent, "gv-gates");
    const controls = el("div", {class: "gv-controls"});
    this.play = el("button", {type: "button", class: "gv-play", "aria-pressed": "false"}, "▶ Play");
    this.scrub = el("input", {type: "range", class: "gv-step", min: "0", max: "0", step: "1", value: "0",
                              "aria-label": "time step t of the chart"});
    this.stepOut = el("output", {class: "gv-step-out"}, "step t = 0");
    controls.append(this.play, this.scrub, this.stepOut);
    this.training = el("div", {class: "gv-controls gv-training", hidden: ""});
    this.snapScrub = el("input", {type: "range", class: "gv-snap", min: "0", max: "0", step: "1", value: "0",
                                  "aria-label": "training time: the weights after this many training steps"});
    this.snapOut = el("output", {class: "gv-snap-out"});
    this.training.append(el("span", {class: "gv-label"}, "training time"), this.snapScrub, this.snapOut);
    const plotBox = el("div", {class: "gv-plot-box"});
    this.heatLayer = el("div", {class: "gv-heat", "aria-hidden": "true"});  // under the figure
    const overlay = el("div", {class: "gv-overlay", "aria-hidden": "true"});  // over it
    this.lines = document.createElementNS(SVG, "svg");
    this.lines.setAttribute("class", "gv-lines");
    this.cursor = el("div", {class: "gv-cursor"});
    this.dot = el("div", {class: "gv-dot"});
    this.tip = el("div", {class: "gv-tip", hidden: ""});
    this.rowLabels = el("div");
    this.pathX = el("div", {class: "gv-axis-label"});
    this.pathY = el("div", {class: "gv-axis-label gv-vertical"});
    overlay.append(this.lines, this.rowLabels, this.cursor, this.dot, this.pathX, this.pathY, this.tip);
    plotBox.append(this.heatLayer, this.plot, overlay);
    const below = el("div", {class: "gv-below"});
    const numbers = el("div", {class: "gv-numbers"});
    this.heading = el("p", {class: "gv-heading"});
    this.inputLine = el("p", {class: "gv-input"});
    const tableBox = el("div", {class: "gv-table-box", tabindex: "0", role: "region",
                                "aria-label": "the numbers at the chart's step"});
    this.table = el("table", {class: "gv-table"});
    tableBox.append(this.table);
    const open = this.openBox = el("div", {class: "gv-open", hidden: ""});
    this.unitPick = el("select", {class: "gv-unit", "aria-label": "unit to open in One step"});
    this.openButton = el("button", {type: "button", class: "gv-open-button"}, "Open this step in One step");
    open.append(el("label", {class: "gv-label"}, "unit"), this.unitPick, this.openButton);
    numbers.append(this.heading, this.inputLine, tableBox, open);
    this.diagramBox = el("div", {class: "gv-diagram", tabindex: "0", role: "region",
                                 "aria-label": "the cell diagram at the chart's step"});
    below.append(numbers, this.diagramBox);
    // which units the "h by unit" panel draws as lines: chosen here, without a rerun
    this.unitBox = el("div", {class: "gv-units", role: "group", "aria-label": "units drawn as lines"});
    this.unitChoice = new Map();  // H → the units chosen for charts of that size
    // what the figure shows, in words (screen readers have it in the figure's label already)
    this.caption = el("p", {class: "gv-caption", "aria-hidden": "true"});
    this.root.append(this.error, controls, this.training, plotBox, this.unitBox, this.caption, below);

    this.spec = null;
    this.rows = [];
    this.step = 0;
    this.pyStep = null;  // the last step Python sent
    this.reported = null;  // the last step this element reported
    this.timer = null;
    this.play.addEventListener("click", this.guard(() => (this.timer ? this.pause() : this.start())));
    this.scrub.addEventListener("input", this.guard(() => { this.stop(); this.setStep(+this.scrub.value); }));
    this.scrub.addEventListener("change", this.guard(() => this.report()));
    this.snapScrub.addEventListener("input", this.guard(() => this.showSnapshot(+this.snapScrub.value)));
    this.openButton.addEventListener("click", this.guard(() => this.open(this.step, +this.unitPick.value)));
    plotBox.addEventListener("mousemove", this.guard((event) => this.hover(event)));
    plotBox.addEventListener("mouseleave", () => { this.tip.hidden = true; });
    plotBox.addEventListener("click", this.guard((event) => this.clicked(event)));
    new ResizeObserver(this.guard(() => this.resize())).observe(plotBox);
  }

  async update(data) {
    this.caption.textContent = String(data.caption || "");
    this.reports = data.report !== false;
    this.opens = data.open === true;
    this.openBox.hidden = !this.opens;
    const id = typeof data.spec === "string" ? data.spec_id : data.spec.id;
    if (!this.spec || this.spec.id !== id) {
      await this.load(typeof data.spec === "string" ? JSON.parse(data.spec) : data.spec, data.step);
    }
    if (data.step !== this.pyStep) {
      this.pyStep = data.step;
      if (data.step !== this.reported) {  // not the echo of our own report: Python moved the step
        this.stop();
        this.setStep(data.step);
      }
    }
  }

  async load(spec, step) {
    const Plotly = await loadPlotly();
    const t0 = performance.now();
    const decode = (arrays) => Object.fromEntries(Object.entries(arrays).map(
      ([name, b64]) => [name, new Matrix(b64, name === "h0" ? 1 : spec.T)]));
    const old = this.spec;
    this.spec = spec;
    this.luts = Object.fromEntries(Object.entries(spec.scales).map(([name, b64]) => [name, decodeLut(b64)]));
    this.base = decode(spec.arrays);
    this.snapshots = spec.snapshots.map((s) => ({label: s.label, arrays: decode(s.arrays)}));
    this.snapshot = this.snapshots.length - 1;  // -1 without snapshots: the spec's own arrays
    this.arrays = this.snapshot >= 0 ? {...this.base, ...this.snapshots[this.snapshot].arrays} : this.base;
    this.scrub.max = String(spec.T - 1);
    this.training.hidden = !this.snapshots.length;
    if (this.snapshots.length) {
      this.snapScrub.max = String(this.snapshots.length - 1);
      this.snapScrub.value = String(this.snapshot);
    }
    this.buildTable();
    if (!old || old.diagram.svg !== spec.diagram.svg) this.buildDiagram();
    this.buildLines();
    this.buildUnitPicker();
    if (!this.plotted) {
      // a fixed width, kept by the resize observer: plotly.js's own autosize measures the page on every update
      this.width = this.plot.clientWidth || 800;
      this.narrow = this.width < NARROW_PX;
    }
    if (!this.plotted) {
      await Plotly.newPlot(this.plot, placeholders(spec), this.layout(), {modeBarButtonsToRemove: NO_ZOOM,
                                                                         ...OFFLINE});
      this.plotted = true;
      this.plot.on("plotly_afterplot", this.guard(() => this.paint()));
    } else if (JSON.stringify(placeholders(old)) === JSON.stringify(placeholders(spec))) {
      // the same subplots: a relayout of what changed in the layout (a new length or input range), if anything
      const before = flatten(this.plotlyLayout(this.variant(old)));
      const after = flatten(this.plotlyLayout(this.variant(spec)));
      const changes = {};
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        if (before[key] !== after[key]) changes[key] = key in after ? JSON.parse(after[key]) : null;
      }
      if (Object.keys(changes).length) await Plotly.relayout(this.plot, changes);
    } else {
      await Plotly.react(this.plot, placeholders(spec), this.layout());
    }
    this.buildRowLabels();
    this.pathX.textContent = spec.path_labels.x;
    this.pathY.textContent = spec.path_labels.y;
    this.showSnapshotLabel();
    this.step = Math.min(Math.max(step | 0, 0), spec.T - 1);
    this.paint();
    this.root.__gvDrawMs = performance.now() - t0;  // for benchmarks/bench_browser.py
    this.drawn(spec.id);
    this.setStep(this.step);
  }

  variant(spec) {
    return spec.figure[this.narrow ? "layout_narrow" : "layout"];
  }

  // What plotly.js draws of a layout: the heatmaps' pictures are left out (they are the canvases under the
  // figure), the backgrounds are clear so that the canvases show through, and the hover is the element's own.
  plotlyLayout(layout) {
    const images = (layout.images || []).filter((image) => typeof image.source === "string");
    return {...layout, images, paper_bgcolor: CLEAR, plot_bgcolor: CLEAR, hovermode: false};
  }

  layout() {
    return {...this.plotlyLayout(JSON.parse(JSON.stringify(this.variant(this.spec)))), width: this.width};
  }

  // The line traces of the spec, each an SVG path over the figure (drawn by paint), with what the hover names.
  buildLines() {
    this.lineTraces = this.spec.figure.data.filter(isLine);
    const paths = this.lineTraces.map((trace) => {
      const path = document.createElementNS(SVG, "path");
      path.setAttribute("fill", "none");
      path.setAttribute("stroke", (trace.line && trace.line.color) || "#444");
      path.setAttribute("stroke-width", String((trace.line && trace.line.width) || 2));
      path.setAttribute("stroke-linejoin", "round");
      path.setAttribute("class", "gv-line");
      return path;
    });
    this.lines.replaceChildren(...paths);
    this.linePaths = paths;
    this.lineNames = this.lineTraces.map((trace) => unescapeHtml(String(trace.name || "")));
    this.lineUnits = this.lineTraces.map((trace) => (trace.meta && Number.isInteger(trace.meta.unit)
      ? trace.meta.unit : null));  // null: not a unit line (the input, the state path)
  }

  // The units drawn as lines, ascending: the picker's choice for this H, else the spec's.
  chosenUnits() {
    return this.unitChoice.get(this.spec.H) || this.spec.units;
  }

  // Is line trace i drawn? Unit lines only when chosen; the others always.
  lineShown(i) {
    return this.lineUnits[i] === null || this.chosenUnits().includes(this.lineUnits[i]);
  }

  // One toggle button per unit; at most as many chosen as there are line colours.
  buildUnitPicker() {
    const H = this.spec.H;
    if (!this.lineUnits.some((unit) => unit !== null)) {
      this.unitBox.hidden = true;
      return;
    }
    this.unitBox.hidden = false;
    if (this.unitChips && this.unitChips.length === H) {
      this.showUnitChoice();
      return;
    }
    this.unitChips = Array.from({length: H}, (_, k) => {
      const chip = el("button", {type: "button", class: "gv-chip", "aria-pressed": "false",
                                 "aria-label": `unit ${k} as a line`}, String(k));
      chip.addEventListener("click", this.guard(() => this.toggleUnit(k)));
      return chip;
    });
    this.unitBox.replaceChildren(el("span", {class: "gv-label"}, "units drawn as lines:"), ...this.unitChips);
    this.showUnitChoice();
  }

  toggleUnit(k) {
    const chosen = this.chosenUnits();
    const most = this.spec.line_colours.length;
    if (!chosen.includes(k) && chosen.length >= most) return;
    const next = chosen.includes(k) ? chosen.filter((unit) => unit !== k) : [...chosen, k].sort((a, b) => a - b);
    this.unitChoice.set(this.spec.H, next);
    this.showUnitChoice();
    this.paint();
  }

  // The chips' pressed states, each chosen one underlined in its line's colour.
  showUnitChoice() {
    const chosen = this.chosenUnits();
    const full = chosen.length >= this.spec.line_colours.length;
    this.unitChips.forEach((chip, k) => {
      const at = chosen.indexOf(k);
      chip.setAttribute("aria-pressed", String(at >= 0));
      chip.disabled = at < 0 && full;
      chip.style.boxShadow = at >= 0 ? `inset 0 -4px 0 ${this.spec.line_colours[at]}` : "";
    });
  }

  // The numbers a pointer of the figure points at ({"$a": name, "col": k}), or the value itself.
  values(ref) {
    return isRef(ref) ? this.arrays[ref.$a].col(ref.col) : ref;
  }

  // A line trace's points: [x values, y values] (x from x0 and dx when the trace has no x).
  points(trace) {
    const y = this.values(trace.y);
    const x = trace.x !== undefined ? this.values(trace.x)
      : Float32Array.from(y, (_, i) => (trace.x0 || 0) + i * (trace.dx === undefined ? 1 : trace.dx));
    return [x, y];
  }

  // Everything placed from plotly.js's axes and drawn from the current numbers: the heatmap canvases, the lines,
  // the row labels, the path's axis titles, the cursor. After new numbers, a training snapshot or a new layout.
  paint() {
    const full = this.plot._fullLayout;
    if (!full || !full.xaxis || !this.spec) return;
    this.paintHeat(full);
    this.lines.setAttribute("width", String(full.width));
    this.lines.setAttribute("height", String(full.height));
    const chosen = this.chosenUnits();
    this.lineTraces.forEach((trace, i) => {
      if (!this.lineShown(i)) {
        this.linePaths[i].setAttribute("d", "");
        return;
      }
      if (this.lineUnits[i] !== null) {  // unit lines take the colours by their position among the chosen
        this.linePaths[i].setAttribute("stroke", this.spec.line_colours[chosen.indexOf(this.lineUnits[i])]);
      }
      const xa = axisOf(full, trace.xaxis || "x");
      const ya = axisOf(full, trace.yaxis || "y");
      const [x, y] = this.points(trace);
      let d = "";
      let pen = "M";
      for (let k = 0; k < y.length; k++) {
        if (!Number.isFinite(x[k]) || !Number.isFinite(y[k])) {
          pen = "M";  // a gap, as plotly.js leaves one
          continue;
        }
        d += `${pen}${(xa._offset + xa.l2p(x[k])).toFixed(1)},${(ya._offset + ya.l2p(y[k])).toFixed(1)}`;
        pen = "L";
      }
      this.linePaths[i].setAttribute("d", d);
    });
    const xa = full.xaxis;
    for (const {node, axis, at} of this.rows) {
      const ya = axisOf(full, axis);
      Object.assign(node.style, {top: `${ya._offset + ya.l2p(at)}px`, width: `${xa._offset - 6}px`});
    }
    // the path's axis titles live here, not in the figure: a changed title would cost plotly.js a relayout
    const [px, py] = this.spec.cursor.path.map((name) => axisOf(full, name));
    Object.assign(this.pathX.style, {left: `${px._offset}px`, width: `${px._length}px`,
                                     top: `${py._offset + py._length + 6}px`});
    Object.assign(this.pathY.style, {left: `${px._offset - 22}px`, top: `${py._offset + py._length}px`,
                                     width: `${py._length}px`});
    this.place();
  }

  // One canvas per heatmap, where the spec's layout puts its picture ({"$img": i}), painted from the numbers.
  paintHeat(full) {
    const spots = this.variant(this.spec).images.filter((image) => image.source && typeof image.source === "object");
    while (this.heatLayer.children.length > spots.length) this.heatLayer.lastChild.remove();
    while (this.heatLayer.children.length < spots.length) this.heatLayer.append(el("canvas"));
    spots.forEach((image, i) => {
      const canvas = this.heatLayer.children[i];
      const h = this.spec.heat[image.source.$img];
      paintHeat(canvas, this.arrays[h.field], h.lo, h.hi, this.luts[h.scale]);
      const xa = axisOf(full, image.xref);
      const ya = axisOf(full, image.yref);
      const left = xa._offset + xa.l2p(image.x);
      const top = ya._offset + ya.l2p(image.y);
      Object.assign(canvas.style, {left: `${left}px`, top: `${top}px`,
                                   width: `${xa._offset + xa.l2p(image.x + image.sizex) - left}px`,
                                   height: `${ya._offset + ya.l2p(image.y - image.sizey) - top}px`});
    });
  }

  showSnapshot(k) {
    this.stop();
    this.snapshot = k;
    this.arrays = {...this.base, ...this.snapshots[k].arrays};
    this.showSnapshotLabel();
    this.paint();  // the heatmaps and lines of those weights: no plotly.js call
    this.setStep(this.step);
  }

  showSnapshotLabel() {
    if (this.snapshot < 0) return;
    this.snapOut.textContent = `weights after training step ${this.snapshots[this.snapshot].label}`;
  }

  start() {
    const last = this.spec.T - 1;
    if (this.step >= last) this.setStep(0);
    this.play.textContent = "❚❚ Pause";
    this.play.setAttribute("aria-pressed", "true");
    this.timer = setInterval(this.guard(() => {
      const next = Math.min(this.step + this.spec.play_stride, last);
      this.setStep(next);
      if (next >= last) this.pause();
    }), this.spec.play_ms);
  }

  stop() {
    if (!this.timer) return false;
    clearInterval(this.timer);
    this.timer = null;
    this.play.textContent = "▶ Play";
    this.play.setAttribute("aria-pressed", "false");
    return true;
  }

  pause() {
    if (this.stop()) this.report();
  }

  report() {
    clearTimeout(this.reportTimer);
    if (!this.reports) return;
    this.reportTimer = setTimeout(this.guard(() => {
      if (this.step === this.reported && this.step === this.pyStep) return;
      this.reported = this.step;
      this.api.setStateValue("step", this.step);
    }), REPORT_DELAY_MS);
  }

  open(step, unit) {
    if (!this.opens) return;
    this.stop();
    this.api.setTriggerValue("open", {step, unit});
    // One step opens in the same scrolled container: start it at its top, where its banner says what it shows
    for (let box = this.root.parentElement; box; box = box.parentElement) {
      if (box.scrollTop > 0) { box.scrollTop = 0; break; }
    }
  }

  // The heatmap cell under the pointer: {heat, t, k, value}, or null.
  // The pointer in the figure's pixels with plotly.js's full layout, or null before the first draw.
  pointerIn(event) {
    const full = this.plot._fullLayout;
    if (!full || !this.spec) return null;
    const box = this.plot.getBoundingClientRect();
    return {full, px: event.clientX - box.left, py: event.clientY - box.top};
  }

  cellAt(event) {
    const at = this.pointerIn(event);
    if (!at) return null;
    const {full, px, py} = at;
    for (const heat of this.spec.heat) {
      const xa = full.xaxis;
      const ya = axisOf(full, heat.y);
      if (px < xa._offset || px > xa._offset + xa._length || py < ya._offset || py > ya._offset + ya._length) continue;
      const matrix = this.arrays[heat.field];
      const t = Math.min(Math.max(Math.round(xa.p2l(px - xa._offset)), 0), matrix.rows - 1);
      const k = Math.min(Math.max(Math.floor(ya.p2l(py - ya._offset) * matrix.cols), 0), matrix.cols - 1);
      return {heat, t, k, value: matrix.values[t * matrix.cols + k], x: px, y: py};
    }
    return null;
  }

  // The line nearest the pointer in the subplot under it (within 24 px): its value at the pointer's step, or for
  // the state path its nearest point; {text, x, y} or null.
  lineAt(event) {
    const at = this.pointerIn(event);
    if (!at) return null;
    const {full, px, py} = at;
    let best = null;
    this.lineTraces.forEach((trace, i) => {
      if (!this.lineShown(i)) return;
      const xa = axisOf(full, trace.xaxis || "x");
      const ya = axisOf(full, trace.yaxis || "y");
      if (px < xa._offset || px > xa._offset + xa._length || py < ya._offset || py > ya._offset + ya._length) return;
      const [x, y] = this.points(trace);
      const at = (k) => [xa._offset + xa.l2p(x[k]), ya._offset + ya.l2p(y[k])];
      let k = 0;
      let far = Infinity;
      if (trace.x === undefined) {  // a line over time: its value at the pointer's step
        const dx = trace.dx === undefined ? 1 : trace.dx;
        k = Math.min(Math.max(Math.round((xa.p2l(px - xa._offset) - (trace.x0 || 0)) / dx), 0), y.length - 1);
        far = Math.abs(at(k)[1] - py);
      } else {  // the state path: its point nearest the pointer
        for (let j = 0; j < y.length; j++) {
          const [qx, qy] = at(j);
          const d = Math.hypot(qx - px, qy - py);
          if (d < far) [far, k] = [d, j];
        }
      }
      if (far <= 24 && (!best || far < best.far)) {
        const text = trace.x === undefined ? `${this.lineNames[i]}, t = ${Math.round(x[k])}: ${formatNumber(y[k], 3)}`
          : `${this.lineNames[i]} at t = ${k}`;
        best = {far, text, x: px, y: py};
      }
    });
    return best;
  }

  hover(event) {
    const cell = this.cellAt(event);
    let text;
    let spot = cell;
    if (cell) {
      const who = cell.heat.field === "x" ? this.spec.names[cell.k] : `${cell.heat.label}, unit ${cell.k}`;
      text = `${who}, t = ${cell.t}: ${formatNumber(cell.value, 3)}`
        + (cell.heat.open && this.opens ? " · click: open in One step" : "");
    } else if ((spot = this.lineAt(event))) {
      text = spot.text;
    }
    if (!text) {
      this.tip.hidden = true;
      return;
    }
    this.tip.textContent = text;
    this.tip.hidden = false;
    const wide = this.plot.clientWidth;
    Object.assign(this.tip.style, {left: `${Math.min(spot.x + 12, wide - this.tip.offsetWidth - 4)}px`,
                                   top: `${spot.y + 14}px`});
  }

  clicked(event) {
    const cell = this.cellAt(event);
    if (!cell || !cell.heat.open || !this.opens) return;
    this.setStep(cell.t);
    this.unitPick.value = String(cell.k);
    this.open(cell.t, cell.k);
  }

  setStep(t) {
    this.step = Math.min(Math.max(Math.round(t) || 0, 0), this.spec.T - 1);
    this.scrub.value = String(this.step);
    this.stepOut.textContent = `step t = ${this.step}`;
    this.root.dataset.step = String(this.step);
    this.place();
    this.fillTable();
    this.fillDiagram();
  }

  // The cursor line over the time panels and the marker on the state path, placed from plotly.js's axes.
  place() {
    const full = this.plot._fullLayout;
    if (!full || !full.xaxis || !this.spec) return;
    const [top, bottom] = this.spec.cursor.span.map((name) => axisOf(full, name));
    const xa = full.xaxis;
    Object.assign(this.cursor.style, {left: `${xa._offset + xa.l2p(this.step) - 1}px`, top: `${top._offset}px`,
                                      height: `${bottom._offset + bottom._length - top._offset}px`});
    const [px, py] = this.spec.cursor.path.map((name) => axisOf(full, name));
    const path = this.arrays.path.row(this.step);
    Object.assign(this.dot.style, {left: `${px._offset + px.l2p(path[0]) - 8}px`,
                                   top: `${py._offset + py.l2p(path[1]) - 8}px`});
  }

  resize() {
    if (!this.plotted) return;
    cancelAnimationFrame(this.resizeFrame);
    this.resizeFrame = requestAnimationFrame(this.guard(() => {
      const width = this.plot.clientWidth;
      if (!width || Math.abs(width - this.width) <= 1) return;
      this.width = width;
      const narrow = width < NARROW_PX;
      this.queue = this.queue.then(() => {
        if (narrow === this.narrow) return window.Plotly.relayout(this.plot, {width});
        this.narrow = narrow;  // the other arrangement: a new layout (the element repaints after plotly.js drew it)
        return window.Plotly.react(this.plot, placeholders(this.spec), this.layout());
      }).catch((err) => this.fail(err));
    }));
  }

  // The row labels of the heatmaps (units, or input names), beside their fixed [0, 1] axes.
  buildRowLabels() {
    const key = JSON.stringify(this.spec.heat.map((heat) => [heat.y, heat.ticks]));
    if (key === this.rowKey) return;  // the same rows (another seed): keep the labels, paint places them
    this.rowKey = key;
    this.rows = [];
    const nodes = [];
    for (const heat of this.spec.heat) {
      for (const [at, text] of heat.ticks) {
        const node = el("div", {class: "gv-row-label"}, text);
        nodes.push(node);
        this.rows.push({node, axis: heat.y, at});
      }
    }
    this.rowLabels.replaceChildren(...nodes);
  }

  hPrev(t) {
    return t === 0 ? this.arrays.h0.row(0) : this.arrays.h.row(t - 1);
  }

  buildTable() {
    const H = this.spec.H;
    if (this.cells && this.cells.length === H) return;
    const head = el("thead");
    const tr = el("tr");
    for (const name of ["unit", "h_(t−1)", "r", "u", "ĥ", "h_t"]) tr.append(el("th", {scope: "col"}, name));
    head.append(tr);
    const body = el("tbody");
    this.cells = [];
    for (let k = 0; k < H; k++) {
      const row = el("tr");
      row.append(el("th", {scope: "row"}, String(k)));
      const cells = Array.from({length: 5}, () => el("td"));
      row.append(...cells);
      body.append(row);
      this.cells.push(cells);
    }
    this.table.replaceChildren(head, body);
    this.unitPick.replaceChildren(...Array.from({length: H}, (_, k) => el("option", {value: String(k)}, String(k))));
  }

  fillTable() {
    const t = this.step;
    const a = this.arrays;
    const columns = [this.hPrev(t), a.r.row(t), a.u.row(t), a.candidate.row(t), a.h.row(t)];
    this.cells.forEach((cells, k) => cells.forEach((cell, j) => {
      cell.textContent = formatNumber(columns[j][k], 3);
    }));
    const x = a.x.row(t);
    this.heading.textContent = `The numbers at step t = ${t}`
      + (this.snapshot >= 0 ? ` (weights after training step ${this.snapshots[this.snapshot].label})` : "");
    this.inputLine.textContent = `Input at step ${t}: `
      + this.spec.names.map((name, d) => `${name} = ${formatNumber(x[d], 3)}`).join(", ");
  }

  buildDiagram() {
    const doc = new DOMParser().parseFromString(this.spec.diagram.svg, "image/svg+xml");
    const svg = document.importNode(doc.documentElement, true);
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    this.diagramBox.replaceChildren(svg);
    this.nodes = {};
    for (const key of Object.keys(this.spec.diagram.kinds)) {
      const group = svg.querySelector(`#node-${key}`);
      if (!group) continue;
      this.nodes[key] = {rect: group.querySelector("rect"), ink: group.querySelectorAll("text:not(.value)"),
                         values: group.querySelectorAll("text.value")};
    }
  }

  // Each box of the cell diagram takes the colour of its mean (on the diagram's own palette) and shows its numbers.
  fillDiagram() {
    const t = this.step;
    const a = this.arrays;
    const values = {x: a.x.row(t), h_prev: this.hPrev(t), r: a.r.row(t), u: a.u.row(t),
                    candidate: a.candidate.row(t), h: a.h.row(t)};
    const palette = this.spec.diagram.palette;
    for (const [key, node] of Object.entries(this.nodes)) {
      const v = values[key];
      let sum = 0;
      for (const value of v) sum += value;
      const mean = sum / v.length;
      const scale = palette[this.spec.diagram.kinds[key]];
      let fill = palette.neutral.fill;
      let ink = palette.neutral.ink;
      if (Number.isFinite(mean)) {
        const n = scale.ink.length;
        const clipped = Math.min(Math.max(mean, scale.lo), scale.hi);
        const i = Math.round((clipped - scale.lo) / (scale.hi - scale.lo) * (n - 1));
        fill = "#" + scale.fill.slice(6 * i, 6 * i + 6);
        ink = scale.ink[i];
      }
      node.rect.setAttribute("fill", fill);
      node.ink.forEach((text) => text.setAttribute("fill", ink));
      const lines = formatValues(v);
      node.values.forEach((text, i) => { text.textContent = lines[i] || ""; });
    }
  }
}

export function mount(component) {
  const {parentElement, data, setStateValue, setTriggerValue} = component;
  if (data && data.preload) {  // an empty element at the top of a page: fetch plotly.js while the page runs on
    loadPlotly().catch((err) => console.error("gru_viz chart:", err));
    return undefined;
  }
  let chart = parentElement.__gvChart;
  try {
    if (!chart) {
      chart = parentElement.__gvChart = data.spec ? new GatesChart(parentElement) : new PlainChart(parentElement);
    }
    chart.receive(data, {setStateValue, setTriggerValue});
  } catch (err) {
    if (chart) chart.fail(err);
    else parentElement.textContent = `The chart could not be drawn (${err.message}). Reload the page to try again.`;
  }
  return undefined;  // the element lives as long as the page shows it: nothing to clean up per update
}
