"""Neural-network hypothesis spaces: networks trained from random seeds (docs/method.md §4)."""

from __future__ import annotations

import copy
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from ..._cpu import usable_cores
from ..._fit_rule import fit_threshold, target_variance
from ...exceptions import InputError
from ...tasks import Task
from .._images import read_images
from ..base import Member, MemberSpace
from . import architectures as _arch
from ._ensemble import BatchedMLP, VmappedModule, train_chunk
from ._locally_connected import BatchedLCN
from .parameters import TRAINING_DEFAULTS as _DEFAULT
from .parameters import NTK_PARAMETERS, TRAINING_PARAMETERS

__all__ = ["NeuralNetworks"]

_CPU_CHUNK_PER_WORKER = 16  # members per CPU worker in a chunk (see benchmarks/nn_throughput.md)
_MEMORY_BUDGET = 2 << 30   # bytes a chunk may use on a CPU; on a GPU half the free memory
# Bytes of training state (parameters, gradients, optimizer moments) of one batched computation on
# a CPU: the state is streamed once per step, and a step runs ~20 % faster per member while it
# stays in the last-level cache (digits MLP 64-256-256-10: 6 members 61 GFLOP/s, 16 members 50;
# benchmarks/nn_throughput.md).
_CACHE_BUDGET = 8 << 20


