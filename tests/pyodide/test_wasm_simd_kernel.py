"""The WebAssembly SIMD kernel for float32 products (gradkit/_wasm_simd.py), run natively under
Node (skipped without Node >= 16): the bytes gradkit writes out must be a valid module whose
``gk_matmul_f32`` gives ``a @ b`` for every shape the kernel takes (16-column blocks, 4-column
blocks, the last 1-3 columns in scalar code, one row, long and empty reductions). Inside
Pyodide, tests/pyodide/suite.py checks that the kernel is the one in use and loads into
Pyodide's memory.
"""

import json
import shutil
import subprocess

import numpy as np
import pytest

from gradkit import _noblas, _wasm_simd

NODE = shutil.which("node")

_RUNNER = r"""
const fs = require("fs");
const [wasmPath, casesPath] = process.argv.slice(2);
const bytes = fs.readFileSync(wasmPath);
const mem = new WebAssembly.Memory({initial: 64});
const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), {env: {memory: mem}});
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesPath, "utf8"))) {
  const f = new Float32Array(mem.buffer);
  const a = 4, b = a + c.M * c.K + 3, cc = b + c.K * c.N + 1;  // unaligned on purpose
  f.set(c.a, a); f.set(c.b, b); f.fill(NaN, cc, cc + c.M * c.N + 8);
  inst.exports.gk_matmul_f32(a * 4, b * 4, cc * 4, c.M, c.K, c.N);
  out.push({c: Array.from(f.subarray(cc, cc + c.M * c.N)),
            untouched: f.subarray(cc + c.M * c.N, cc + c.M * c.N + 8).every(Number.isNaN)});
}
console.log(JSON.stringify(out));
"""

SHAPES = [(1, 1, 4), (2, 3, 16), (3, 8, 20), (64, 64, 64), (64, 20, 64), (5, 0, 16), (2, 7, 36),
          (17, 129, 48), (1, 300, 8), (40, 3, 12), (9, 33, 65), (4, 5, 1), (3, 6, 3), (6, 17, 18),
          (2, 4, 23)]


def _sequential(a, b):
    """a @ b summed over k in order in float32, multiply then add (the kernel's rounding)."""
    c = np.zeros((a.shape[0], b.shape[1]), np.float32)
    for k in range(a.shape[1]):
        c += a[:, k:k + 1] * b[k]
    return c


@pytest.mark.skipif(NODE is None, reason="needs Node to run WebAssembly")
def test_kernel_matches_sequential_float32_products(tmp_path):
    rng = np.random.default_rng(0)
    cases = []
    for m, k, n in SHAPES:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        cases.append((a, b))
    (tmp_path / "k.wasm").write_bytes(_wasm_simd.module_bytes(side_module=False))
    (tmp_path / "cases.json").write_text(json.dumps(
        [{"M": a.shape[0], "K": a.shape[1], "N": b.shape[1], "a": a.ravel().tolist(),
          "b": b.ravel().tolist()} for a, b in cases]))
    (tmp_path / "run.cjs").write_text(_RUNNER)
    res = subprocess.run([NODE, str(tmp_path / "run.cjs"), str(tmp_path / "k.wasm"),
                          str(tmp_path / "cases.json")], capture_output=True, text=True,
                         timeout=120)
    if res.returncode and "CompileError" in res.stderr:
        pytest.skip("this Node has no WebAssembly SIMD")
    assert res.returncode == 0, res.stderr
    for (a, b), got in zip(cases, json.loads(res.stdout)):
        c = np.array(got["c"], np.float32).reshape(a.shape[0], b.shape[1])
        np.testing.assert_array_equal(c, _sequential(a, b))  # same order, same rounding
        assert got["untouched"]  # nothing written past the result


def test_side_module_carries_dylink_section():
    data = _wasm_simd.module_bytes()
    assert data[:8] == b"\x00asm\x01\x00\x00\x00"
    assert data[8] == 0 and b"dylink.0" in data[:24]  # first section: Emscripten's metadata
    assert _wasm_simd.module_bytes(side_module=False)[8] == 1  # a plain module: types first


def test_natively_no_kernel_is_loaded():
    assert _wasm_simd.load() is None and _noblas._simd is None
    assert not _noblas._simd_fits(np.dtype(np.float32), 64)


