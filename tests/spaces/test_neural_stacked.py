"""Member-batched layers (spaces/neural/_locally_connected.py) against the per-member PyTorch module.

The stacked ``lcn`` must be the same function as the ``nn.Sequential`` of each member, with the
same gradients: both are float32 sums of the same products in different orders, compared at
1e-5 relative (float32 epsilon 1.2e-7 times the few hundred terms of a sum).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inductive_bias.spaces.neural import architectures
from inductive_bias.spaces.neural._locally_connected import BatchedLCN


def _members(options, n_features, seeds):
    resolved = architectures.resolve_options("lcn", options)
    module = architectures.build("lcn", n_features, 10, resolved)
    params = []
    for seed in seeds:
        architectures.initialise(module, torch.Generator().manual_seed(seed))
        params.append({n: p.detach().clone() for n, p in module.named_parameters()})
    stacked = {n: torch.stack([p[n] for p in params]) for n in params[0]}
    return module, resolved, params, stacked


@pytest.mark.parametrize("options,n_features", [
    ({}, 64),
    ({"channels": (3, 5, 4), "kernel_size": 5, "activation": "tanh", "image_shape": (2, 4, 6)}, 48),
    ({"channels": (2,), "kernel_size": 1, "activation": "gelu", "image_shape": (1, 3, 5)}, 15),
])
def test_stacked_lcn_is_each_members_module(options, n_features):
    seeds = [3, 1, 4]
    module, resolved, params, stacked = _members(options, n_features, seeds)
    model = BatchedLCN.from_modules({n: t.clone() for n, t in stacked.items()}, resolved, n_features)
    # the layout conversion is exact and reversible
    for name, value in model.to_module_layout().items():
        assert torch.equal(value, stacked[name]), name
    g = torch.Generator().manual_seed(0)
    x = torch.randn(len(seeds), 7, n_features, generator=g)
    y = torch.randn(len(seeds), 7, 10, generator=g)
    model.step_grads(x, y)
    grads = model.to_module_layout([p.grad for p in model.params])
    shared = model.predict(x[0])
    for e, member in enumerate(params):
        with torch.no_grad():
            torch.testing.assert_close(shared[e], torch.func.functional_call(module, member, (x[0],)),
                                       rtol=1e-5, atol=1e-6)
        member = {n: p.clone().requires_grad_(True) for n, p in member.items()}
        loss = torch.mean((torch.func.functional_call(module, member, (x[e],)) - y[e]) ** 2)
        expected = torch.autograd.grad(loss, list(member.values()))
        for (name, _), want in zip(member.items(), expected):
            torch.testing.assert_close(grads[name][e], want, rtol=1e-5, atol=1e-7)


def test_gpu_chunk_is_sized_from_free_memory(monkeypatch):
    # No GPU is lent to these tests: the CUDA queries are replaced, and the chunk must be half the
    # free memory over the per-member estimate (parameters, Adam state, activations, predictions).
    from inductive_bias import NeuralNetworks, digits

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    task = digits(100, 50, seed=0)
    space = NeuralNetworks("mlp", hidden=(32,), device="cuda")
    template = space._template(task.n_features, task.n_outputs)
    for free in (1 << 30, 8 << 30):
        monkeypatch.setattr(torch.cuda, "mem_get_info", lambda device=None, free=free: (free, 2 * free))
        chunk = space._default_chunk(template, task)
        # outputs of every module per row: linear 32, relu 32, linear 10 and the Sequential's own 10
        per_member = 4 * (5 * (64 * 32 + 32 + 32 * 10 + 10) + 2 * (32 + 32 + 10 + 10) * 1024 + 150 * 10)
        assert chunk == int(0.5 * free // per_member)
    assert space._workers() == 1


def test_stacked_lcn_trains_the_members_the_generic_path_trains():
    # Same stacked initial parameters and data orders through train_chunk: the batched lcn and
    # vmap of the module must give the same trained members (float32 rounding grows mildly over
    # the Adam steps: 1e-4 relative, as for the MLP in tests/test_neural.py).
    from inductive_bias import digits
    from inductive_bias.spaces.neural._ensemble import VmappedModule, train_chunk

    task = digits(40, 30, seed=2)
    module, resolved, params, stacked = _members({"channels": (4, 3)}, 64, [8, 9, 10])
    data = tuple(torch.tensor(a, dtype=torch.float32) for a in (task.X_train, task.Y_train, task.X_test, task.Y_test))
    kwargs = dict(epochs=3, optimizer="adam", lr=3e-3, batch_size=8, stop_train_mse=None)
    gens = lambda: [torch.Generator().manual_seed(s) for s in (1, 2, 3)]  # noqa: E731
    fast = train_chunk(BatchedLCN.from_modules({n: t.clone() for n, t in stacked.items()}, resolved, 64), gens(), data, **kwargs)
    generic = train_chunk(VmappedModule(module, {n: t.clone() for n, t in stacked.items()}), gens(), data, **kwargs)
    torch.testing.assert_close(fast[1], generic[1], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(fast[1], torch.func.functional_call(module, params[0], (data[2],)).expand(3, -1, -1))


def test_lcn_members_equal_plain_pytorch_training():
    # The member of seed s: the lcn module initialised from Generator(s), trained by the plain
    # autograd loop with torch.optim.Adam and the same generator's data orders. (Regression: with
    # vmap, the locally connected weights' gradients came back transposed in memory, and PyTorch's
    # fused CPU Adam applied them to the wrong elements.)
    from torch.nn import functional as F

    from inductive_bias import NeuralNetworks, digits

    task = digits(48, 30, seed=4)
    options = {"channels": (4, 3)}
    space = NeuralNetworks("lcn", epochs=3, batch_size=8, lr=3e-3, **options)
    members = space.train_members(task, [21, 22])
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    for member in members:
        with torch.device("meta"):
            module = architectures.build("lcn", 64, 10, architectures.resolve_options("lcn", options))
        module = module.to_empty(device="cpu")
        generator = torch.Generator().manual_seed(member.seed)
        architectures.initialise(module, generator)
        opt = torch.optim.Adam(module.parameters(), lr=3e-3, foreach=False)
        for _ in range(3):
            order = torch.randperm(len(X), generator=generator)
            for start in range(0, len(X), 8):
                idx = order[start:start + 8]
                opt.zero_grad()
                F.mse_loss(module(X[idx]), Y[idx]).backward()
                opt.step()
        with torch.no_grad():
            pred = module(torch.tensor(task.X_test, dtype=torch.float32)).double().numpy()
        expected = float(((pred - task.Y_test) ** 2).mean())
        assert member.test_loss == pytest.approx(expected, rel=1e-4)


@pytest.mark.slow
def test_compiled_gradients_train_the_same_members():
    # torch.compile (about half a minute per batch shape) must not change the members beyond
    # float32 rounding (compiled kernels may sum in another order): 1e-4 relative.
    from inductive_bias import NeuralNetworks, digits

    task = digits(40, 30, seed=5)
    settings = dict(dim=8, depth=1, heads=2, mlp_dim=8, epochs=2, batch_size=20, lr=3e-3)
    plain = NeuralNetworks("vit", **settings).train_members(task, [1, 2])
    compiled = NeuralNetworks("vit", compile=True, **settings).train_members(task, [1, 2])
    np.testing.assert_allclose([m.test_loss for m in compiled], [m.test_loss for m in plain], rtol=1e-4)


def test_compile_is_refused_where_it_does_nothing():
    from inductive_bias import NeuralNetworks
    from inductive_bias._validation import InputError

    for kwargs, argument in ((dict(architecture="mlp", compile=True), "compile"),
                             (dict(architecture="lcn", compile=True), "compile"),
                             (dict(architecture="cnn", compile="yes"), "compile")):
        with pytest.raises(InputError) as error:
            NeuralNetworks(**kwargs)
        assert error.value.argument == argument
    assert "compile" not in NeuralNetworks("vit", compile=True).spec()


def test_cli_compile_flag(tmp_path, capsys):
    from inductive_bias.cli.main import main

    code = main(["sample", "--space", "mlp", "--compile", "--hypotheses", "1", "--store", str(tmp_path / "s.db")])
    err = capsys.readouterr().err
    assert code == 2 and "--compile: applies to cnn, vit and model factories" in err and err.count("\n") == 1
    code = main(["sample", "--space", "knn", "--compile", "--hypotheses", "1", "--store", str(tmp_path / "t.db")])
    assert code == 2 and "--compile: does not apply to --space knn" in capsys.readouterr().err


def test_lcn_members_that_stop_leave_the_others_unchanged():
    # Regression: trained until fit (the default), an lcn chunk whose members fit at different
    # epochs failed when the first ones left the computation (the autograd version had no
    # select). Each member must be the member trained alone.
    from inductive_bias import NeuralNetworks, digits

    task = digits(48, 30, seed=4)
    space = lambda **kw: NeuralNetworks("lcn", channels=(4, 3), batch_size=8, lr=3e-3, max_epochs=300, **kw)  # noqa: E731
    seeds = [1, 2, 3, 4]
    together = space(chunk_size=4).train_members(task, seeds)
    assert len({m.epochs for m in together}) > 1 and all(m.epochs < 300 for m in together)
    for seed, member in zip(seeds, together):
        alone = space().train_members(task, [seed])[0]
        assert alone.epochs == member.epochs
        assert alone.test_loss == pytest.approx(member.test_loss, rel=1e-5)
