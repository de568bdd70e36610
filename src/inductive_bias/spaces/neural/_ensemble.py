"""Batched ensembles: E members of one architecture as stacked parameters (leading axis E),
trained together by one computation per step (docs/method.md §4).

Three implementations of the same computation:

- :class:`BatchedMLP`: hand-written forward and backward of a multilayer perceptron with one
  ``baddbmm``/``bmm`` per layer (and gradient) over all members, weight gradients written into
  preallocated buffers.
  The backward uses the activation derivatives autograd uses (``aten.*_backward``).
- :class:`VmappedModule`: any stateless ``torch.nn.Module`` through
  ``torch.func.vmap(torch.func.grad(...))`` over ``functional_call``.
- :class:`._locally_connected.BatchedLCN`: the locally connected network, forward and backward written
  out like the MLP's.

Each exposes ``params`` (stacked leaf tensors whose ``.grad`` each step fills), ``step_grads(xb,
yb)`` for a batch ``(E, b, d)``, ``(E, b, k)`` with the loss of each member the batch MSE over its
b rows and k outputs, ``predict(X)`` for inputs shared by all members -> ``(E, rows, k)``, and
``select(index)``, the members ``index`` alone (members that stop leave the computation).
"""

from __future__ import annotations

import copy
import threading

import torch
from torch import nn

__all__ = ["BatchedMLP", "StackedAdam", "StackedSGD", "VmappedModule", "make_optimizer",
           "train_chunk"]

# A member stops when its training MSE, in float64, is at most the threshold times this: the
# member's recorded training loss is computed again from its float32 predictions by the task
# (another summation order), and must not land a rounding error above the threshold.
_STOP_MARGIN = 1.0 - 1e-9
_COMPILE_LOCK = threading.Lock()
# Full batch with a stopping rule: take the fit check from the next step's forward pass
# (:func:`_train_full_batch`); False: a separate pass after every epoch, as with mini-batches
# (the same members; tests compare the two).
_FULL_BATCH_CHECK_IN_STEP = True

_ACTIVATION_FORWARD = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "gelu": torch.nn.functional.gelu,
    "identity": None,
}


def _activation_backward(name: str, grad_out, pre, post):
    """d loss / d pre-activation from d loss / d activation, as autograd computes it."""
    if name == "relu":
        return torch.ops.aten.threshold_backward(grad_out, post, 0)
    if name == "tanh":
        return torch.ops.aten.tanh_backward(grad_out, post)
    if name == "sigmoid":
        return torch.ops.aten.sigmoid_backward(grad_out, post)
    if name == "gelu":
        return torch.ops.aten.gelu_backward(grad_out, pre)
    return grad_out


class _Workspace:
    """Activations and gradients of a training step, kept by name and shape from step to step: a
    fresh allocation of a few MiB per step costs page faults (about a tenth of an MLP or ``lcn``
    step, benchmarks/nn_throughput.md)."""

    def __init__(self):
        self._tensors = {}

    def __call__(self, name, shape, like, zero: bool = False):
        """The tensor kept for ``name`` and ``shape`` (``zero``: zero-filled when first made)."""
        key = (name, tuple(shape))
        tensor = self._tensors.get(key)
        if tensor is None:
            make = torch.zeros if zero else torch.empty
            tensor = self._tensors[key] = make(tuple(shape), dtype=like.dtype, device=like.device)
        return tensor


