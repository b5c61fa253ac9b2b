// Opens pages of the built documentation site in headless Chromium (run by docs/build.sh, which
// serves site/): each page renders its content with no console error, the figures load, the
// search finds an API entry, and a link from the tutorial reaches the API reference.
// usage: node check_pages.mjs BASE_URL ARTIFACT_DIR
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(path.join(process.env.BROWSER_MODULES, "x.js"));
const puppeteer = require("puppeteer-core");
const [base, artifacts] = process.argv.slice(2);
let passed = 0, failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`PASSED ${name}`);
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
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking"],
});
const page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
const errors = [];
page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
page.on("pageerror", (e) => errors.push(String(e)));
page.on("requestfailed", (r) => { if (r.url().startsWith(base)) errors.push(`failed: ${r.url()}`); });

await check("the autograd tutorial renders with its figure", async () => {
  errors.length = 0;
  await page.goto(base + "tutorials/autograd/", { waitUntil: "networkidle0" });
  const h1 = await page.$eval("article h1", (e) => e.textContent);
  expect(h1.includes("Autograd from first principles"), `title: ${h1}`);
  const img = await page.$eval("img[src*='autograd-graph.svg']", (e) => ({ w: e.naturalWidth, ok: e.complete }));
  expect(img.ok && img.w > 50, `graph figure did not load: ${JSON.stringify(img)}`);
  const code = await page.$$eval("article pre code", (els) => els.length);
  expect(code >= 6, `only ${code} code blocks`);
  expect(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  await page.screenshot({ path: path.join(artifacts, "docs-tutorial.png") });
});

await check("the nn.functional reference lists conv2d with its signature", async () => {
  errors.length = 0;
  await page.goto(base + "api/nn.functional/", { waitUntil: "networkidle0" });
  const sig = await page.$eval("[id='gradkit.nn.functional.conv2d']", (e) => e.parentElement.textContent);
  expect(/conv2d\s*\(\s*input,\s*weight,\s*bias=None,\s*stride=1/.test(sig.replace(/\s+/g, " ")),
    `conv2d signature not found: ${sig.slice(0, 200)}`);
  const entries = await page.$$eval(".doc-heading", (els) => els.length);
  expect(entries > 100, `only ${entries} entries`);
  expect(errors.length === 0, `console errors: ${errors.join(" | ")}`);
  await page.screenshot({ path: path.join(artifacts, "docs-api.png") });
});

await check("search finds cross_entropy", async () => {
  await page.goto(base, { waitUntil: "networkidle0" });
  await page.click("label[for='__search']").catch(() => {});
  await page.type("input[data-md-component='search-query']", "cross_entropy");
  await page.waitForSelector(".md-search-result__item", { timeout: 30e3 });
  const hits = await page.$$eval(".md-search-result__item", (els) => els.map((e) => e.textContent));
  expect(hits.some((t) => t.includes("cross_entropy")), `hits: ${hits.slice(0, 5).join(" | ")}`);
});

await check("the home page links reach the API reference", async () => {
  await page.goto(base, { waitUntil: "networkidle0" });
  await Promise.all([page.waitForNavigation({ waitUntil: "networkidle0" }),
                     page.click("a[href$='api/']")]);
  const h1 = await page.$eval("article h1", (e) => e.textContent);
  expect(h1.includes("API reference"), `landed on: ${h1}`);
});

await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