_ADAM_RUNNER = r"""
const fs = require("fs");
const [wasmPath, inPath, outPath, name, n, ...consts] = process.argv.slice(2);
const mem = new WebAssembly.Memory({initial: 16});
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)),
                                      {env: {memory: mem}});
const N = Number(n), data = fs.readFileSync(inPath);   // g, m, v: float32, N each
new Uint8Array(mem.buffer).set(data, 64);
const g = 64, m = g + 4 * N, v = m + 4 * N, u = v + 4 * N;
inst.exports[name](g, m, v, u, N, ...consts.map(Number));
fs.writeFileSync(outPath, new Uint8Array(mem.buffer, m, 12 * N));  // m, v, upd
"""


@pytest.mark.skipif(NODE is None, reason="needs Node to run WebAssembly")
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("beta1", [0.9, 0.3])  # both of the kernel's lerp branches
def test_adam_kernel_matches_numpy_bit_for_bit(tmp_path, maximize, beta1):
    from gradkit._backend import numpy_ns
    from gradkit.optim.adam import Adam, _adam_kernel

    n = 4 * 37 + 3  # SIMD lanes and the scalar remainder
    rng = np.random.default_rng(1)
    g = rng.standard_normal(n).astype(np.float32)
    g[:6] = [0.0, -0.0, 1e-30, -3e-39, 7e4, np.inf]  # zero, tiny, subnormal, large, inf
    m = (rng.standard_normal(n) * 0.1).astype(np.float32)
    v = np.abs(rng.standard_normal(n) * 0.01).astype(np.float32)
    group = {"betas": (beta1, 0.999), "weight_decay": 0.0, "eps": 1e-8, "amsgrad": False,
             "maximize": maximize}
    hp = Adam._hyper(None, g, 3, group, 1e-3, (beta1, 0.999))
    (tmp_path / "k.wasm").write_bytes(_wasm_simd.module_bytes(side_module=False))
    (tmp_path / "in.bin").write_bytes(g.tobytes() + m.tobytes() + v.tobytes())
    (tmp_path / "run.cjs").write_text(_ADAM_RUNNER)
    consts = [hp.lerp_keep if hp.lerp_high else hp.lerp_weight, hp.beta2, hp.one_minus_beta2,
              hp.eps_scaled, hp.neg_scaled_step]
    res = subprocess.run([NODE, str(tmp_path / "run.cjs"), str(tmp_path / "k.wasm"),
                          str(tmp_path / "in.bin"), str(tmp_path / "out.bin"),
                          _wasm_simd.adam_name(maximize, hp.lerp_high), str(n),
                          *[repr(float(c)) for c in consts]],
                         capture_output=True, text=True, timeout=120)
    if res.returncode and "CompileError" in res.stderr:
        pytest.skip("this Node has no WebAssembly SIMD")
    assert res.returncode == 0, res.stderr
    got = np.frombuffer((tmp_path / "out.bin").read_bytes(), np.float32).reshape(3, n)
    upd = np.full(n, -0.0, np.float32)
    scratch = [np.empty(n, np.float32) for _ in range(3)]
    with np.errstate(all="ignore"):  # the inf gradient: NaN in both
        _adam_kernel(numpy_ns, upd, g, m, v, v, *scratch, hp)
    for have, want in zip(got, (m, v, upd)):
        np.testing.assert_array_equal(have.view(np.uint32), want.view(np.uint32))


