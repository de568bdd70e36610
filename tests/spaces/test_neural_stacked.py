"""Member-batched layers (spaces/neural/_stacked.py) against the per-member PyTorch module.

The stacked ``lcn`` must be the same function as the ``nn.Sequential`` of each member, with the
same gradients: both are float32 sums of the same products in different orders, compared at
1e-5 relative (float32 epsilon 1.2e-7 times the few hundred terms of a sum).
"""

from __future__ import annotations

import pytest
import torch

from inductive_bias.spaces.neural import architectures
from inductive_bias.spaces.neural._ensemble import StackedModule


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
    model = StackedModule.lcn({n: t.clone() for n, t in stacked.items()}, resolved, n_features)
    # the layout conversion is exact and reversible
    for name, value in model.net.to_module_layout().items():
        assert torch.equal(value, stacked[name]), name
    g = torch.Generator().manual_seed(0)
    x = torch.randn(len(seeds), 7, n_features, generator=g)
    y = torch.randn(len(seeds), 7, 10, generator=g)
    model.step_grads(x, y)
    grads = type(model.net).to_module_layout(_with_params(model.net, [p.grad for p in model.params]))
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


def _with_params(net, params):
    clone = object.__new__(type(net))
    clone.__dict__.update(net.__dict__)
    clone.params = params
    return clone


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