class NeuralNetworks(MemberSpace):
    """Networks of one architecture trained on the task, one seed per member (docs/method.md §4).

    A hypothesis is a network initialised and shown the training data in an order drawn from its
    seed, trained with ``optimizer`` on the MSE to the (one-hot) targets until it fits the training
    data (docs/method.md §4, §8: training MSE at most ``fit_fraction`` of the training targets' variance),
    within ``max_epochs`` epochs; or, where ``epochs`` is given, for exactly that many epochs. Its
    loss is the test MSE over the whole test set and all outputs (docs/method.md §1). A member that does not
    fit within the budget is kept, with its training loss, and reported as not fitting (it is not
    a sample of the space, docs/method.md §8). Members of one space are
    trained together as a batched ensemble, ``chunk_size`` at a time; a member's numbers depend on
    its seed alone, not on which members it was trained with (to float rounding).

    Parameters
    ----------
    architecture : {"mlp", "cnn", "lcn", "vit"} or callable, default "mlp"
        A built-in architecture (see :mod:`.architectures`), or a factory
        ``(n_features, n_outputs) -> torch.nn.Module`` mapping ``(batch, n_features)`` to
        ``(batch, n_outputs)``. Modules must be stateless (no BatchNorm running statistics, no
        dropout). A factory's own initialisation is used: it is called with torch's global
        generator seeded from the member seed inside ``torch.random.fork_rng``, which restores
        the caller's generator state afterwards.
    hidden : sequence of int, default (256, 256)
        Hidden widths of ``"mlp"``.
    activation : {"relu", "tanh", "sigmoid", "gelu", "identity"}, default "relu" ("gelu" for vit)
    optimizer : {"adam", "sgd"}, default "adam" ("sgd" with ``parameterization="ntk"``)
        PyTorch's Adam (betas 0.9, 0.999, eps 1e-8) or plain SGD.
    lr : float, default 1e-3
    epochs : int or None, default None
        None: train each member until it fits (see ``fit_fraction``, ``stop_train_mse``), at most
        ``max_epochs`` passes. An int: exactly this many passes over the training data (each in a
        fresh order; a partial last batch is kept), stopping earlier only at ``stop_train_mse``.
    max_epochs : int, default 1000
        The epoch budget of training until fit (``epochs=None``; an error with ``epochs``).
    fit_fraction : float, default 0.01
        Training until fit stops a member once its training MSE is at most this fraction of the
        variance of the training targets (docs/method.md §8: 0.01, R² >= 0.99); ``measure`` applies the same
        rule to decide which members fit.
    batch_size : int or "full", default 32 ("full" with ``parameterization="ntk"``)
        Rows per step; "full": the whole training set (full-batch gradient descent).
    stop_train_mse : float or None, default None
        Stop a member after the first epoch at whose end its training MSE is <= this (an absolute
        threshold; with ``epochs=None`` it replaces the ``fit_fraction`` rule).
    parameterization : {"standard", "ntk"}, default "standard"
        "ntk" (``mlp`` and ``cnn``, layer lists included): the NTK parameterisation of docs/method.md §7, weights and biases drawn
        N(0, 1), each layer ``σ_w/sqrt(fan_in) · W x + σ_b · b``. With the defaults sgd and
        full batch, members are networks trained by gradient descent, which approach the ``ntk``
        law of docs/method.md §7 as the width grows (gradient descent on the mean MSE is stable for ``lr``
        below ``n_train * n_outputs / λ_max(Θ)``, Θ the NTK Gram matrix of the training inputs).
    weight_var, bias_var : float, default 2.0 and 0.1
        σ_w² and σ_b² of the NTK parameterisation (docs/method.md §7); only with ``parameterization="ntk"``.
    device : str, default "cpu"
        "cpu", "cuda" or "cuda:N". Does not change which hypotheses are drawn.
    chunk_size : int or None, default None
        Members trained in one call (then reported and committed together); None chooses a size
        that fits memory. On a CPU each worker trains its share of a chunk in groups whose
        training state fits the cache (:meth:`_group_size`); on a GPU a chunk is one computation.
    compile : bool, default False
        ``cnn``, ``vit`` and model factories: the batched gradient computation through
        ``torch.compile`` (a one-time compilation of about half a minute per batch shape; a
        ``vit`` step measured 1.7-2x faster on the development CPU, benchmarks/nn_throughput.md).
        Not part of the identity: members agree with the uncompiled ones to float32 rounding.
    **architecture_options
        ``cnn``/``lcn``: ``channels=(16, 32)``, ``kernel_size=3``; ``cnn``: ``readout="flatten"``
        (or ``"gap"``), or ``layers`` (a preset such as ``"myrtle5"`` or a layer string of the
        infinite-width spaces, replacing channels, kernel size, activation and read-out: the
        finite twin of that network, docs/method.md §7.7) with ``width=32`` channels per hidden
        layer; ``vit``: ``patch_size=2``, ``dim=32``, ``depth=2``, ``heads=4``, ``mlp_dim=64``;
        image architectures: ``image_shape=(C, H, W)`` (default: the task's recorded image shape,
        read channel-first as the infinite-width spaces read it, else a square single-channel
        image).

    Examples
    --------
    >>> from inductive_bias import NeuralNetworks, digits
    >>> space = NeuralNetworks("mlp", hidden=(64,), max_epochs=200)
    >>> samples = space.sample(digits(200, 200), n=8, seed=0)
    >>> samples.losses.shape
    (8,)
    """

    def __init__(self, architecture="mlp", hidden=None, activation=None, optimizer: str | None = None,
                 lr: float = _DEFAULT["lr"], epochs: int | None = None, batch_size: int | str | None = None,
                 stop_train_mse: float | None = None, device: str = _DEFAULT["device"], chunk_size: int | None = None,
                 max_epochs: int | None = None, fit_fraction: float | None = None,
                 parameterization: str = _DEFAULT["parameterization"], weight_var: float | None = None,
                 bias_var: float | None = None, compile: bool = _DEFAULT["compile"], **architecture_options):
        if callable(architecture):
            if architecture_options or hidden is not None or activation is not None:
                given = sorted(architecture_options) or (["hidden"] if hidden is not None else ["activation"])
                raise InputError(given[0], "architecture options apply to built-in architectures; "
                                           "a model factory takes none")
            self.options = {}
            self.name = "custom"
        else:
            if not isinstance(architecture, str) or architecture not in _arch.ARCHITECTURES:
                raise InputError("architecture", f"must be one of {', '.join(_arch.ARCHITECTURES)} or a callable "
                                                 f"(n_features, n_outputs) -> torch.nn.Module; got {architecture!r}")
            if hidden is not None:
                if architecture != "mlp":
                    raise InputError("hidden", f"is an option of architecture 'mlp', not {architecture!r}")
                architecture_options["hidden"] = hidden
            if activation is not None:
                architecture_options["activation"] = activation
            self.options = _arch.resolve_options(architecture, architecture_options)
            self.name = architecture
        self.architecture = architecture
        # each value checked by its declaration (.parameters); None: the declared default (None is
        # how the command line and experiments say "not given")
        declared = {p.name: p for p in TRAINING_PARAMETERS + NTK_PARAMETERS}
        self.parameterization = declared["parameterization"].check(parameterization)
        self.ntk = _check_ntk(architecture, self.parameterization, weight_var, bias_var)
        full_batch = self.ntk is not None
        self.optimizer = declared["optimizer"].check(("sgd" if full_batch else "adam") if optimizer is None
                                                     else optimizer)
        self.lr = declared["lr"].check(lr)
        self.epochs = None if epochs is None else declared["epochs"].check(epochs)
        if self.epochs is not None:
            for name, value in (("max_epochs", max_epochs), ("fit_fraction", fit_fraction)):
                if value is not None:
                    raise InputError(name, f"applies to training until fit; epochs={self.epochs} fixes the number "
                                           "of epochs (leave one of them out)")
        self.max_epochs = declared["max_epochs"].check(_DEFAULT["max_epochs"] if max_epochs is None else max_epochs)
        self.fit_fraction = declared["fit_fraction"].check(_DEFAULT["fit_fraction"] if fit_fraction is None
                                                           else fit_fraction)
        self.batch_size = declared["batch_size"].check(("full" if full_batch else 32) if batch_size is None
                                                       else batch_size)
        self.stop_train_mse = None if stop_train_mse is None else declared["stop_train_mse"].check(stop_train_mse)
        self.device = _check_device(device)
        self.chunk_size = None if chunk_size is None else declared["chunk_size"].check(chunk_size)
        self.compile = declared["compile"].check(compile)
        if compile and architecture in ("mlp", "lcn"):
            raise InputError("compile", f"applies to cnn, vit and model factories; {architecture!r} has a "
                                        f"hand-written batched computation")
        self._cpu_workers = None   # None: one per core (see _workers); benchmarks set it to compare

    # -- identity ---------------------------------------------------------------------------------
    def spec(self) -> dict:
        """JSON-ready identity of the hypothesis distribution (not device or chunk size, which do
        not change the hypotheses drawn)."""
        if callable(self.architecture):
            factory = self.architecture
            ident = {"space": "custom",
                     "factory": f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', repr(factory))}"}
        else:
            ident = {"space": self.architecture,
                     **{k: list(v) if isinstance(v, tuple) else v for k, v in _identity(self.options).items()}}
        if self.ntk is not None:
            ident.update(parameterization="ntk", weight_var=self.ntk[0], bias_var=self.ntk[1])
        # a fixed epoch count keeps the identity it had before training until fit existed
        until_fit = {} if self.epochs is not None else {"max_epochs": self.max_epochs,
                                                         "fit_fraction": self.fit_fraction}
        return {**ident, "optimizer": self.optimizer, "lr": self.lr, "epochs": self.epochs, **until_fit,
                "batch_size": self.batch_size, "stop_train_mse": self.stop_train_mse,
                "loss": "mse", "precision": "float32"}

    def stopping_rule(self, task: Task) -> tuple[int, float | None]:
        """(the most epochs a member trains, the training MSE at which it stops) on ``task``:
        ``(epochs, stop_train_mse)`` for a fixed count, else ``(max_epochs, stop_train_mse or
        fit_fraction * variance of the training targets)`` (docs/method.md §8)."""
        if self.epochs is not None:
            return self.epochs, self.stop_train_mse
        return self.max_epochs, fit_threshold(self.spec(), target_variance(task))[0]

    def __repr__(self) -> str:
        return f"NeuralNetworks({self.spec()})"

    # -- training ---------------------------------------------------------------------------------
    def train_members(self, task, seeds, *, predictions: bool = False, progress=None) -> list[Member]:
        """Train one member per seed (initialisation and data order from that seed).

        Parameters
        ----------
        task : Task
        seeds : sequence of int >= 0
        predictions : bool, default False
            Keep each member's test predictions ``(m, k)``.
        progress : callable or None
            Called with the number of members done after each chunk.

        Returns
        -------
        list of Member, in the order of ``seeds``. ``seconds`` is the chunk's wall time divided by
        its size (members train together).
        """
        if not isinstance(task, Task):
            raise InputError("task", f"must be a Task; got {type(task).__name__}")
        seeds = _check_seeds(seeds)
        if not seeds:
            return []
        d, k = task.n_features, task.n_outputs
        options, X_train, X_test = self._task_inputs(task)
        template = self._template(d, k, options)
        chunk = self.chunk_size or self._default_chunk(template, task)
        device = torch.device(self.device)
        data = tuple(torch.tensor(np.asarray(a, dtype=np.float32), device=device)
                     for a in (X_train, task.Y_train, X_test, task.Y_test))
        workers = self._workers()
        epochs, stop = self.stopping_rule(task)
        members: list[Member] = []
        with _threads(1 if workers > 1 else None):
            for first in range(0, len(seeds), chunk):
                start = time.perf_counter()
                part = seeds[first:first + chunk]
                size = min(-(-len(part) // workers), self._group_size(template))
                jobs = [self._stack(template, part[i:i + size], task, device, own_module=workers > 1,
                                    options=options)
                        for i in range(0, len(part), size)]

                def train(job):
                    model, generators = job
                    return train_chunk(model, generators, data, epochs=epochs, optimizer=self.optimizer, lr=self.lr,
                                       batch_size=self._rows_per_step(task), stop_train_mse=stop)

                if workers == 1 or len(jobs) == 1:
                    results = [train(job) for job in jobs]
                else:
                    with ThreadPoolExecutor(min(workers, len(jobs))) as pool:
                        results = list(pool.map(train, jobs))
                train_pred = torch.cat([r[0] for r in results])
                test_pred = torch.cat([r[1] for r in results])
                epochs_trained = torch.cat([r[2] for r in results]).tolist()
                members += self._members(task, part, train_pred, test_pred, predictions,
                                         (time.perf_counter() - start) / len(part), epochs_trained)
                if progress is not None:
                    progress(len(members))
        return members

    def _task_inputs(self, task):
        """(options with the image shape resolved, X_train, X_test): an image architecture reads the
        task's rows as flat channel-first images of the shape the task records, else of
        ``image_shape``, else square of one channel (:func:`.._images.read_images`, the reading
        the infinite-width spaces share, so that a twin sees the images its kernel sees)."""
        if callable(self.architecture) or "image_shape" not in self.options:
            return self.options, task.X_train, task.X_test
        X_train, X_test, shape = read_images(task, image_shape=self.options["image_shape"], argument="image_shape",
                                             remedy=_arch.IMAGE_SHAPE_REMEDY)
        return {**self.options, "image_shape": shape}, X_train, X_test

    def _rows_per_step(self, task) -> int:
        return task.n_train if self.batch_size == "full" else self.batch_size

    def _workers(self) -> int:
        """Independent single-threaded trainers on a CPU, one per core (each takes a share of a
        chunk; they need no synchronisation, unlike one multi-threaded computation, which loses
        much to waiting on a shared machine); one on a GPU."""
        if self.device != "cpu":
            return 1
        return self._cpu_workers if self._cpu_workers is not None else usable_cores()

    def _members(self, task, seeds, train_pred, test_pred, keep, seconds, epochs_trained):
        test = test_pred.detach().to("cpu", torch.float64).numpy()
        train = train_pred.detach().to("cpu", torch.float64).numpy()
        test_loss, train_loss, accuracy = task.score(train, test)
        return [Member(seed=int(s), test_loss=float(test_loss[i]), train_loss=float(train_loss[i]),
                       test_accuracy=None if accuracy is None else float(accuracy[i]), seconds=seconds,
                       predictions=test[i] if keep else None, epochs=int(epochs_trained[i]))
                for i, s in enumerate(seeds)]

    # -- members ----------------------------------------------------------------------------------
    def _template(self, n_features: int, n_outputs: int, options: dict | None = None) -> nn.Module:
        """One module of the architecture, checked: stateless, and (batch, k) outputs (``options``:
        the architecture's, the image shape resolved for the task; default the space's own)."""
        options = self.options if options is None else options
        if callable(self.architecture):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                module = self.architecture(n_features, n_outputs)
            if not isinstance(module, nn.Module):
                raise InputError("architecture", f"the factory must return a torch.nn.Module; got {type(module).__name__}")
        else:
            _arch.check_size(self.architecture, n_features, n_outputs, options)
            with torch.device("meta"):       # allocate without drawing from torch's global generator
                module = _arch.build(self.architecture, n_features, n_outputs, options, ntk=self.ntk)
            _arch.check_parameters(self.architecture, sum(p.numel() for p in module.parameters()), options)
            module = module.to_empty(device="cpu")
            _arch.initialise(module, torch.Generator().manual_seed(0))
        _check_stateless(module)
        if not any(True for _ in module.parameters()):
            raise InputError("architecture", "the model has no parameters to train")
        with torch.no_grad():
            out = module(torch.zeros(2, n_features))
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != (2, n_outputs):
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise InputError("architecture", f"the model maps (batch, {n_features}) inputs to {shape}; "
                                             f"the task needs (batch, {n_outputs}) outputs (k = {n_outputs})")
        return module

    def _init_member(self, template: nn.Module, seed: int, n_features: int, n_outputs: int):
        """(parameters by name, generator positioned after the initialisation) of one member."""
        generator = torch.Generator().manual_seed(seed)
        if callable(self.architecture):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(seed)
                module = self.architecture(n_features, n_outputs)
        else:
            module = template
            _arch.initialise(module, generator)
        return {name: p.detach().clone() for name, p in module.named_parameters()}, generator

    def _stack(self, template, seeds, task: Task, device, own_module: bool = False, options: dict | None = None):
        """Stacked initial parameters of the members ``seeds`` and their generators, which go on
        to draw each member's data orders (``options`` as for :meth:`_template`)."""
        options = self.options if options is None else options
        n_features, n_outputs = task.n_features, task.n_outputs
        per_member, generators = [], []
        for seed in seeds:
            params, generator = self._init_member(template, seed, n_features, n_outputs)
            per_member.append(params)
            generators.append(generator)
        stacked = {name: torch.stack([p[name] for p in per_member]).to(device) for name in per_member[0]}
        if self.architecture == "mlp":
            scales = (None if self.ntk is None else
                      [(m.weight_scale, m.bias_scale) for m in template if isinstance(m, _arch.NTKLinear)])
            return BatchedMLP.from_modules(stacked, len(self.options["hidden"]) + 1, self.options["activation"],
                                           scales), generators
        if self.architecture == "lcn":
            return BatchedLCN.from_modules(stacked, options, n_features), generators
        if callable(self.architecture):
            model = self._template(n_features, n_outputs)
        else:
            model = copy.deepcopy(template) if own_module else template
        return VmappedModule(model.to(device), stacked, compile=self.compile), generators

    def _group_size(self, template: nn.Module) -> int:
        """Members per batched computation. On a CPU, as many as keep their training state
        (parameters and gradients, and Adam's two moments: 8 or 16 bytes a parameter) within
        ``_CACHE_BUDGET``, and at least 2 (a computation of one member pays the batched step's
        fixed costs alone: the digits MLP trained 30.1 members/s alone, 36.0 in pairs; ``lcn``,
        5.2 MB a member, the same within the noise); a worker trains its share of a chunk group
        after group. On a GPU, the whole chunk."""
        if self.device != "cpu":
            return sys.maxsize
        n_params = sum(p.numel() for p in template.parameters())
        state = (16 if self.optimizer == "adam" else 8) * n_params
        return max(2, _CACHE_BUDGET // state)

    def _default_chunk(self, template: nn.Module, task: Task) -> int:
        """Members per chunk (trained in one call, then reported and committed together): 16 per
        CPU worker, bounded by memory; on a GPU one batched computation, half the free memory."""
        n_params = sum(p.numel() for p in template.parameters())
        activations = _activation_size(template, task.n_features)
        # parameters, gradients, two Adam moments, a copy; activations of a batch and of an
        # evaluation block (kept for the backward pass: x2); its predictions on both sets.
        per_member = 4 * (5 * n_params + 2 * activations * max(self._rows_per_step(task), 1024)
                          + (task.n_train + task.n_test) * task.n_outputs)
        if self.device.startswith("cuda"):
            free, _ = torch.cuda.mem_get_info(torch.device(self.device))
            return max(1, int(0.5 * free // per_member))
        return max(1, min(_CPU_CHUNK_PER_WORKER * self._workers(), _MEMORY_BUDGET // per_member))


def _identity(options: dict) -> dict:
    """The options that identify the hypotheses: cnn's ``readout`` where not the flatten read-out
    every cnn had before it existed, ``layers`` and ``width`` where a layer list is given, which
    replaces channels, filter size, activation and read-out (so that a store of a plain cnn keeps
    its identity)."""
    if "layers" not in options:
        return options
    if options["layers"] is not None:
        return {k: v for k, v in options.items() if k not in ("channels", "kernel_size", "activation", "readout")}
    return {k: v for k, v in options.items()
            if k not in ("layers", "width") and not (k == "readout" and v == "flatten")}


def _check_device(device) -> str:
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError):
        raise InputError("device", f"must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}") from None
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise InputError("device", f"{device!r} asked for, but no CUDA GPU is available to PyTorch")
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise InputError("device", f"{device!r}: only {torch.cuda.device_count()} GPU(s) present")
    elif parsed.type != "cpu":
        raise InputError("device", f"must be 'cpu', 'cuda' or 'cuda:N'; got {device!r}")
    return str(parsed)


def _check_ntk(architecture, parameterization: str, weight_var, bias_var):
    """(σ_w², σ_b²) of the NTK parameterisation, or None for the standard one."""
    if parameterization != "ntk":
        for name, value in (("weight_var", weight_var), ("bias_var", bias_var)):
            if value is not None:
                raise InputError(name, "applies to parameterization='ntk' only")
        return None
    if callable(architecture) or architecture not in _arch.NTK_ARCHITECTURES:
        name = "a model factory" if callable(architecture) else repr(architecture)
        raise InputError("parameterization", f"'ntk' is an option of architectures "
                                             f"{' and '.join(_arch.NTK_ARCHITECTURES)}, not {name}")
    declared = {p.name: p for p in NTK_PARAMETERS}
    return tuple(declared[name].check(declared[name].default if value is None else value)
                 for name, value in (("weight_var", weight_var), ("bias_var", bias_var)))


def _check_seeds(seeds) -> list[int]:
    try:
        seeds = list(seeds)
    except TypeError:
        raise InputError("seeds", f"must be a sequence of integers; got {seeds!r}") from None
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or not 0 <= s < 2**64:
            raise InputError("seeds", f"must be integers in [0, 2**64); got {s!r}")
    return [int(s) for s in seeds]


def _check_stateless(module: nn.Module) -> None:
    for name, sub in module.named_modules():
        if isinstance(sub, nn.modules.batchnorm._NormBase) or any(True for _ in sub.buffers(recurse=False)):
            raise InputError("architecture", f"layer {name or 'model'} ({type(sub).__name__}) keeps buffers such as "
                                             f"running statistics; members train as one batched computation, which "
                                             f"needs stateless layers (use LayerNorm or GroupNorm)")
        if isinstance(sub, nn.modules.dropout._DropoutNd) and sub.p > 0:
            raise InputError("architecture", f"layer {name} is dropout (p={sub.p}); a member must be a function of "
                                             f"its seed alone, so dropout is not supported")


def _activation_size(module: nn.Module, n_features: int) -> int:
    """Floats of all layer outputs for one input row (a probe forward pass with hooks)."""
    total = [0]

    def hook(_module, _inputs, output):
        if isinstance(output, torch.Tensor):
            total[0] += output[0].numel()

    handles = [m.register_forward_hook(hook) for m in module.modules()]
    try:
        with torch.no_grad():
            module(torch.zeros(1, n_features))
    finally:
        for h in handles:
            h.remove()
    return total[0]


@contextmanager
def _threads(count: int | None):
    """Use ``count`` torch threads (None: at most one per core this process may run on);
    restore the caller's setting afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(count or max(1, min(before, usable_cores())))
    try:
        yield
    finally:
        torch.set_num_threads(before)