class BatchedMLP:
    """Stacked MLP members: ``weights[l]`` is ``(E, in, out)`` for wide layers and ``(E, out, in)``
    (``nn.Linear``'s layout) for narrow ones (out < 64, e.g. the read-out), the layout in which
    the batched matmuls of that layer are fastest (benchmarks/nn_throughput.md); ``biases[l]`` is
    ``(E, 1, out)``."""

    NARROW = 64

    def __init__(self, weights, biases, activation: str, scales=None):
        """``weights`` in ``nn.Linear``'s layout ``(E, out, in)``, ``biases`` ``(E, out)``;
        ``scales``: per layer ``(weight_scale, bias_scale)``, a layer computing
        ``weight_scale · x W + bias_scale · b`` (the NTK parameterisation, docs/method.md §7); None: 1 and 1."""
        self.scales = [(1.0, 1.0)] * len(weights) if scales is None else [(float(a), float(b)) for a, b in scales]
        self.transposed = [w.shape[1] >= self.NARROW for w in weights]   # stored as (E, in, out)
        self.weights = [(w.transpose(1, 2) if t else w).contiguous() for w, t in zip(weights, self.transposed)]
        self.biases = [b.unsqueeze(1).contiguous() for b in biases]
        self.activation = activation
        self.params = [t for pair in zip(self.weights, self.biases) for t in pair]
        for p in self.params:
            p.grad = torch.zeros_like(p)
        self._buffer = _Workspace()

    @classmethod
    def from_modules(cls, stacked: dict, n_layers: int, activation: str, scales=None) -> "BatchedMLP":
        """From stacked ``nn.Sequential`` parameters named ``"{2l}.weight"`` (E, out, in) and
        ``"{2l}.bias"`` (E, out)."""
        return cls([stacked[f"{2 * i}.weight"] for i in range(n_layers)],
                   [stacked[f"{2 * i}.bias"] for i in range(n_layers)], activation, scales)

    def _in_out(self, i):
        """Layer i's weight as an (E, in, out) view."""
        w = self.weights[i]
        return w if self.transposed[i] else w.transpose(1, 2)

    def _forward(self, x, reuse: bool = False):
        act = _ACTIVATION_FORWARD[self.activation]
        inputs, pres = [x], []
        last = len(self.weights) - 1
        for i, b in enumerate(self.biases):
            w = self._in_out(i)
            alpha, beta = self.scales[i]
            if reuse:
                shape = (x.shape[0], x.shape[1], w.shape[2])
                h = torch.baddbmm(b, inputs[-1], w, beta=beta, alpha=alpha, out=self._buffer(("pre", i), shape, x))
            elif alpha == 1.0 and beta == 1.0:
                h = torch.baddbmm(b, inputs[-1], w) if x.dim() == 3 else torch.matmul(inputs[-1], w) + b
            elif x.dim() == 3:
                h = torch.baddbmm(b, inputs[-1], w, beta=beta, alpha=alpha)
            else:
                h = torch.matmul(inputs[-1], w).mul_(alpha).add_(b, alpha=beta)
            if i == last:
                return h, inputs, pres
            pres.append(h)
            if reuse and self.activation == "relu":
                inputs.append(h.relu_())          # its backward needs the output only
            else:
                inputs.append(h if act is None else act(h))

    def step_grads(self, xb, yb):
        """Gradients of each member's batch MSE into ``p.grad``; returns the forward pass's
        outputs ``(E, b, k)`` (the members' predictions on ``xb`` before the step, a buffer the
        next step overwrites)."""
        out, inputs, pres = self._forward(xb, reuse=True)
        # d/d out of mean over (b, k) of (out - y)^2, per member
        grad = torch.sub(out, yb, out=self._buffer("dout", out.shape, out)).mul_(2.0 / (out.shape[1] * out.shape[2]))
        for i in range(len(self.weights) - 1, -1, -1):
            alpha, beta = self.scales[i]
            if self.transposed[i]:
                torch.bmm(inputs[i].transpose(1, 2), grad, out=self.weights[i].grad)
            else:
                torch.bmm(grad.transpose(1, 2), inputs[i], out=self.weights[i].grad)
            torch.sum(grad, dim=1, keepdim=True, out=self.biases[i].grad)
            if alpha != 1.0:
                self.weights[i].grad.mul_(alpha)
            if beta != 1.0:
                self.biases[i].grad.mul_(beta)
            if i:
                grad_in = torch.bmm(grad, self._in_out(i).transpose(1, 2),
                                    out=self._buffer(("din", i), inputs[i].shape, grad))
                if alpha != 1.0:
                    grad_in.mul_(alpha)
                if self.activation == "relu":
                    grad = torch.ops.aten.threshold_backward.grad_input(
                        grad_in, inputs[i], 0, grad_input=self._buffer(("dpre", i), grad_in.shape, grad_in))
                else:
                    grad = _activation_backward(self.activation, grad_in, pres[i - 1], inputs[i])
        return out

    @torch.no_grad()
    def predict(self, X):
        return self._forward(X)[0]

    @staticmethod
    def members(tensors, index) -> list:
        """Tensors in the layout of ``params`` (parameters, optimizer moments), members ``index``
        (a 1-d index tensor) alone."""
        return [t[index].contiguous() for t in tensors]

    def select(self, index) -> "BatchedMLP":
        """The members ``index`` (a 1-d index tensor) alone, as a new ensemble with fresh
        gradient buffers (members that stopped leave the computation)."""
        new = object.__new__(BatchedMLP)
        new.transposed, new.activation, new.scales = self.transposed, self.activation, self.scales
        new._buffer = _Workspace()   # shapes change with the number of members
        new.params = self.members(self.params, index)
        new.weights, new.biases = new.params[0::2], new.params[1::2]
        for p in new.params:
            p.grad = torch.zeros_like(p)
        return new


