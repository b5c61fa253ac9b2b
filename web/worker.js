// The page's Python: Pyodide, NumPy and gradkit, all loaded from this origin.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const post = (msg) => self.postMessage(msg);
const status = (text, progress) => post({ type: "status", text, progress });
let pyodide = null;

async function start() {
  const t0 = performance.now();
  status("Loading Python (Pyodide 0.27.7)…", 0.05);
  pyodide = await loadPyodide({
    indexURL: new URL("./pyodide/", self.location).href,
    stdout: (text) => post({ type: "stdout", text }),
    stderr: (text) => post({ type: "stdout", text }),
  });
  status("Loading NumPy…", 0.45);
  await pyodide.loadPackage(["numpy", "micropip"], { messageCallback: () => {} });
  status("Installing gradkit…", 0.7);
  const manifest = await (await fetch("./wheels/manifest.json")).json();
  const wheel = new URL(`./wheels/${manifest.gradkit_wheel}`, self.location).href;
  pyodide.globals.set("WHEEL_URL", wheel);
  await pyodide.runPythonAsync("import micropip\nawait micropip.install(WHEEL_URL)");
  status("Loading the digits…", 0.85);
  const digits = new Uint8Array(await (await fetch("./digits.bin")).arrayBuffer());
  pyodide.globals.set("DIGITS", digits);
  pyodide.globals.set("post", (json) => post(JSON.parse(json)));
  const runtime = await (await fetch("./runtime.py")).text();
  await pyodide.runPythonAsync(runtime, { filename: "runtime.py" });
  const versions = pyodide.runPython(
    "import sys, numpy, gradkit; f'Python {sys.version.split()[0]}, NumPy {numpy.__version__}, gradkit {gradkit.__version__}'");
  post({ type: "ready", seconds: (performance.now() - t0) / 1000, versions,
         pyodide: pyodide.version });
}

self.onmessage = (event) => {
  const msg = event.data;
  try {
    if (msg.type === "train") {
      pyodide.globals.get("train")(msg.code);
    } else if (msg.type === "predict") {
      const probs = JSON.parse(pyodide.globals.get("predict")(msg.pixels));
      post({ type: "prediction", probs });
    }
  } catch (err) {
    post({ type: "error", text: String(err) });
  }
};

start().catch((err) => post({ type: "error", text: `loading failed: ${err}` }));
