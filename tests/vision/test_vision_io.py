"""``torchvision.io`` image functions: PNG decodes exactly to the pixels written (Pillow/NumPy
ground truth), mode conversions as torchvision's libpng decoder, JPEG as Pillow's libjpeg,
torchvision's errors, and ``from torchvision.io import read_image`` under ``gradkit run``."""

import io as bytesio
import sys
import textwrap

import numpy as np
import pytest

import gradkit as gk
from gradkit import cli
from gradkit.vision import io as tvio
from gradkit.vision.io import ImageReadMode

Image = pytest.importorskip("PIL.Image")

RNG = np.random.default_rng(0)


def _png_bytes(im, **opts):
    buf = bytesio.BytesIO()
    im.save(buf, format="PNG", **opts)
    return buf.getvalue()


def _tensor(data: bytes):
    return gk.from_numpy(np.frombuffer(bytearray(data), dtype=np.uint8))


def _hwc(t):
    assert t.dtype in (gk.uint8, gk.uint16) and t.dim() == 3
    return t.numpy().transpose(1, 2, 0)


def _libpng_gray(rgb):
    # independent statement of libpng's rgb_to_gray(0.2989, 0.587) for 8 bits: the weights in
    # 1/32768 units, truncated sum, and gray pixels (r == g == b) kept as they are
    r, g, b = (rgb[..., i].astype(np.int64) for i in range(3))
    out = (9794 * r + 19234 * g + 3740 * b) // 32768
    return np.where((r == g) & (g == b), r, out).astype(np.uint8)


@pytest.mark.parametrize("pil_mode,channels", [("L", 1), ("LA", 2), ("RGB", 3), ("RGBA", 4)])
def test_png_unchanged_is_the_stored_pixels(pil_mode, channels, tmp_path):
    a = RNG.integers(0, 256, (6, 9, channels), dtype=np.uint8)
    im = Image.fromarray(a[..., 0] if channels == 1 else a, pil_mode)
    path = tmp_path / "x.png"
    im.save(path)
    for out in (tvio.read_image(str(path)), tvio.read_image(path, ImageReadMode.UNCHANGED),
                tvio.decode_png(tvio.read_file(path)), tvio.decode_image(str(path))):
        assert tuple(out.shape) == (channels, 6, 9) and out.dtype == gk.uint8
        np.testing.assert_array_equal(_hwc(out), a)


def test_png_modes_convert_as_libpng():
    rgba = RNG.integers(0, 256, (5, 8, 4), dtype=np.uint8)
    rgba[0, :3, :3] = 77  # some gray pixels: kept exactly by the gray conversion
    data = _tensor(_png_bytes(Image.fromarray(rgba, "RGBA")))
    rgb = rgba[..., :3]
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data, ImageReadMode.RGB)), rgb)
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data, "rgba")), rgba)
    gray = _hwc(tvio.decode_png(data, ImageReadMode.GRAY))[..., 0]
    np.testing.assert_array_equal(gray, _libpng_gray(rgb))
    ideal = rgb.astype(np.float64) @ np.array([0.2989, 0.587, 0.114])
    assert np.abs(gray - ideal).max() <= 1.0
    ga = _hwc(tvio.decode_png(data, ImageReadMode.GRAY_ALPHA))
    np.testing.assert_array_equal(ga[..., 0], gray)
    np.testing.assert_array_equal(ga[..., 1], rgba[..., 3])
    # from gray: channels repeated, alpha added opaque
    g = RNG.integers(0, 256, (4, 3), dtype=np.uint8)
    gdata = _tensor(_png_bytes(Image.fromarray(g, "L")))
    np.testing.assert_array_equal(_hwc(tvio.decode_png(gdata, "RGB")), np.stack([g] * 3, -1))
    out = _hwc(tvio.decode_png(gdata, ImageReadMode.RGB_ALPHA))
    np.testing.assert_array_equal(out[..., :3], np.stack([g] * 3, -1))
    assert (out[..., 3] == 255).all()
    np.testing.assert_array_equal(_hwc(tvio.decode_png(gdata, "GRAY_ALPHA"))[..., 0], g)
    np.testing.assert_array_equal(_hwc(tvio.decode_png(gdata, "GRAY"))[..., 0], g)


def test_png_palette_gives_indices_unchanged_and_colours_with_transparency():
    idx = RNG.integers(0, 4, (5, 6), dtype=np.uint8)
    colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [10, 20, 30]], np.uint8)
    im = Image.fromarray(idx, "P")
    im.putpalette(colours.ravel().tolist())
    data = _tensor(_png_bytes(im, transparency=bytes([0, 128, 255, 255])))
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data))[..., 0], idx)
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data, "RGB")), colours[idx])
    rgba = _hwc(tvio.decode_image(data, ImageReadMode.RGB_ALPHA))
    np.testing.assert_array_equal(rgba[..., :3], colours[idx])
    np.testing.assert_array_equal(rgba[..., 3], np.array([0, 128, 255, 255], np.uint8)[idx])
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data, "GRAY"))[..., 0],
                                  _libpng_gray(colours[idx]))


