"""Neural-network hypothesis spaces (docs/method.md §4): batched ensembles against plain PyTorch training.

Tolerances: training runs in float32; the batched computation (bmm over members, fused Adam)
rounds differently from one network trained alone with autograd, and a few dozen optimiser steps
amplify rounding only mildly, so losses agree to 1e-4 relative (float32 epsilon is 1.2e-7); the
same member trained in different ensembles goes through the same per-member operations and is
compared at 1e-5 relative.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from inductive_bias import NeuralNetworks, Task, digits
from inductive_bias._random import member_seeds
from inductive_bias._validation import InputError
from inductive_bias.spaces.base import HypothesisSamples
from inductive_bias.spaces.neural import architectures
from inductive_bias.spaces.neural._ensemble import BatchedMLP, VmappedModule, train_chunk

SEEDS = [11, 22, 33, 44]


@pytest.fixture(scope="module")
def task():
    return digits(48, 40, seed=3)


def tiny(**options):
    settings = dict(hidden=(16,), epochs=2, batch_size=8)
    settings.update(options)
    return NeuralNetworks("mlp", **settings)


def plain_loop(task, seed, *, hidden, activation, optimizer, lr, epochs, batch_size):
    """One network trained the straightforward way, with torch's global generator (restored)."""
    X = torch.tensor(task.X_train, dtype=torch.float32)
    Y = torch.tensor(task.Y_train, dtype=torch.float32)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers, width = [], X.shape[1]
        for h in hidden:
            layers += [nn.Linear(width, h), architectures.ACTIVATIONS[activation]()]
            width = h
        model = nn.Sequential(*layers, nn.Linear(width, Y.shape[1]))
        opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(model.parameters(), lr=lr)
        for _ in range(epochs):
            perm = torch.randperm(len(X))
            for start in range(0, len(X), batch_size):
                idx = perm[start:start + batch_size]
                opt.zero_grad()
                F.mse_loss(model(X[idx]), Y[idx]).backward()
                opt.step()
    with torch.no_grad():
        pred = model(torch.tensor(task.X_test, dtype=torch.float32)).double().numpy()
    return float(np.mean((pred - task.Y_test) ** 2))


@pytest.mark.parametrize("activation,optimizer", [("relu", "adam"), ("tanh", "sgd"), ("gelu", "adam"),
                                                  ("sigmoid", "sgd")])
def test_members_match_plain_pytorch_training(task, activation, optimizer):
    # Same seed -> same initial weights and data order as the one-network loop, so the hand-written
    # batched forward/backward and the stacked optimiser must reproduce autograd's network.
    lr = 1e-3 if optimizer == "adam" else 0.05
    space = NeuralNetworks("mlp", hidden=(16, 12), activation=activation, optimizer=optimizer, lr=lr,
                           epochs=3, batch_size=10)
    members = space.train_members(task, SEEDS[:3])
    expected = [plain_loop(task, s, hidden=(16, 12), activation=activation, optimizer=optimizer, lr=lr,
                           epochs=3, batch_size=10) for s in SEEDS[:3]]
    np.testing.assert_allclose([m.test_loss for m in members], expected, rtol=1e-4)


@pytest.mark.parametrize("hidden,activation", [((), "relu"), ((8,), "identity")])
def test_linear_and_single_layer_models_match_plain_training(task, hidden, activation):
    space = NeuralNetworks("mlp", hidden=hidden, activation=activation, epochs=2, batch_size=16)
    members = space.train_members(task, SEEDS[:2])
    expected = [plain_loop(task, s, hidden=hidden, activation=activation, optimizer="adam", lr=1e-3, epochs=2,
                           batch_size=16) for s in SEEDS[:2]]
    np.testing.assert_allclose([m.test_loss for m in members], expected, rtol=1e-4)


def test_member_alone_equals_member_in_ensemble(task):
    together = tiny(chunk_size=4).train_members(task, SEEDS)
    for i, seed in enumerate(SEEDS):
        alone = tiny().train_members(task, [seed])[0]
        assert alone.seed == seed
        np.testing.assert_allclose(alone.test_loss, together[i].test_loss, rtol=1e-5)
        np.testing.assert_allclose(alone.train_loss, together[i].train_loss, rtol=1e-5)
    # chunking and the number of CPU workers do not change a member either
    space = tiny(chunk_size=3)
    space._cpu_workers = 1
    other = space.train_members(task, SEEDS)
    np.testing.assert_allclose([m.test_loss for m in other], [m.test_loss for m in together], rtol=1e-5)