_OBJ_RUNNER = r"""
const fs = require("fs");
const [wasmPath, casesPath] = process.argv.slice(2);
const mem = new WebAssembly.Memory({initial: 64});
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)),
                                      {env: {memory: mem}});
const f = new Float32Array(mem.buffer), i32 = new Int32Array(mem.buffer);
// a stand-in for NumPy's array object: data pointer at +8, strides pointer at +20
function obj(at, data, strides) {
  i32[at / 4 + 2] = data; i32[at / 4 + 5] = at + 64; i32.set(strides, at / 4 + 16);
  return at;
}
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesPath, "utf8"))) {
  const a = 4096, b = a + 4 * c.a.length + 12, cc = b + 4 * c.b.length + 4;  // bytes
  f.set(c.a, a / 4); f.set(c.b, b / 4); f.fill(NaN, cc / 4, cc / 4 + c.M * c.N + 8);
  const fields = [obj(64, a + 4 * c.aoff, c.astr), obj(256, b, [c.bstr, 4]),
                  obj(512, cc, [4 * c.N, 4])];
  inst.exports.gk_matmul_f32_obj(...fields, c.M, c.K, c.N);
  out.push({c: Array.from(f.subarray(cc / 4, cc / 4 + c.M * c.N)),
            untouched: f.subarray(cc / 4 + c.M * c.N, cc / 4 + c.M * c.N + 8).every(Number.isNaN),
            field: [0, 1, 2].map((i) => inst.exports.gk_obj_field(64, i))});
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="needs Node to run WebAssembly")
def test_object_kernel_reads_strided_operands(tmp_path):
    """``gk_matmul_f32_obj`` takes the array objects and reads their data pointers and strides
    (what Pyodide passes as ``id(array)``): a transposed, a sliced and a reversed left operand,
    a right operand with padded rows, each summed as the row-major kernel (bit for bit)."""
    rng = np.random.default_rng(2)
    cases, want = [], []
    for m, k, n, layout in [(64, 64, 64, "T"), (17, 129, 48, "T"), (9, 33, 65, "slice"),
                            (5, 14, 11, "reversed"), (3, 8, 20, "C"), (6, 17, 18, "slice"),
                            (1, 300, 8, "T"), (40, 3, 12, "reversed")]:
        side = 2 * max(m, k)
        store = rng.standard_normal((side + 1, side + 3)).astype(np.float32)
        a = {"C": store[:m, :k], "slice": store[1::2, 2::2][:m, :k],
             "T": store[:k, :m].T, "reversed": store[m - 1::-1, :k]}[layout]
        off = (a.__array_interface__["data"][0] - store.__array_interface__["data"][0]) // 4
        bpad = rng.standard_normal((k, n + 5)).astype(np.float32)
        b = bpad[:, :n]
        cases.append({"M": m, "K": k, "N": n, "a": store.ravel().tolist(), "aoff": off,
                      "astr": list(a.strides), "b": bpad.ravel().tolist(), "bstr": bpad.strides[0]})
        assert a.shape == (m, k)
        want.append(_sequential(np.ascontiguousarray(a), np.ascontiguousarray(b)))
    (tmp_path / "k.wasm").write_bytes(_wasm_simd.module_bytes(side_module=False))
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "run.cjs").write_text(_OBJ_RUNNER)
    res = subprocess.run([NODE, str(tmp_path / "run.cjs"), str(tmp_path / "k.wasm"),
                          str(tmp_path / "cases.json")], capture_output=True, text=True,
                         timeout=120)
    if res.returncode and "CompileError" in res.stderr:
        pytest.skip("this Node has no WebAssembly SIMD")
    assert res.returncode == 0, res.stderr
    for case, w, got in zip(cases, want, json.loads(res.stdout)):
        c = np.array(got["c"], np.float32).reshape(w.shape)
        np.testing.assert_array_equal(c, w)
        assert got["untouched"]
        assert got["field"] == [4096 + 4 * case["aoff"], *case["astr"]]  # what the kernel reads


_RELU_RUNNER = r"""
const fs = require("fs");
const [wasmPath, inPath, outPath, n] = process.argv.slice(2);
const mem = new WebAssembly.Memory({initial: 16});
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)),
                                      {env: {memory: mem}});
const N = Number(n), i32 = new Int32Array(mem.buffer);
new Uint8Array(mem.buffer).set(fs.readFileSync(inPath), 1028);   // x, g: float32, N each
const x = 1028, g = x + 4 * N, r1 = g + 4 * N, r2 = r1 + 4 * N;
// stand-ins for NumPy's array objects: the data pointer at +8
[x, g, r1, r2].forEach((p, i) => { i32[(64 * i) / 4 + 2] = p; });
inst.exports.gk_relu_f32(0, 128, N);                  // r1 = relu(x)
inst.exports.gk_relu_bwd_f32(128, 64, 192, N);        // r2 = where(r1 != 0, g, 0)
fs.writeFileSync(outPath, new Uint8Array(mem.buffer, r1, 8 * N));
"""


@pytest.mark.skipif(NODE is None, reason="needs Node to run WebAssembly")
def test_relu_kernels_match_numpy_bit_for_bit(tmp_path):
    """gk_relu_f32 / gk_relu_bwd_f32 give NumPy's where (and maximum) bit for bit: -0.0 to
    +0.0, NaN kept with its sign, subnormals, infinities; SIMD lanes and the last n % 4."""
    from gradkit.ops.elementwise import _relu_by_maximum

    n = 4 * 29 + 3
    rng = np.random.default_rng(3)
    x = rng.standard_normal(n).astype(np.float32)
    x[:10] = [-0.0, 0.0, np.nan, -np.nan, 1e-45, -1e-45, np.inf, -np.inf, -2, 3]
    x[-3:] = [-0.0, np.nan, -1e-45]  # in the scalar remainder too
    g = rng.standard_normal(n).astype(np.float32)
    g[[0, 2, 7, 8]] = [np.inf, np.nan, -np.nan, -0.0]
    (tmp_path / "k.wasm").write_bytes(_wasm_simd.module_bytes(side_module=False))
    (tmp_path / "in.bin").write_bytes(x.tobytes() + g.tobytes())
    (tmp_path / "run.cjs").write_text(_RELU_RUNNER)
    res = subprocess.run([NODE, str(tmp_path / "run.cjs"), str(tmp_path / "k.wasm"),
                          str(tmp_path / "in.bin"), str(tmp_path / "out.bin"), str(n)],
                         capture_output=True, text=True, timeout=120)
    if res.returncode and "CompileError" in res.stderr:
        pytest.skip("this Node has no WebAssembly SIMD")
    assert res.returncode == 0, res.stderr
    fwd, bwd = np.frombuffer((tmp_path / "out.bin").read_bytes(), np.uint32).reshape(2, n)
    for want in (np.where(x <= 0, np.float32(0), x), _relu_by_maximum(np, x)):
        np.testing.assert_array_equal(fwd, want.view(np.uint32))
    np.testing.assert_array_equal(bwd, np.where(want != 0, g, np.float32(0)).view(np.uint32))


_BIAS_RUNNER = r"""
const fs = require("fs");
const [wasmPath, casesPath] = process.argv.slice(2);
const mem = new WebAssembly.Memory({initial: 64});
const inst = new WebAssembly.Instance(new WebAssembly.Module(fs.readFileSync(wasmPath)),
                                      {env: {memory: mem}});
