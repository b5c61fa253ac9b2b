"""``gradkit run`` of a PyTorch deployment script using torch.export: ``import torch.export``,
export with a dynamic batch, ``print(ep)``, save and load ``.pt2``, run the loaded module; the
same output as PyTorch's for what both print."""

import subprocess
import sys
import textwrap

import pytest

from gradkit import cli

PROGRAM = textwrap.dedent('''
    import sys
    import torch
    import torch.nn as nn
    from torch.export import Dim, export

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2)).eval()
    x = torch.randn(3, 4)
    ep = export(model, (x,), dynamic_shapes={"input": {0: Dim("batch", min=1, max=64)}})
    text = str(ep)
    print("ExportedProgram:" in text, "Graph signature" in text)
    print([s.kind.name for s in ep.graph_signature.input_specs])
    print(sorted(ep.state_dict))
    path = sys.argv[1]
    torch.export.save(ep, path)
    loaded = torch.export.load(path)
    y = torch.randn(10, 4)
    print(torch.allclose(loaded.module()(y), model(y), atol=1e-6))
    print(tuple(loaded.module()(y).shape))
''')


def test_export_program_under_gradkit_run(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    del torch
    prog = tmp_path / "deploy.py"
    prog.write_text(PROGRAM)
    rc = cli.main(["run", str(prog), str(tmp_path / "m.pt2")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    want = subprocess.run([sys.executable, str(prog), str(tmp_path / "t.pt2")],
                          capture_output=True, text=True, timeout=300)
    assert want.returncode == 0, want.stderr
    assert out.splitlines() == want.stdout.splitlines()