def test_groups_sized_to_the_cache_do_not_change_members(task, monkeypatch):
    import inductive_bias.spaces.neural.space as neural_space

    # the group size follows the training state: 16 bytes a parameter with Adam, 8 with SGD
    mlp = NeuralNetworks("mlp", hidden=(256, 256))
    assert mlp._group_size(mlp._template(64, 10)) == (8 << 20) // (16 * 85002) == 6
    sgd = NeuralNetworks("mlp", hidden=(256, 256), optimizer="sgd")
    assert sgd._group_size(sgd._template(64, 10)) == 12
    lcn = NeuralNetworks("lcn")
    assert lcn._group_size(lcn._template(64, 10)) == 2                # 5.2 MB a member: the floor of 2
    # groups of 2 (a budget of two members' state) on one worker and on two: the members of one
    # batched computation of all five, each until it fits (members leave their group)
    state = 16 * sum(p.numel() for p in until_fit()._template(64, 10).parameters())
    seeds = SEEDS + [55]
    together = until_fit(chunk_size=5).train_members(task, seeds)
    monkeypatch.setattr(neural_space, "_CACHE_BUDGET", 2 * state)
    for workers in (1, 2):
        space = until_fit(chunk_size=5)
        assert space._group_size(space._template(64, 10)) == 2
        space._cpu_workers = workers
        grouped = space.train_members(task, seeds)
        assert [m.epochs for m in grouped] == [m.epochs for m in together]
        np.testing.assert_allclose([m.test_loss for m in grouped], [m.test_loss for m in together], rtol=1e-5)


def test_same_seed_same_numbers_and_global_rng_untouched(task):
    state = torch.random.get_rng_state()
    first = tiny().train_members(task, SEEDS[:2])
    second = tiny().train_members(task, SEEDS[:2])
    assert torch.equal(state, torch.random.get_rng_state())
    assert [m.test_loss for m in first] == [m.test_loss for m in second]
    assert first[0].test_loss != first[1].test_loss          # different seeds, different networks


def test_vmapped_module_matches_hand_written_mlp(task):
    # The generic torch.func path and the hand-written batched MLP train the same stacked members.
    template = architectures.build("mlp", 64, 10, architectures.resolve_options("mlp", {"hidden": (16,)}))
    params = []
    for seed in SEEDS[:3]:
        architectures.initialise(template, torch.Generator().manual_seed(seed))
        params.append({n: p.detach().clone() for n, p in template.named_parameters()})
    gens = lambda: [torch.Generator().manual_seed(s + 1) for s in SEEDS[:3]]  # noqa: E731
    stacked = {n: torch.stack([p[n] for p in params]) for n in params[0]}
    data = tuple(torch.tensor(a, dtype=torch.float32) for a in (task.X_train, task.Y_train, task.X_test, task.Y_test))
    kwargs = dict(epochs=2, optimizer="adam", lr=1e-3, batch_size=8, stop_train_mse=None)
    fast = train_chunk(BatchedMLP.from_modules({n: t.clone() for n, t in stacked.items()}, 2, "relu"), gens(), data, **kwargs)
    generic = train_chunk(VmappedModule(template, {n: t.clone() for n, t in stacked.items()}), gens(), data, **kwargs)
    torch.testing.assert_close(fast[1], generic[1], rtol=1e-4, atol=1e-5)


def test_losses_accuracy_and_predictions(task):
    members = tiny().train_members(task, SEEDS[:2], predictions=True)
    for m in members:
        pred = m.predictions
        assert pred.shape == (task.n_test, task.n_outputs)
        # docs/method.md §1: the mean over all m test points and k outputs, not a mean of batch means
        assert math.isclose(m.test_loss, float(np.mean((pred - task.Y_test) ** 2)), rel_tol=1e-12)
        assert m.test_accuracy == pytest.approx(np.mean(pred.argmax(1) == task.Y_test.argmax(1)))
        assert 0 < m.train_loss < np.inf and m.seconds > 0
    assert tiny().train_members(task, SEEDS[:1])[0].predictions is None


def test_regression_task_has_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, -2.0, 0.5]
    reg = Task.from_arrays(X[:20], y[:20], X[20:], y[20:])
    (member,) = tiny().train_members(reg, [5])
    assert member.test_accuracy is None and np.isfinite(member.test_loss)