const f = new Float32Array(mem.buffer), i32 = new Int32Array(mem.buffer);
function obj(at, data, strides) {  // NumPy's array object: data at +8, strides pointer at +20
  i32[at / 4 + 2] = data; i32[at / 4 + 5] = at + 64; i32.set(strides, at / 4 + 16);
  return at;
}
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesPath, "utf8"))) {
  const a = 4096, b = a + 4 * c.a.length + 4, bias = b + 4 * c.b.length + 8;
  const cc = bias + 4 * c.bias.length + 4;
  f.set(c.a, a / 4); f.set(c.b, b / 4); f.set(c.bias, bias / 4);
  f.fill(NaN, cc / 4, cc / 4 + c.M * c.N + 8);
  inst.exports.gk_matmul_bias_f32_obj(obj(64, a, [4 * c.K, 4]), obj(256, b, [4 * c.N, 4]),
                                      obj(512, cc, [4 * c.N, 4]), c.M, c.K, c.N,
                                      obj(768, bias, [4]));
  out.push({c: Array.from(f.subarray(cc / 4, cc / 4 + c.M * c.N)),
            untouched: f.subarray(cc / 4 + c.M * c.N, cc / 4 + c.M * c.N + 8).every(Number.isNaN)});
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="needs Node to run WebAssembly")
def test_bias_kernel_adds_the_bias_to_the_finished_sums(tmp_path):
    """gk_matmul_bias_f32_obj (a Linear layer's forward in Pyodide) gives the product, then
    ``+= bias`` in float32, bit for bit: 16-column, 4-column and scalar columns."""
    rng = np.random.default_rng(4)
    cases, want = [], []
    for m, k, n in [(64, 20, 64), (32, 256, 64), (32, 64, 10), (5, 9, 23), (3, 130, 65)]:
        a = rng.standard_normal((m, k)).astype(np.float32)
        b = rng.standard_normal((k, n)).astype(np.float32)
        bias = (rng.standard_normal(n) * 10).astype(np.float32)
        bias[0] = -0.0
        cases.append({"M": m, "K": k, "N": n, "a": a.ravel().tolist(), "b": b.ravel().tolist(),
                      "bias": bias.tolist()})
        c = _sequential(a, b)
        c += bias
        want.append(c)
    (tmp_path / "k.wasm").write_bytes(_wasm_simd.module_bytes(side_module=False))
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    (tmp_path / "run.cjs").write_text(_BIAS_RUNNER)
    res = subprocess.run([NODE, str(tmp_path / "run.cjs"), str(tmp_path / "k.wasm"),
                          str(tmp_path / "cases.json")], capture_output=True, text=True,
                         timeout=120)
    if res.returncode and "CompileError" in res.stderr:
        pytest.skip("this Node has no WebAssembly SIMD")
    assert res.returncode == 0, res.stderr
    for w, got in zip(want, json.loads(res.stdout)):
        np.testing.assert_array_equal(np.array(got["c"], np.float32).reshape(w.shape), w)
        assert got["untouched"]