def test_png_low_and_high_bit_depths():
    bits = RNG.integers(0, 2, (7, 9)).astype(bool)
    data = _tensor(_png_bytes(Image.fromarray(bits)))  # a 1-bit PNG
    np.testing.assert_array_equal(_hwc(tvio.decode_png(data))[..., 0], bits * np.uint8(255))
    g16 = RNG.integers(0, 65536, (4, 5)).astype(np.uint16)
    data16 = _tensor(_png_bytes(Image.fromarray(g16.astype(np.int32), "I").convert("I;16")))
    out = tvio.decode_image(data16)
    assert out.dtype == gk.uint16
    np.testing.assert_array_equal(_hwc(out)[..., 0], g16)


def test_encode_png_round_trips_exactly(tmp_path):
    for c in (1, 3):
        x = gk.from_numpy(RNG.integers(0, 256, (c, 6, 5), dtype=np.uint8))
        for level in (0, 6, 9):
            enc = tvio.encode_png(x, compression_level=level)
            assert enc.dtype == gk.uint8 and enc.dim() == 1
            np.testing.assert_array_equal(tvio.decode_png(enc).numpy(), x.numpy())
        tvio.write_png(x, str(tmp_path / "w.png"))
        np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "w.png")).reshape(6, 5, c),
                                      x.numpy().transpose(1, 2, 0))


def test_read_and_write_file_are_raw_bytes(tmp_path):
    payload = bytes(range(256)) * 3
    (tmp_path / "f.bin").write_bytes(payload)
    t = tvio.read_file(str(tmp_path / "f.bin"))
    assert t.dtype == gk.uint8 and tuple(t.shape) == (768,)
    tvio.write_file(str(tmp_path / "g.bin"), t)
    assert (tmp_path / "g.bin").read_bytes() == payload


def _smooth_rgb():
    y, x = np.mgrid[0:32, 0:40]
    return np.stack([x * 6, y * 7, (x + y) * 3], -1).clip(0, 255).astype(np.uint8)


def test_jpeg_decodes_as_pillows_libjpeg(tmp_path):
    a = _smooth_rgb()
    path = tmp_path / "x.jpg"
    Image.fromarray(a).save(path, quality=90)
    want = np.asarray(Image.open(path).convert("RGB"))
    out = tvio.read_image(str(path))
    assert tuple(out.shape) == (3, 32, 40) and out.dtype == gk.uint8
    np.testing.assert_array_equal(_hwc(out), want)
    np.testing.assert_array_equal(_hwc(tvio.read_image(str(path), ImageReadMode.RGB)), want)
    # GRAY is libjpeg's luma plane, as torchvision asks libjpeg for it
    ref = Image.open(path)
    ref.draft("L", ref.size)
    gray = tvio.decode_jpeg(tvio.read_file(path), mode=ImageReadMode.GRAY)
    assert tuple(gray.shape) == (1, 32, 40)
    np.testing.assert_array_equal(_hwc(gray)[..., 0], np.asarray(ref.convert("L")))
    outs = tvio.decode_jpeg([tvio.read_file(path)] * 2)
    assert isinstance(outs, list) and len(outs) == 2
    np.testing.assert_array_equal(_hwc(outs[1]), want)


def test_encode_jpeg_round_trip_is_close(tmp_path):
    x = gk.from_numpy(np.ascontiguousarray(_smooth_rgb().transpose(2, 0, 1)))
    enc = tvio.encode_jpeg(x, quality=95)
    assert enc.dtype == gk.uint8 and enc.numpy()[:3].tobytes() == b"\xff\xd8\xff"
    back = tvio.decode_image(enc).numpy().astype(int)
    assert np.abs(back - x.numpy().astype(int)).mean() < 2.0
    tvio.write_jpeg(x[:1], str(tmp_path / "g.jpg"), quality=50)
    assert tuple(tvio.read_image(str(tmp_path / "g.jpg")).shape) == (1, 32, 40)
    assert len(tvio.encode_jpeg([x, x[:1]])) == 2


def test_gif_frames():
    frames = [Image.fromarray(np.full((4, 5, 3), v, np.uint8)) for v in (0, 255)]
    buf = bytesio.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out = tvio.decode_image(_tensor(buf.getvalue()))
    assert tuple(out.shape) == (2, 3, 4, 5)
    assert (out.numpy()[0] == 0).all() and (out.numpy()[1] == 255).all()


