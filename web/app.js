// The page: load progress, the editable script, the live chart and the drawing pad. Python runs
// in worker.js so that the page stays responsive while it trains.
const $ = (id) => document.getElementById(id);
// what the page is doing, for people and for the headless test (tests/pyodide/web_test.mjs)
const page = (window.gradkitPage = { state: "loading", testAccuracy: null, prediction: null,
                                     errors: [], loadSeconds: null });

if ("serviceWorker" in navigator && location.protocol.startsWith("http")) {
  navigator.serviceWorker.register("sw.js").catch((err) => log(`offline cache: ${err}`));
}

function log(text) {
  const el = $("log");
  el.textContent += text + "\n";
  el.scrollTop = el.scrollHeight;
}

let original = "";
fetch("train.py").then((r) => r.text()).then((code) => {
  original = code;
  $("code").value = code;
});
$("reset").onclick = () => { $("code").value = original; };

// ------------------------------------------------------------------------- the worker (Python)
const worker = new Worker("worker.js", { type: "module" });
const losses = [];
const accuracies = [];
let trainStart = 0;

worker.onmessage = ({ data: msg }) => {
  if (msg.type === "status") {
    $("status").textContent = msg.text;
    $("load-progress").value = msg.progress;
  } else if (msg.type === "ready") {
    page.state = "ready";
    page.loadSeconds = msg.seconds;
    $("status").textContent = `Ready in ${msg.seconds.toFixed(1)} s.`;
    $("load-progress").value = 1;
    $("versions").textContent = `Pyodide ${msg.pyodide}: ${msg.versions}`;
    $("train").disabled = false;
  } else if (msg.type === "stdout") {
    log(msg.text);
  } else if (msg.type === "metrics") {
    if (msg.loss !== undefined) losses.push(msg.loss);
    if (msg.test_accuracy !== undefined) accuracies.push([msg.epoch ?? accuracies.length + 1,
                                                         msg.test_accuracy]);
    if (msg.progress !== undefined) $("train-progress").value = msg.progress;
    if (msg.epoch !== undefined) {
      log(`epoch ${msg.epoch}: loss ${losses.at(-1)?.toFixed(4)}, ` +
          `test accuracy ${(100 * msg.test_accuracy).toFixed(1)}%`);
    }
    scheduleChart();
  } else if (msg.type === "trained") {
    page.state = "trained";
    page.testAccuracy = msg.test_accuracy;
    $("train").disabled = false;
    $("train-progress").value = 1;
    $("train-status").textContent = `done in ${msg.seconds.toFixed(1)} s: test accuracy ` +
                                    `${(100 * msg.test_accuracy).toFixed(1)}%`;
    $("prediction").textContent = "Draw a digit in the black square.";
    predictDrawing();
  } else if (msg.type === "prediction") {
    showPrediction(msg.probs);
  } else if (msg.type === "error") {
    page.errors.push(msg.text);
    if (page.state === "training") page.state = "ready";
    $("train").disabled = page.state === "loading";
    $("train-status").textContent = "error (see the log)";
    log(msg.text);
  }
};

$("train").onclick = () => {
  losses.length = 0;
  accuracies.length = 0;
  page.state = "training";
  page.testAccuracy = null;
  $("train").disabled = true;
  $("train-progress").value = 0;
  $("train-status").textContent = "training…";
  $("log").textContent = "";
  trainStart = performance.now();
  drawChart();
  worker.postMessage({ type: "train", code: $("code").value });
};

// ------------------------------------------------------------------------------- the chart
let chartPending = false;
function scheduleChart() {
  if (!chartPending) {
    chartPending = true;
    requestAnimationFrame(() => { chartPending = false; drawChart(); });
  }
}

function drawChart() {
  const c = $("chart");
  const g = c.getContext("2d");
  const W = c.width, H = c.height, L = 44, R = 44, T = 12, B = 28;
  g.clearRect(0, 0, W, H);
  g.font = "11px sans-serif";
  g.strokeStyle = "#ccc";
  g.strokeRect(L, T, W - L - R, H - T - B);
  const maxLoss = Math.max(0.1, ...losses.slice(0, 5), ...losses);
  const x = (i, n) => L + (W - L - R) * (n <= 1 ? 0 : i / (n - 1));
  const yLoss = (v) => T + (H - T - B) * (1 - v / maxLoss);
  const yAcc = (v) => T + (H - T - B) * (1 - v);
  g.fillStyle = "#3b7dd8";
  g.fillText("loss", 4, T + 8);
  g.fillText(maxLoss.toFixed(2), 4, T + 22);
  g.fillText("0", 30, H - B);
  g.fillStyle = "#d8573b";
  g.fillText("test acc.", W - R + 2, T + 8);
  g.fillText("100%", W - R + 4, T + 22);
  g.fillText("0%", W - R + 4, H - B);
  g.fillStyle = "#666";
  g.fillText("steps →", W / 2 - 20, H - 8);
  if (losses.length) {
    g.strokeStyle = "#3b7dd8";
    g.beginPath();
    losses.forEach((v, i) => (i ? g.lineTo : g.moveTo).call(g, x(i, losses.length), yLoss(v)));
    g.stroke();
  }
  if (accuracies.length) {
    const epochs = Math.max(...accuracies.map(([e]) => e));
    g.strokeStyle = g.fillStyle = "#d8573b";
    g.beginPath();
    accuracies.forEach(([e, a], i) => {
      const px = L + (W - L - R) * (e / epochs), py = yAcc(a);
      (i ? g.lineTo : g.moveTo).call(g, px, py);
    });
    g.stroke();
    accuracies.forEach(([e, a]) => {
      g.beginPath();
      g.arc(L + (W - L - R) * (e / epochs), yAcc(a), 3, 0, 7);
      g.fill();
    });
  }
  const last = accuracies.at(-1);
  const speed = losses.length / Math.max(1e-3, (performance.now() - trainStart) / 1000);
  $("metrics").textContent = losses.length
    ? `step ${losses.length}, loss ${losses.at(-1).toFixed(4)}` +
      (last ? `, test accuracy ${(100 * last[1]).toFixed(1)}% after epoch ${last[0]}` : "") +
      (page.state === "training" ? `, ${speed.toFixed(0)} steps/s` : "")
    : "";
}
drawChart();