class VmappedModule:
    """Stacked members of any stateless module, gradients by ``vmap(grad(loss))``;
    ``compile=True``: that gradient function through ``torch.compile`` (compiled once per batch
    shape, under a lock, since workers run in threads)."""

    def __init__(self, module: nn.Module, stacked: dict, compile: bool = False):
        from torch.func import functional_call, grad, vmap

        self.names = list(stacked)
        self.params = [stacked[name].contiguous() for name in self.names]
        self.module = module

        def loss(params, xb, yb):
            out = functional_call(module, dict(zip(self.names, params)), (xb,))
            return torch.mean((out - yb) ** 2)

        def forward(params, X):
            return functional_call(module, dict(zip(self.names, params)), (X,))

        self._grads = vmap(grad(loss), in_dims=(0, 0, 0))
        self._predict = vmap(forward, in_dims=(0, None))
        self._compiled_shapes = None
        if compile:
            self._grads = torch.compile(self._grads, dynamic=False)
            self._compiled_shapes = set()

    def step_grads(self, xb, yb):
        if self._compiled_shapes is not None and xb.shape not in self._compiled_shapes:
            with _COMPILE_LOCK:                     # a new shape compiles: one thread at a time
                grads = self._grads(tuple(self.params), xb, yb)
            self._compiled_shapes.add(xb.shape)
        else:
            grads = self._grads(tuple(self.params), xb, yb)
        for p, g in zip(self.params, grads):
            p.grad = _like_param(g, p)

    @torch.no_grad()
    def predict(self, X):
        return self._predict(tuple(self.params), X)

    @staticmethod
    def members(tensors, index) -> list:
        """Tensors in the layout of ``params``, members ``index`` alone."""
        return [t.detach()[index].contiguous() for t in tensors]

    def select(self, index) -> "VmappedModule":
        """The members ``index`` (a 1-d index tensor) alone (the vmapped functions do not
        depend on the number of members)."""
        new = copy.copy(self)
        new.params = self.members(self.params, index)
        return new


def _like_param(grad, param):
    """``grad`` in ``param``'s memory layout. PyTorch's fused CPU Adam (2.13) walks a gradient's
    memory as if it had its parameter's strides: a transposed gradient (``vmap`` of an
    ``einsum`` returns some) would update the wrong elements. Autograd's own accumulation
    enforces this layout; gradients assigned by hand must too."""
    return grad if grad.stride() == param.stride() else torch.empty_like(param).copy_(grad)


def _fused_adam_available() -> bool:
    """PyTorch's fused Adam kernel runs on the CPU from 2.4 on (on CUDA from 2.0)."""
    return tuple(int(v) for v in torch.__version__.split("+")[0].split(".")[:2]) >= (2, 4)


class StackedAdam:
    """Adam (PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, no weight decay) over stacked member
    tensors. It acts elementwise, so one optimizer over the stacks is E independent optimizers.

    The arithmetic of ``torch.optim.Adam(params, lr, fused=True)``: the same kernel,
    ``torch._fused_adam_``, on the same state (tested equal to the bit), called without
    ``Optimizer.step``'s per-step bookkeeping, which cost 6-7 % of the MLP ensemble's step of
    about 2 ms (benchmarks/nn_throughput.md). Where that kernel does not run on the CPU (torch <
    2.4), ``torch.optim.adam.adam`` with ``foreach=True``, the arithmetic of
    ``torch.optim.Adam(params, lr, foreach=True)``.
    """

    def __init__(self, params, lr: float, *, fused: bool | None = None, _state=None):
        self.params, self.lr = list(params), float(lr)
        self.fused = _fused_adam_available() if fused is None else fused
        if _state is None:
            _state = ([torch.zeros_like(p) for p in self.params], [torch.zeros_like(p) for p in self.params],
                      [torch.zeros((), dtype=torch.float32, device=p.device) for p in self.params])
        self.exp_avgs, self.exp_avg_sqs, self.steps = _state

    @torch.no_grad()
    def step(self):
        grads = [p.grad for p in self.params]
        if self.fused:
            torch._foreach_add_(self.steps, 1)
            torch._fused_adam_(self.params, grads, self.exp_avgs, self.exp_avg_sqs, [], self.steps, amsgrad=False,
                               lr=self.lr, beta1=0.9, beta2=0.999, weight_decay=0.0, eps=1e-8, maximize=False)
        else:
            from torch.optim.adam import adam

            adam(self.params, grads, self.exp_avgs, self.exp_avg_sqs, [], self.steps, foreach=True, amsgrad=False,
                 beta1=0.9, beta2=0.999, lr=self.lr, weight_decay=0.0, eps=1e-8, maximize=False)

    def select(self, params, members) -> "StackedAdam":
        """The optimizer of some members alone, over their new stacks ``params``: it goes on where
        this one stopped. ``members`` maps tensors in the layout of the old stacks to the kept
        members' (the model's ``members``: the member axis is not always the first)."""
        state = (members(self.exp_avgs), members(self.exp_avg_sqs), [s.clone() for s in self.steps])
        for p, m, v in zip(params, *state[:2]):
            if not p.shape == m.shape == v.shape:      # the fused kernel would read out of bounds
                raise RuntimeError(f"Adam moments {tuple(m.shape)} do not match their parameter {tuple(p.shape)}")
        return StackedAdam(params, self.lr, fused=self.fused, _state=state)


