// digitnet's page: four tabs over the JSON API under /api/ (nothing else is used).
"use strict";

const TOKEN = document.querySelector('meta[name="digitnet-token"]').content;
const $ = (id) => document.getElementById(id);
let lastPrediction = null;

// ---- the API ----------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = Object.assign({ "X-Digitnet-Token": TOKEN }, options.headers || {});
  const response = await fetch(path, Object.assign({}, options, { headers }));
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    throw new Error(detail || `${response.status} ${response.statusText}`);
  }
  return body;
}

function postJSON(path, data) {
  return api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(data || {}),
  });
}

function postImage(path, blob, name) {
  const form = new FormData();
  form.append("file", blob, name);
  return api(path, { method: "POST", body: form });
}

// ---- small drawing helpers --------------------------------------------------------

function drawGrey(canvas, values, side) {
  // values in [0, 1], white ink on black, as the network sees it
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const v = Math.round(255 * Math.max(0, Math.min(1, values[i])));
    img.data.set([v, v, v, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function drawSigned(canvas, values, w, h) {
  // values in [-1, 1]: red positive, blue negative
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = values[i];
    const a = Math.round(255 * Math.min(1, Math.abs(v)));
    img.data.set(v >= 0 ? [255, 255 - a, 255 - a, 255] : [255 - a, 255 - a, 255, 255], 4 * i);
  }
  ctx.putImageData(img, 0, 0);
}

function crop(values, caption) {
  const div = document.createElement("div");
  div.className = "crop";
  const canvas = document.createElement("canvas");
  canvas.className = "pixels";
  drawGrey(canvas, values, 28);
  div.append(canvas, caption);
  return div;
}

// ---- tabs -------------------------------------------------------------------------

function showTab(name) {
  for (const tab of document.querySelectorAll("nav [role=tab]")) {
    const on = tab.dataset.tab === name;
    tab.setAttribute("aria-selected", on ? "true" : "false");
    $(tab.dataset.tab).hidden = !on;
  }
  if (name === "inside") loadInside();
}

// ---- Draw -------------------------------------------------------------------------

const board = $("board");
const pen = board.getContext("2d");
let strokes = [];
let current = null;

function redraw() {
  pen.fillStyle = "#fff";
  pen.fillRect(0, 0, board.width, board.height);
  pen.strokeStyle = "#000";
  pen.lineWidth = 18;
  pen.lineCap = "round";
  pen.lineJoin = "round";
  for (const stroke of strokes.concat(current ? [current] : [])) {
    pen.beginPath();
    stroke.forEach(([x, y], i) => (i ? pen.lineTo(x, y) : pen.moveTo(x, y)));
    if (stroke.length === 1) pen.lineTo(stroke[0][0] + 0.1, stroke[0][1]);
    pen.stroke();
  }
}

function boardPoint(event) {
  const r = board.getBoundingClientRect();
  return [((event.clientX - r.left) * board.width) / r.width,
          ((event.clientY - r.top) * board.height) / r.height];
}

board.addEventListener("pointerdown", (e) => {
  board.setPointerCapture(e.pointerId);
  current = [boardPoint(e)];
  redraw();
});
board.addEventListener("pointermove", (e) => {
  if (!current) return;
  current.push(boardPoint(e));
  redraw();
});
function endStroke() {
  if (!current) return;
  strokes.push(current);
  current = null;
  redraw();
  predict();
}
board.addEventListener("pointerup", endStroke);
board.addEventListener("pointercancel", endStroke);

$("clear").addEventListener("click", () => {
  strokes = [];
  redraw();
  showPrediction(null);
});
$("undo").addEventListener("click", () => {
  strokes.pop();
  redraw();
  if (strokes.length) predict();
  else showPrediction(null);
});

let asking = false;
let askAgain = false;
async function predict() {
  if (asking) { askAgain = true; return; }
  asking = true;
  try {
    const blob = await new Promise((resolve) => board.toBlob(resolve, "image/png"));
    showPrediction(await postImage("/api/predict", blob, "drawing.png"));
    $("draw-error").textContent = "";
  } catch (err) {
    $("draw-error").textContent = err.message;
  } finally {
    asking = false;
    if (askAgain) { askAgain = false; predict(); }
  }
}

function showPrediction(p) {
  lastPrediction = p;
  $("answer").textContent = p ? p.label : "–";
  $("confidence").textContent = p ? `(${(100 * p.confidence).toFixed(1)}%)` : "";
  const bars = $("bars");
  bars.replaceChildren();
  const classes = window.modelClasses || [...Array(10).keys()].map(String);
  classes.forEach((name, k) => {
    const prob = p ? p.probabilities[k] : 0;
    const label = document.createElement("span");
    label.textContent = name.length > 2 ? k : name;
    label.title = name;
    const track = document.createElement("div");
    const bar = document.createElement("div");
    bar.className = "bar";
    bar.style.width = `${Math.round(200 * prob)}px`;
    if (p && k === p.digit) bar.style.background = "#1a9d3a";
    track.append(bar);
    const value = document.createElement("span");
    value.className = "muted";
    value.textContent = `${(100 * prob).toFixed(1)}%`;
    bars.append(label, track, value);
  });
  drawGrey($("seen"), p ? p.image : new Array(784).fill(0), 28);
  const hidden = $("hidden");
  hidden.replaceChildren();
  const values = p ? p.hidden : [];
  const top = Math.max(1e-9, ...values.map(Math.abs));
  for (const v of values) {
    const cell = document.createElement("div");
    const a = Math.round(255 * (1 - Math.abs(v) / top));
    cell.style.background = v >= 0 ? `rgb(255,${a},${a})` : `rgb(${a},${a},255)`;
    cell.title = v.toFixed(3);
    hidden.append(cell);
  }
  highlightFiring();
}

// ---- Read -------------------------------------------------------------------------

async function readPhoto(file) {
  $("read-error").textContent = "";
  $("read-text").textContent = "…";
  const photo = $("photo");
  photo.replaceChildren();
  $("crops").replaceChildren();
  const img = document.createElement("img");
  img.src = URL.createObjectURL(file);
  img.alt = "the uploaded photo";
  photo.append(img);
  try {
    const r = await postImage("/api/read", file, file.name || "photo");
    $("read-text").textContent = r.text;
    for (const d of r.digits) {
      const box = document.createElement("div");
      box.className = d.confidence >= 0.5 ? "box" : "box unsure";
      const [x0, y0, x1, y1] = d.box;
      Object.assign(box.style, {
        left: `${(100 * x0) / r.width}%`, top: `${(100 * y0) / r.height}%`,
        width: `${(100 * (x1 - x0)) / r.width}%`, height: `${(100 * (y1 - y0)) / r.height}%`,
      });
      const tag = document.createElement("span");
      tag.textContent = d.label;
      box.append(tag);
      photo.append(box);
      $("crops").append(crop(d.image, `${d.label} · ${(100 * d.confidence).toFixed(0)}%`));
    }
  } catch (err) {
    $("read-text").textContent = "–";
    $("read-error").textContent = err.message;
  }
}

$("file").addEventListener("change", (e) => e.target.files[0] && readPhoto(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files[0]) readPhoto(e.dataTransfer.files[0]);
});

// ---- Inside -----------------------------------------------------------------------

async function loadModel() {
  const info = await api("/api/model");
  window.modelClasses = info.classes;
  $("model-name").textContent = `model: ${info.name} (${info.layers})`;
  $("model-about").textContent =
    `${info.layers}, ${info.parameters.toLocaleString()} parameters, trained on ${info.dataset}`;
  const list = await api("/api/models");
  const select = $("models");
  select.replaceChildren(...list.models.map((name) => new Option(name, name, false,
                                                                  name === list.current)));
  showPrediction(lastPrediction);
  return info;
}

async function loadInside() {
  const w = await api("/api/model/weights");
  const box = $("weights");
  box.replaceChildren();
  const [h, wd] = w.shape;
  w.weights.forEach((unit, i) => {
    const canvas = document.createElement("canvas");
    drawSigned(canvas, unit, wd, h);
    canvas.title = `neuron ${i}`;
    box.append(canvas);
  });
  if (!w.weights.length) box.textContent = "This model's first layer is not shown as images.";
  highlightFiring();
}

function highlightFiring() {
  const units = $("weights").children;
  const acts = lastPrediction ? lastPrediction.first_layer : [];
  const top = Math.max(1e-9, ...acts.map(Math.abs));
  for (let i = 0; i < units.length; i++) {
    const a = i < acts.length ? Math.abs(acts[i]) / top : 0;
    units[i].style.borderColor = `rgba(26, 157, 58, ${a.toFixed(2)})`;
  }
}

$("models").addEventListener("change", async (e) => {
  try {
    await postJSON("/api/model/select", { name: e.target.value });
    await loadModel();
    await loadInside();
    $("confusion").replaceChildren();
    $("worst").replaceChildren();
    $("eval-summary").textContent = "";
    if (strokes.length) predict();
  } catch (err) {
    $("eval-summary").textContent = err.message;
  }
});

$("evaluate").addEventListener("click", async () => {
  $("eval-summary").textContent = "evaluating…";
  try {
    const r = await api("/api/model/evaluation");
    $("eval-summary").textContent =
      `${(100 * r.accuracy).toFixed(2)}% right on ${r.images.toLocaleString()} test images`;
    const table = $("confusion");
    table.replaceChildren();
    const classes = window.modelClasses;
    const head = table.insertRow();
    head.insertCell().textContent = "true \\ read";
    classes.forEach((_, k) => (head.insertCell().textContent = k));
    const top = Math.max(...r.confusion.flat());
    r.confusion.forEach((row, i) => {
      const tr = table.insertRow();
      tr.insertCell().textContent = i;
      row.forEach((n, j) => {
        const td = tr.insertCell();
        td.textContent = n;
        const a = Math.sqrt(n / top);
        td.style.background = i === j ? `rgba(47,111,223,${a})` : `rgba(210,40,40,${Math.min(1, 4 * a)})`;
      });
    });
    $("worst").replaceChildren(...r.worst.map((w) =>
      crop(w.image, `${classes[w.label]} read as ${classes[w.predicted]}`)));
  } catch (err) {
    $("eval-summary").textContent = err.message;
  }
});

// ---- Train ------------------------------------------------------------------------

let events = null;

function trainSettings() {
  const f = new FormData($("train-form"));
  const hidden = String(f.get("hidden")).split(/[ ,]+/).filter(Boolean).map(Number);
  return {
    dataset: f.get("dataset"),
    hidden,
    activation: f.get("activation"),
    cost: f.get("cost"),
    learning_rate: Number(f.get("learning_rate")),
    mini_batch_size: Number(f.get("mini_batch_size")),
    epochs: Number(f.get("epochs")),
    train_size: Number(f.get("train_size")),
  };
}

function showRun(s) {
  $("train-state").textContent = s.state;
  const note = s.state === "failed" ? "" : s.message;  // a failure shows below, in red
  $("train-message").textContent = s.saved_as ? `saved as ${s.saved_as}` : note;
  const active = ["starting", "running", "paused"].includes(s.state);
  $("train-start").disabled = active;
  $("train-pause").disabled = !["running", "paused"].includes(s.state);
  $("train-pause").textContent = s.state === "paused" ? "Resume" : "Pause";
  $("train-stop").disabled = !active;
  $("train-save").disabled = !["finished", "stopped"].includes(s.state) || Boolean(s.saved_as);
  if (s.state === "failed") $("train-error").textContent = s.message;
  drawCurve(s.points);
}

function drawCurve(points) {
  const canvas = $("curve");
  canvas.dataset.points = String(points.length);
  const ctx = canvas.getContext("2d");
  const W = canvas.width;
  const H = canvas.height;
  const pad = 36;
  ctx.clearRect(0, 0, W, H);
  ctx.strokeStyle = "#ccd";
  ctx.strokeRect(pad, 10, W - pad - 10, H - pad - 10);
  ctx.fillStyle = "#667";
  ctx.font = "12px system-ui";
  ctx.fillText("100%", 2, 16);
  ctx.fillText("0", 20, H - pad);
  ctx.fillText("epochs", W - 60, H - 8);
  if (!points.length) return;
  const last = Math.max(1, Math.ceil(points[points.length - 1].epoch));
  const topCost = Math.max(...points.map((p) => p.cost)) || 1;
  const x = (e) => pad + ((W - pad - 10) * e) / last;
  const y = (v) => 10 + (H - pad - 10) * (1 - v);
  ctx.fillText(String(last), x(last) - 8, H - pad + 14);
  for (const [key, colour, scale] of [["accuracy", "#2f6fdf", 1], ["cost", "#e07b10", topCost]]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach((p, i) => {
      const px = x(p.epoch);
      const py = y(p[key] / scale);
      if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
    });
    ctx.stroke();
  }
  const p = points[points.length - 1];
  ctx.fillStyle = "#2f6fdf";
  ctx.fillText(`${(100 * p.accuracy).toFixed(1)}%`, W - 70, 26);
}

function follow() {
  if (events) events.close();
  events = new EventSource("/api/train/events");
  events.onmessage = (e) => {
    const s = JSON.parse(e.data);
    showRun(s);
    if (!["starting", "running", "paused"].includes(s.state)) { events.close(); events = null; }
  };
  events.onerror = () => { if (events) { events.close(); events = null; } };
}

$("train-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("train-error").textContent = "";
  try {
    await postJSON("/api/train", trainSettings());
    follow();
  } catch (err) {
    $("train-error").textContent = err.message;
  }
});
$("train-pause").addEventListener("click", async () => {
  const paused = $("train-state").textContent === "paused";
  try {
    showRun(await postJSON(paused ? "/api/train/resume" : "/api/train/pause"));
    if (paused) follow();
  } catch (err) { $("train-error").textContent = err.message; }
});
$("train-stop").addEventListener("click", async () => {
  try { await postJSON("/api/train/stop"); } catch (err) { $("train-error").textContent = err.message; }
});
$("train-save").addEventListener("click", async () => {
  try {
    const saved = await postJSON("/api/train/save");
    $("train-message").textContent = `saved as ${saved.name}; the page now uses it`;
    $("train-save").disabled = true;
    await loadModel();
    if (!$("inside").hidden) await loadInside();
    if (strokes.length) predict();
  } catch (err) { $("train-error").textContent = err.message; }
});

// ---- start ------------------------------------------------------------------------

for (const tab of document.querySelectorAll("nav [role=tab]")) {
  tab.addEventListener("click", () => showTab(tab.dataset.tab));
}
redraw();
showPrediction(null);
loadModel().catch((err) => ($("draw-error").textContent = err.message));
api("/api/train/status").then((s) => {
  showRun(s);
  if (["starting", "running", "paused"].includes(s.state)) follow();
});