// ---------------------------------------------------------------------------- the drawing pad
const pad = $("pad");
const pen = pad.getContext("2d");
pen.fillStyle = "#000";
pen.fillRect(0, 0, pad.width, pad.height);
let drawing = false;
let last = null;

function at(e) {
  const r = pad.getBoundingClientRect();
  return [(e.clientX - r.left) * pad.width / r.width, (e.clientY - r.top) * pad.height / r.height];
}
pad.addEventListener("pointerdown", (e) => {
  drawing = true;
  last = at(e);
  pad.setPointerCapture(e.pointerId);
  stroke(last, last);
});
pad.addEventListener("pointermove", (e) => {
  if (!drawing) return;
  const p = at(e);
  stroke(last, p);
  last = p;
});
const stop = () => {
  if (drawing) predictDrawing();
  drawing = false;
};
pad.addEventListener("pointerup", stop);
pad.addEventListener("pointercancel", stop);
$("clear").onclick = () => {
  pen.fillStyle = "#000";
  pen.fillRect(0, 0, pad.width, pad.height);
  $("probs").textContent = "";
  $("prediction").textContent = page.state === "trained" ? "Draw a digit in the black square."
                                                          : "Train the model, then draw a digit.";
  page.prediction = null;
  showSmall(new Array(64).fill(0));
};

function stroke(a, b) {
  pen.strokeStyle = "#fff";
  pen.lineWidth = 18;
  pen.lineCap = pen.lineJoin = "round";
  pen.beginPath();
  pen.moveTo(...a);
  pen.lineTo(...b);
  pen.stroke();
}

// The drawing as the 8x8 digits were made: the digit's box, centred in a square, scaled to
// 32x32, then the ink of each 4x4 block (0..1).
function drawingAs8x8() {
  const { data, width, height } = pen.getImageData(0, 0, pad.width, pad.height);
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (data[4 * (y * width + x)] > 32) {
        x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
      }
    }
  }
  if (x1 < 0) return null;
  const side = Math.max(x1 - x0, y1 - y0) + 1;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const small = new OffscreenCanvas(32, 32);
  const s = small.getContext("2d");
  s.fillStyle = "#000";
  s.fillRect(0, 0, 32, 32);
  s.imageSmoothingQuality = "high";
  s.drawImage(pad, cx - side / 2, cy - side / 2, side, side, 0, 0, 32, 32);
  const px = s.getImageData(0, 0, 32, 32).data;
  const out = new Array(64).fill(0);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 32; x++) out[(y >> 2) * 8 + (x >> 2)] += px[4 * (y * 32 + x)] / 255 / 16;
  }
  return out.map((v) => Math.min(1, v));
}

function showSmall(pixels) {
  const g = $("small").getContext("2d");
  pixels.forEach((v, i) => {
    const c = Math.round(255 * v);
    g.fillStyle = `rgb(${c},${c},${c})`;
    g.fillRect((i % 8) * 14, Math.floor(i / 8) * 14, 14, 14);
  });
}

function predictDrawing() {
  const pixels = drawingAs8x8();
  if (!pixels) return;
  showSmall(pixels);
  if (page.state === "trained") worker.postMessage({ type: "predict", pixels });
}

function showPrediction(probs) {
  if (!probs) return;
  const best = probs.indexOf(Math.max(...probs));
  page.prediction = { digit: best, probs };
  $("prediction").textContent = `It looks like a ${best} (${(100 * probs[best]).toFixed(1)}%).`;
  $("probs").innerHTML = "";
  probs.forEach((p, d) => {
    const row = document.createElement("div");
    row.className = "bar" + (d === best ? " top" : "");
    row.innerHTML = `<span>${d}</span><span class="fill" style="width:${(200 * p).toFixed(1)}px">` +
                    `</span><span>${(100 * p).toFixed(1)}%</span>`;
    $("probs").appendChild(row);
  });
}