def test_stop_train_mse_stops_at_the_first_epoch_that_fits(task):
    # A member stops after the first epoch whose training MSE is <= the threshold: it must equal
    # the same member trained for exactly that many epochs (its data order is the same).
    by_epochs = {e: tiny(epochs=e).train_members(task, SEEDS) for e in (1, 2, 3, 4)}
    curves = np.array([[m.train_loss for m in by_epochs[e]] for e in (1, 2, 3, 4)])   # (epochs, members)
    threshold = float(np.median(curves[1:3]))
    assert not np.any(np.isclose(curves, threshold, rtol=1e-3))                      # no borderline case
    fits = curves <= threshold
    stop_at = [int(np.argmax(fits[:, i])) + 1 if fits[:, i].any() else 4 for i in range(len(SEEDS))]
    assert len(set(stop_at)) > 1                                                     # members stop apart
    stopped = tiny(epochs=4, stop_train_mse=threshold).train_members(task, SEEDS)
    expected = [by_epochs[e][i].test_loss for i, e in enumerate(stop_at)]
    np.testing.assert_allclose([m.test_loss for m in stopped], expected, rtol=1e-5)


def test_sample_and_progress(task):
    calls = []
    members = tiny(chunk_size=2).train_members(task, SEEDS[:3], progress=calls.append)
    assert calls == [2, 3] and len(members) == 3
    samples = tiny().sample(task, n=3, seed=7)
    assert isinstance(samples, HypothesisSamples) and samples.losses.shape == (3,)
    assert list(samples.seeds) == member_seeds(7, 0, 3)


def test_spec_is_json_and_excludes_device_and_chunk_size():
    spec = NeuralNetworks("mlp", hidden=(32, 16), chunk_size=3, device="cpu").spec()
    assert json.loads(json.dumps(spec)) == spec
    assert spec["space"] == "mlp" and spec["hidden"] == [32, 16] and spec["activation"] == "relu"
    assert {"optimizer", "lr", "epochs", "batch_size", "stop_train_mse"} <= set(spec)
    assert "device" not in spec and "chunk_size" not in spec
    assert spec == NeuralNetworks("mlp", hidden=(32, 16)).spec()
    assert NeuralNetworks("cnn").spec()["channels"] == [16, 32]


@pytest.mark.parametrize("architecture", ["cnn", "lcn", "vit"])
def test_image_architectures_train_and_learn(task, architecture):
    options = {"cnn": dict(channels=(4,)), "lcn": dict(channels=(4,)), "vit": dict(dim=8, depth=1, heads=2, mlp_dim=8)}
    space = NeuralNetworks(architecture, epochs=3, batch_size=8, lr=3e-3, **options[architecture])
    members = space.train_members(task, SEEDS[:2])
    alone = space.train_members(task, SEEDS[1:2])[0]
    assert alone.test_loss == pytest.approx(members[1].test_loss, rel=1e-5)
    # training makes progress: each member fits better after 3 epochs than after 1
    first = NeuralNetworks(architecture, epochs=1, batch_size=8, lr=3e-3, **options[architecture])
    assert all(m.train_loss < f.train_loss for m, f in zip(members, first.train_members(task, SEEDS[:2])))


def test_locally_connected_layer_with_shared_filters_is_a_convolution():
    conv = nn.Conv2d(2, 3, 3, padding=1)
    local = architectures.LocallyConnected2d(2, 3, 5, 4, 3)
    with torch.no_grad():
        local.weight.copy_(conv.weight.reshape(1, 3, -1).expand(20, -1, -1))
        local.bias.copy_(conv.bias.expand(20, -1))
    x = torch.randn(6, 2, 5, 4, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(local(x), conv(x), rtol=1e-5, atol=1e-6)


def test_custom_factory(task):
    def factory(d, k):
        return nn.Sequential(nn.Linear(d, 8), nn.Tanh(), nn.LayerNorm(8), nn.Linear(8, k))

    space = NeuralNetworks(factory, epochs=2, batch_size=8)
    assert space.spec()["space"] == "custom"
    members = space.train_members(task, SEEDS[:2])
    again = space.train_members(task, SEEDS[1:2])
    assert again[0].test_loss == pytest.approx(members[1].test_loss, rel=1e-5)


def test_image_shape_inferred_or_required():
    assert architectures.image_shape_for(64, None) == (1, 8, 8)
    assert architectures.image_shape_for(12, (3, 2, 2)) == (3, 2, 2)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 10))
    odd = Task.from_arrays(X[:10], np.arange(10) % 2, X[10:], np.arange(10) % 2)
    with pytest.raises(InputError, match="image_shape"):
        NeuralNetworks("cnn", epochs=1).train_members(odd, [0])
    with pytest.raises(InputError, match="image_shape"):
        NeuralNetworks("cnn", image_shape=(1, 3, 3), epochs=1).train_members(odd, [0])
    with pytest.raises(InputError, match="image_shape"):
        NeuralNetworks("cnn", image_shape=(1, 3))