class StackedSGD:
    """Plain gradient descent over stacked member tensors: ``p -= lr * grad``, the arithmetic of
    ``torch.optim.SGD(params, lr)`` (no momentum), one ``_foreach_add_`` per step."""

    def __init__(self, params, lr: float):
        self.params, self.lr = list(params), float(lr)

    @torch.no_grad()
    def step(self):
        torch._foreach_add_(self.params, [p.grad for p in self.params], alpha=-self.lr)

    def select(self, params, members) -> "StackedSGD":
        return StackedSGD(params, self.lr)


def make_optimizer(name: str, params, lr: float):
    """``"adam"`` or ``"sgd"`` over stacked tensors (:class:`StackedAdam`, :class:`StackedSGD`)."""
    return StackedAdam(params, lr) if name == "adam" else StackedSGD(params, lr)


def _predict_rows(model, X, rows: int):
    return torch.cat([model.predict(X[i:i + rows]) for i in range(0, X.shape[0], rows)], dim=1)


def train_chunk(model, generators, data, *, epochs: int, optimizer: str, lr: float, batch_size: int,
                stop_train_mse: float | None, eval_rows: int | None = None):
    """Train the stacked members of ``model`` and return their predictions.

    Parameters
    ----------
    model : BatchedMLP or VmappedModule
    generators : list of E torch.Generator
        Member i's data order in each epoch is ``torch.randperm(n, generator=generators[i])``.
    data : (X_train, Y_train, X_test, Y_test) float tensors on the training device
    epochs : int
        The most epochs any member trains.
    stop_train_mse : float or None
        A member whose training MSE (whole set, docs/method.md §1, evaluated in float64) is <= this after an
        epoch stops there: its predictions are taken at that point, and it leaves the batched
        computation (its parameters and optimizer state are dropped from the stacks, so it is no
        longer updated and costs nothing), while the others go on. The members that go on draw
        the same data orders and take the same steps as they would have with it (each member's
        optimizer state and generator are its own), so a member's numbers still depend on its
        seed alone (to float rounding of the batched products).
    eval_rows : int or None
        Rows per block of the predictions (None: 64 on a CPU, 1024 on other devices).

    Returns
    -------
    train_predictions (E, n, k), test_predictions (E, m, k), epochs_trained (E,) tensors
    """
    X_train, Y_train, X_test, Y_test = data
    if eval_rows is None:
        # Rows per prediction block: on a CPU, blocks of 64 keep a block's activations in cache
        # (predictions of digits' 500 rows: lcn 7.2 ms a member in blocks of 64, 17.4 in blocks of
        # 1024; cnn 5.0 against 14.8; mlp 1.1 either way; benchmarks/nn_throughput.md).
        eval_rows = 64 if X_train.device.type == "cpu" else 1024
    E, n = len(generators), X_train.shape[0]
    generators = list(generators)
    opt = make_optimizer(optimizer, model.params, lr)
    train_pred = torch.empty(E, n, Y_train.shape[1], device=X_train.device)
    test_pred = torch.empty(E, X_test.shape[0], Y_test.shape[1], device=X_train.device)
    epochs_trained = torch.full((E,), epochs, dtype=torch.long)
    active = torch.arange(E)                       # the original index of each member still training
    targets64 = Y_train.double() if stop_train_mse is not None else None
    if _FULL_BATCH_CHECK_IN_STEP and stop_train_mse is not None and batch_size >= n and isinstance(model, BatchedMLP):
        return _train_full_batch(model, opt, generators, data, epochs=epochs, stop_train_mse=stop_train_mse,
                                 eval_rows=eval_rows, out=(train_pred, test_pred, epochs_trained))
    for epoch in range(epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(X_train.device)
        for start in range(0, n, batch_size):
            index = order[:, start:start + batch_size]            # (E, b): one gather per step
            model.step_grads(X_train[index], Y_train[index])
            opt.step()
        if stop_train_mse is None:
            continue
        current = _predict_rows(model, X_train, eval_rows)
        mse = ((current.double() - targets64) ** 2).mean(dim=(1, 2))
        done = (mse <= stop_train_mse * _STOP_MARGIN).cpu()
        if not bool(done.any()):
            continue
        finished = active[done]
        train_pred[finished.to(train_pred.device)] = current[done.to(current.device)]
        test_pred[finished.to(test_pred.device)] = _predict_rows(model, X_test, eval_rows)[done.to(current.device)]
        epochs_trained[finished] = epoch + 1
        keep = torch.nonzero(~done).flatten()
        if keep.numel() == 0:
            active = keep
            break
        keep = keep.to(X_train.device)
        old, model = model, model.select(keep)
        opt = opt.select(model.params, lambda tensors: old.members(tensors, keep))
        active = active[keep]
        generators = [generators[i] for i in keep.tolist()]
    if active.numel():
        rows = active.to(train_pred.device)
        train_pred[rows] = _predict_rows(model, X_train, eval_rows)
        test_pred[rows] = _predict_rows(model, X_test, eval_rows)
    return train_pred, test_pred, epochs_trained


def _train_full_batch(model, opt, generators, data, *, epochs, stop_train_mse, eval_rows, out):
    """:func:`train_chunk` with one step per epoch (full batch) and a stopping rule, without a
    separate pass over the training set after each epoch to decide who stops.

    Epoch e's step starts with a forward pass over the whole training set (in the member's order
    of that epoch) with the parameters of the end of epoch e - 1: the pass that decides whether
    the member fits there. A member whose MSE from that pass is within the threshold is checked
    again by the predictions :func:`train_chunk` takes (in row order, in blocks of
    ``eval_rows``), and stops, with those predictions, where they fit too; the members that go on
    take the step they would have taken anyway (recomputed without the members that stopped).
    Every member takes the same steps, on the same data orders, as in :func:`train_chunk`, and
    stops where its fit check there would have stopped it (the two passes round alike, or a
    member whose two MSEs straddle the threshold trains one more epoch); the separate pass cost a
    third of a small network's training (benchmarks/small_mlp_speed.py).
    """
    X_train, Y_train, X_test, _ = data
    train_pred, test_pred, epochs_trained = out
    n, limit = X_train.shape[0], stop_train_mse * _STOP_MARGIN
    targets64 = Y_train.double()
    active = torch.arange(len(generators))
    for epoch in range(epochs):
        order = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(X_train.device)
        xb, yb = X_train[order], Y_train[order]
        current = model.step_grads(xb, yb)
        if epoch:
            mse = ((current.double() - yb.double()) ** 2).mean(dim=(1, 2))
            candidates = torch.nonzero(mse <= limit).flatten()
            if candidates.numel():
                fitted = model.select(candidates)
                predictions = _predict_rows(fitted, X_train, eval_rows)
                done = (((predictions.double() - targets64) ** 2).mean(dim=(1, 2)) <= limit)
                if bool(done.any()):
                    finished = candidates[done]
                    rows = active[finished.cpu()].to(train_pred.device)
                    train_pred[rows] = predictions[done]
                    test_pred[rows] = _predict_rows(fitted, X_test, eval_rows)[done]
                    epochs_trained[active[finished.cpu()]] = epoch
                    keep_mask = torch.ones(len(active), dtype=torch.bool, device=finished.device)
                    keep_mask[finished] = False
                    keep = torch.nonzero(keep_mask).flatten()
                    if keep.numel() == 0:
                        return train_pred, test_pred, epochs_trained
                    old, model = model, model.select(keep)
                    opt = opt.select(model.params, lambda tensors: old.members(tensors, keep))
                    active = active[keep.cpu()]
                    generators = [generators[i] for i in keep.tolist()]
                    model.step_grads(xb[keep], yb[keep])      # this epoch's step, the members that go on
        opt.step()
    rows = active.to(train_pred.device)
    train_pred[rows] = _predict_rows(model, X_train, eval_rows)
    test_pred[rows] = _predict_rows(model, X_test, eval_rows)
    return train_pred, test_pred, epochs_trained
