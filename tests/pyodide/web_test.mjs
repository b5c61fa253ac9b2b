// Headless-Chromium test of the page in web/: it loads from its own origin, trains to >= 90%
// test accuracy, classifies a drawn digit, keeps working offline; a screenshot is kept.
// usage: node web_test.mjs URL SCREENSHOT.png   (run by run_web.sh, which serves web/)
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.BROWSER_MODULES, "x.js"));
const puppeteer = require("puppeteer-core");
const [url, screenshot] = process.argv.slice(2);
const origin = new URL(url).origin;
let passed = 0, failed = 0;

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`PASSED ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (err) {
    failed++;
    console.log(`FAILED ${name}: ${err.stack || err}`);
  }
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 1000 });
const foreign = [];
const consoleErrors = [];
page.on("request", (r) => {
  const u = r.url();
  if (!u.startsWith("data:") && !u.startsWith("blob:") && new URL(u).origin !== origin) foreign.push(u);
});
page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
page.on("pageerror", (e) => consoleErrors.push(String(e)));
const state = () => page.evaluate(() => ({ ...window.gradkitPage }));

async function waitReady() {
  await page.waitForFunction(() => window.gradkitPage &&
    (window.gradkitPage.state === "ready" || window.gradkitPage.errors.length), { timeout: 180e3 });
  const s = await state();
  expect(s.state === "ready", `page did not get ready: ${JSON.stringify(s.errors)}`);
  return s;
}

async function drawStroke(points) {
  const box = await (await page.$("#pad")).boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

async function drawAndPredict(points) {
  await page.click("#clear");
  await page.evaluate(() => { window.gradkitPage.prediction = null; });
  await drawStroke(points);
  await page.waitForFunction(() => window.gradkitPage.prediction !== null, { timeout: 30e3 });
  return (await state()).prediction;
}

await check("page loads Pyodide, NumPy and gradkit from its own origin", async () => {
  await page.goto(url, { waitUntil: "load" });
  const s = await waitReady();
  const shown = await page.$eval("#versions", (e) => e.textContent);
  expect(/Pyodide 0\.27\.7.*NumPy 2\.0\.2.*gradkit/.test(shown), `versions shown: ${shown}`);
  expect((await page.$eval("#load-progress", (e) => e.value)) === 1, "load progress not full");
  console.log(`    ready in ${s.loadSeconds.toFixed(1)} s: ${shown}`);
});

await check("training reaches >= 90% test accuracy, with a live chart", async () => {
  const seen = [];
  await page.click("#train");
  const t0 = Date.now();
  while (true) {
    const s = await state();
    const progress = await page.$eval("#train-progress", (e) => e.value);
    seen.push(progress);
    if (s.state !== "training") break;
    expect(Date.now() - t0 < 300e3, "training took over 300 s");
    await new Promise((r) => setTimeout(r, 500));
  }
  const s = await state();
  expect(s.state === "trained", `training failed: ${s.errors.join("\n")}`);
  expect(s.testAccuracy >= 0.9, `test accuracy ${s.testAccuracy}`);
  expect(seen.some((p) => p > 0 && p < 1), "progress never shown between 0 and 1");
  const metrics = await page.$eval("#metrics", (e) => e.textContent);
  expect(/step \d+, loss/.test(metrics), `chart metrics: ${metrics}`);
  console.log(`    ${await page.$eval("#train-status", (e) => e.textContent)}; ${metrics}`);
});

await check("a drawn 1 and a drawn 0 are classified", async () => {
  const one = await drawAndPredict([[0.52, 0.12], [0.5, 0.5], [0.48, 0.88]]);
  const sum = one.probs.reduce((a, b) => a + b, 0);
  expect(one.probs.length === 10 && Math.abs(sum - 1) < 1e-4, `probabilities ${one.probs}`);
  expect((await page.$$("#probs .bar")).length === 10, "no probability bars");
  const ring = [];
  for (let k = 0; k <= 24; k++) {
    const a = (2 * Math.PI * k) / 24;
    ring.push([0.5 + 0.22 * Math.sin(a), 0.5 - 0.36 * Math.cos(a)]);
  }
  const zero = await drawAndPredict(ring);
  console.log(`    drawn 1 -> ${one.digit} (${(100 * one.probs[one.digit]).toFixed(1)}%), ` +
              `drawn 0 -> ${zero.digit} (${(100 * zero.probs[zero.digit]).toFixed(1)}%)`);
  expect(one.digit === 1, `a drawn 1 was classified as ${one.digit}`);
  expect(zero.digit === 0, `a drawn 0 was classified as ${zero.digit}`);
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`    screenshot: ${screenshot}`);
});

await check("nothing was fetched from another origin", async () => {
  expect(foreign.length === 0, `fetched: ${foreign.join(", ")}`);
});

await check("the page works offline once loaded", async () => {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.setOfflineMode(true);
  await page.reload({ waitUntil: "load" });
  await waitReady();
  expect((await page.$eval("#code", (e) => e.value)).includes("model = "), "script not loaded");
  await page.setOfflineMode(false);
});

await check("no errors in the console", async () => {
  expect(consoleErrors.length === 0, consoleErrors.join("\n"));
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