@pytest.mark.parametrize("kwargs,argument", [
    (dict(architecture="resnet"), "architecture"),
    (dict(epochs=0), "epochs"),
    (dict(epochs=2.5), "epochs"),
    (dict(lr=-1e-3), "lr"),
    (dict(lr=0), "lr"),
    (dict(batch_size=0), "batch_size"),
    (dict(optimizer="rmsprop"), "optimizer"),
    (dict(activation="swish"), "activation"),
    (dict(architecture="cnn", hidden=(8,)), "hidden"),
    (dict(architecture="mlp", channels=(8,)), "channels"),
    (dict(device="tpu"), "device"),
    (dict(chunk_size=0), "chunk_size"),
    (dict(stop_train_mse=-1.0), "stop_train_mse"),
    (dict(epochs=5, max_epochs=10), "max_epochs"),
    (dict(epochs=5, fit_fraction=0.1), "fit_fraction"),
    (dict(max_epochs=0), "max_epochs"),
    (dict(fit_fraction=0.0), "fit_fraction"),
])
def test_bad_settings_name_the_argument(kwargs, argument):
    with pytest.raises(InputError) as error:
        NeuralNetworks(**kwargs)
    assert error.value.argument == argument
    assert "\n" not in str(error.value)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_gpu_is_refused():
    with pytest.raises(InputError, match="device"):
        NeuralNetworks(device="cuda")


@pytest.mark.parametrize("factory,detail", [
    (lambda d, k: nn.Linear(d, k + 1), "outputs"),
    (lambda d, k: nn.Sequential(nn.Linear(d, 8), nn.BatchNorm1d(8), nn.Linear(8, k)), "running statistics"),
    (lambda d, k: nn.Sequential(nn.Linear(d, 8), nn.Dropout(0.5), nn.Linear(8, k)), "dropout"),
    (lambda d, k: "not a module", "nn.Module"),
])
def test_bad_models_are_refused(task, factory, detail):
    with pytest.raises(InputError, match=detail) as error:
        NeuralNetworks(factory, epochs=1).train_members(task, [0])
    assert error.value.argument == "architecture"


def test_bad_seeds_and_task(task):
    with pytest.raises(InputError, match="seeds"):
        tiny().train_members(task, [-1])
    with pytest.raises(InputError, match="task"):
        tiny().train_members("digits", [0])
    assert tiny().train_members(task, []) == []


# -- training until fit (docs/method.md §8) -----------------------------------------------------------------
def until_fit(**options):
    settings = dict(hidden=(64,), batch_size=8, lr=3e-3, max_epochs=400)
    if options.get("epochs") is not None:
        del settings["max_epochs"]      # a fixed epoch count: the same member, without stopping
    settings.update(options)
    return NeuralNetworks("mlp", **settings)


def test_default_trains_each_member_until_it_fits(task):
    from inductive_bias._fit_rule import target_variance

    threshold = 0.01 * target_variance(task)
    members = until_fit().train_members(task, SEEDS)
    assert all(m.train_loss <= threshold for m in members)
    epochs = [m.epochs for m in members]
    assert len(set(epochs)) > 1 and max(epochs) < 400        # members stop apart, within the budget
    # each stopped at the first epoch that fits: the same member trained for exactly that many
    # epochs, and one fewer, by the fixed-epoch road (another computation: no stopping at all)
    for i in (0, 1):
        seed, e = SEEDS[i], epochs[i]
        exact = until_fit(epochs=e).train_members(task, [seed])[0]
        before = until_fit(epochs=e - 1).train_members(task, [seed])[0] if e > 1 else None
        np.testing.assert_allclose(exact.test_loss, members[i].test_loss, rtol=1e-5)
        assert exact.train_loss <= threshold * (1 + 1e-5)
        assert before is None or before.train_loss > threshold


