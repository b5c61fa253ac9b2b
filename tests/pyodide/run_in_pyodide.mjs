// Load Pyodide from a local distribution folder, install gradkit's wheel with micropip and run
// a Python test file; the exit code is the file's result (0: every test passed).
// usage: node run_in_pyodide.mjs DIST_DIR GRADKIT_WHEEL SUITE_PY [ARGS...]
// GRADKIT_WHEEL may instead be a source tree (a folder holding gradkit/): it is mounted
// read-only-in-practice through NODEFS and put first on sys.path, so an edit is tried without
// building a wheel (for profiling; the test job installs the wheel).
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const [dist, wheel, suite, ...args] = process.argv.slice(2);
if (!suite) {
  console.error("usage: node run_in_pyodide.mjs DIST_DIR GRADKIT_WHEEL SUITE_PY [ARGS...]");
  process.exit(2);
}
const t0 = performance.now();
const seconds = () => ((performance.now() - t0) / 1000).toFixed(1);
const { loadPyodide } = await import(pathToFileURL(path.join(dist, "pyodide.mjs")).href);
const pyodide = await loadPyodide({
  indexURL: path.resolve(dist) + path.sep,
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
});
// numpy and micropip come from the distribution folder (checked against pyodide-lock.json)
await pyodide.loadPackage(["numpy", "micropip"], { messageCallback: () => {} });
const name = path.basename(wheel);
if (fs.statSync(wheel).isDirectory()) {
  pyodide.FS.mkdirTree("/mnt/src");
  pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: path.resolve(wheel) }, "/mnt/src");
  pyodide.runPython(`import sys; sys.dont_write_bytecode = True; sys.path.insert(0, "/mnt/src")`);
} else {
  pyodide.FS.writeFile(`/tmp/${name}`, fs.readFileSync(wheel));
  await pyodide.runPythonAsync(`
import micropip
await micropip.install("emfs:/tmp/${name}")
`);
}
console.log(`Pyodide ${pyodide.version} ready with numpy and ${name} in ${seconds()} s`);
pyodide.globals.set("SUITE_ARGS", pyodide.toPy(args));
let failed;
try {
  failed = await pyodide.runPythonAsync(fs.readFileSync(suite, "utf8"), { filename: suite });
} catch (err) {
  console.error(String(err));
  failed = -1;
}
console.log(`(Pyodide total ${seconds()} s)`);
process.exit(failed === 0 ? 0 : 1);