def test_errors_are_torchvisions(tmp_path):
    with pytest.raises(RuntimeError, match=r"\[Errno 2\] No such file or directory"):
        tvio.read_image(str(tmp_path / "missing.png"))
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(RuntimeError, match="non empty file"):
        tvio.read_file(str(tmp_path / "empty.png"))
    jpeg = tvio.encode_jpeg(gk.zeros((3, 4, 4), dtype=gk.uint8))
    with pytest.raises(RuntimeError, match="Content is not png"):
        tvio.decode_png(jpeg)
    with pytest.raises(RuntimeError, match="Not a JPEG file"):
        tvio.decode_jpeg(tvio.encode_png(gk.zeros((3, 4, 4), dtype=gk.uint8)))
    with pytest.raises(RuntimeError, match="not supported for JPEG"):
        tvio.decode_jpeg(jpeg, mode=ImageReadMode.RGB_ALPHA)
    with pytest.raises(RuntimeError, match="Unsupported image file"):
        tvio.decode_image(_tensor(b"hello, not an image"))
    with pytest.raises(RuntimeError, match="uint8"):
        tvio.decode_image(gk.zeros(10))
    with pytest.raises(RuntimeError, match="could not decode"):
        tvio.decode_png(_tensor(b"\x89PNG\r\n\x1a\n" + bytes(40)))
    with pytest.raises(RuntimeError, match="number of channels should be 1 or 3, got: 4"):
        tvio.encode_png(gk.zeros((4, 2, 2), dtype=gk.uint8))
    with pytest.raises(RuntimeError, match="dtype should be uint8"):
        tvio.encode_png(gk.zeros((3, 2, 2)))
    with pytest.raises(RuntimeError, match="Compression level should be between 0 and 9"):
        tvio.encode_png(gk.zeros((3, 2, 2), dtype=gk.uint8), compression_level=10)
    with pytest.raises(ValueError, match="between 1 and 100"):
        tvio.encode_jpeg(gk.zeros((3, 2, 2), dtype=gk.uint8), quality=0)
    with pytest.raises(KeyError, match="unknown mode 'CMYK'"):
        tvio.decode_png(jpeg, mode="CMYK")
    with pytest.raises(NotImplementedError, match="video"):
        tvio.read_video("clip.mp4")
    with pytest.raises(NotImplementedError, match="VideoReader"):
        tvio.VideoReader("clip.mp4")


def test_without_pillow_the_error_names_the_extra(monkeypatch, tmp_path):
    data = tvio.encode_png(gk.zeros((1, 2, 2), dtype=gk.uint8))
    monkeypatch.setitem(sys.modules, "PIL", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(ImportError, match=r"gradkit\[vision\]"):
        tvio.decode_png(data)


PROGRAM = textwrap.dedent('''
    import sys
    import torchvision.io
    from torchvision.io import ImageReadMode, read_image
    from torchvision.io.image import decode_png
    img = read_image(sys.argv[1], mode=ImageReadMode.RGB)
    print(type(img).__module__.split(".")[0], img.dtype, tuple(img.shape))
    print(int(img.sum()), decode_png is torchvision.io.decode_png)
    print((img.float() / 255).mean().item() > 0)
''')


def test_read_image_under_gradkit_run(tmp_path, capsys):
    a = RNG.integers(0, 256, (6, 7, 3), dtype=np.uint8)
    Image.fromarray(a).save(tmp_path / "im.png")
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    rc = cli.main(["run", str(prog), str(tmp_path / "im.png")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert out.splitlines() == ["torch torch.uint8 (3, 6, 7)", f"{int(a.sum())} True", "True"]


def test_exif_orientation_is_applied_on_request(tmp_path):
    a = RNG.integers(0, 256, (4, 6), dtype=np.uint8)
    im = Image.fromarray(a, "L")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored rotated: display needs a 90 degree clockwise turn
    im.save(tmp_path / "r.png", exif=exif.tobytes())
    plain = tvio.read_image(str(tmp_path / "r.png"))
    turned = tvio.read_image(str(tmp_path / "r.png"), apply_exif_orientation=True)
    np.testing.assert_array_equal(plain.numpy()[0], a)
    np.testing.assert_array_equal(turned.numpy()[0], np.rot90(a, -1))


def test_sixteen_bit_colour_png_says_it_is_unsupported():
    head = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x02" * 2 + bytes([16, 2])
    with pytest.raises(NotImplementedError, match="16-bit colour"):
        tvio.decode_png(_tensor(head + bytes(20)))