def test_members_that_stop_leave_the_others_unchanged(task):
    # members of one chunk stop at different epochs and leave the computation (with their Adam
    # moments); those that go on must be the members each would be trained alone
    together = until_fit(chunk_size=4).train_members(task, SEEDS)
    for i, seed in enumerate(SEEDS):
        alone = until_fit().train_members(task, [seed])[0]
        assert alone.epochs == together[i].epochs
        np.testing.assert_allclose(alone.test_loss, together[i].test_loss, rtol=1e-5)


def test_until_fit_through_the_vmapped_road_matches_the_batched_mlp(task):
    template = architectures.build("mlp", 64, 10, architectures.resolve_options("mlp", {"hidden": (64,)}))
    stacked_params = []
    for s in SEEDS:
        architectures.initialise(template, torch.Generator().manual_seed(s))
        stacked_params.append({k: v.detach().clone() for k, v in template.named_parameters()})
    stacked = {k: torch.stack([p[k] for p in stacked_params]) for k in stacked_params[0]}
    data = tuple(torch.tensor(a, dtype=torch.float32) for a in (task.X_train, task.Y_train, task.X_test, task.Y_test))
    threshold = 0.01 * float(np.mean(np.var(task.Y_train, axis=0)))
    kwargs = dict(epochs=400, optimizer="adam", lr=3e-3, batch_size=8, stop_train_mse=threshold)
    gens = lambda: [torch.Generator().manual_seed(s) for s in SEEDS]   # noqa: E731
    a = train_chunk(BatchedMLP.from_modules({k: v.clone() for k, v in stacked.items()}, 2, "relu"), gens(), data,
                    **kwargs)
    b = train_chunk(VmappedModule(template, {k: v.clone() for k, v in stacked.items()}), gens(), data, **kwargs)
    assert torch.equal(a[2], b[2]) and len(set(a[2].tolist())) > 1
    torch.testing.assert_close(a[1], b[1], rtol=1e-4, atol=1e-5)


def test_epoch_budget_and_spec(task):
    space = until_fit(max_epochs=1)
    members = space.train_members(task, SEEDS[:2])
    assert [m.epochs for m in members] == [1, 1]
    spec = space.spec()
    assert spec["epochs"] is None and spec["max_epochs"] == 1 and spec["fit_fraction"] == 0.01
    # a fixed epoch count keeps the identity it had before (no until-fit keys)
    assert "max_epochs" not in tiny().spec() and "fit_fraction" not in tiny().spec()
    # a looser fit_fraction stops sooner
    loose = until_fit(fit_fraction=0.2).train_members(task, SEEDS)
    tight = until_fit().train_members(task, SEEDS)
    assert all(a.epochs <= b.epochs for a, b in zip(loose, tight))
    assert any(a.epochs < b.epochs for a, b in zip(loose, tight))


@pytest.mark.filterwarnings("ignore::inductive_bias.exceptions.ExtrapolationWarning")
def test_measure_uses_fitting_members_and_refuses_a_figure_when_too_few_fit(task):
    from inductive_bias import measure

    fitted = measure(task, until_fit(), [0.05], hypotheses=6, n_bootstrap=20, seed=1)
    assert fitted.members.fitted_only and fitted.members.members_fit == 6 and np.isfinite(fitted.bits[0])
    starved = measure(task, until_fit(max_epochs=1), [0.05], hypotheses=6, n_bootstrap=20, seed=1)
    assert starved.members.members_fit == 0 and math.isnan(starved.bits[0])
    assert "only 0 of 6 members fit" in starved.results[0].reason and not starved.results[0].reliable
    # asked for every member, the estimate is made (and says the members do not fit)
    every = measure(task, until_fit(max_epochs=1), [0.05], hypotheses=6, n_bootstrap=20, seed=1, fitted_only=False)
    assert np.isfinite(every.bits[0]) and every.members.fit_share == 0.0
    # fixed-epoch spaces keep every member unless asked
    assert not measure(task, tiny(), [0.05], hypotheses=4, n_bootstrap=20).members.fitted_only


@pytest.mark.parametrize("fused", [True, False])
def test_stacked_adam_is_torch_adam_to_the_bit(fused):
    # StackedAdam calls the kernel torch.optim.Adam uses (fused, or foreach where the fused kernel
    # has no CPU version); same state, same numbers, including after members are dropped
    from inductive_bias.spaces.neural._ensemble import StackedAdam, _fused_adam_available

    if fused and not _fused_adam_available():
        pytest.skip(f"torch {torch.__version__} has no fused Adam on the CPU (needs >= 2.4)")
    g = torch.Generator().manual_seed(0)
    shapes = [(5, 7, 3), (5, 1, 3), (5, 3, 2)]
    ours = [torch.randn(s, generator=g) for s in shapes]
    theirs = [p.clone() for p in ours]
    opt = StackedAdam(ours, 1e-2, fused=fused)
    reference = torch.optim.Adam(theirs, lr=1e-2, **({"fused": True} if fused else {"foreach": True}))
    _step_both(opt, reference, ours, theirs, 4, g)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))
    # members 0, 2 and 4 go on alone: the same numbers as when they go on with the others
    keep = torch.tensor([0, 2, 4])
    alone = [p[keep].clone() for p in ours]
    opt_alone = opt.select(alone, lambda tensors: [t[keep].clone() for t in tensors])
    grads = [torch.randn(p.shape, generator=g) for p in ours]
    for p, q, grad in zip(ours, alone, grads):
        p.grad, q.grad = grad, grad[keep].clone()
    opt.step()
    opt_alone.step()
    assert all(torch.equal(p[keep], q) for p, q in zip(ours, alone))
    # moments that do not match their parameters are refused before the kernel reads them
    with pytest.raises(RuntimeError, match="do not match"):
        opt.select(alone, lambda tensors: [t[:2].clone() for t in tensors])


def test_stacked_sgd_is_torch_sgd_to_the_bit():
    from inductive_bias.spaces.neural._ensemble import StackedSGD

    g = torch.Generator().manual_seed(1)
    ours = [torch.randn(4, 6, 5, generator=g), torch.randn(4, 1, 5, generator=g)]
    theirs = [p.clone() for p in ours]
    _step_both(StackedSGD(ours, 0.3), torch.optim.SGD(theirs, lr=0.3), ours, theirs, 3, g)
    assert all(torch.equal(a, b) for a, b in zip(ours, theirs))


def _step_both(opt, reference, ours, theirs, steps, generator):
    """``steps`` steps of both optimizers on the same random gradients."""
    for _ in range(steps):
        for a, b in zip(ours, theirs):
            a.grad = torch.randn(a.shape, generator=generator)
            b.grad = a.grad.clone()
        opt.step()
        reference.step()


def test_full_batch_until_fit_stops_where_the_epoch_by_epoch_check_stops(task, monkeypatch):
    # Full batch: the fit check is the forward pass of the next step, confirmed by the separate
    # predictions. The members must be, to the bit, those of the separate check after every
    # epoch (same chunk, so the same batched products); each stops at the first epoch that fits
    # (not one epoch earlier), and members stop apart.
    from inductive_bias._fit_rule import target_variance
    from inductive_bias.spaces.neural import _ensemble

    task = Task.from_arrays(task.X_train / 16, task.Y_train.argmax(1), task.X_test / 16, task.Y_test.argmax(1))
    threshold = 0.01 * target_variance(task)
    full = dict(batch_size="full", lr=1e-2, chunk_size=4)
    fused = until_fit(**full).train_members(task, SEEDS, predictions=True)
    monkeypatch.setattr(_ensemble, "_FULL_BATCH_CHECK_IN_STEP", False)
    separate = until_fit(**full).train_members(task, SEEDS, predictions=True)
    epochs = [m.epochs for m in fused]
    assert all(m.train_loss <= threshold for m in fused) and len(set(epochs)) > 1
    for a, b in zip(fused, separate):
        assert (a.epochs, a.test_loss, a.train_loss) == (b.epochs, b.test_loss, b.train_loss)
        np.testing.assert_array_equal(a.predictions, b.predictions)
    for i, seed in enumerate(SEEDS[:2]):
        before = until_fit(epochs=epochs[i] - 1, **full).train_members(task, [seed])[0]
        exact = until_fit(epochs=epochs[i], **full).train_members(task, [seed])[0]
        assert before.train_loss > threshold
        np.testing.assert_allclose(exact.test_loss, fused[i].test_loss, rtol=1e-5)
