"""Member-batched locally connected networks (``lcn``, docs/method.md §4), forward and backward written out.

``torch.func.vmap`` of the per-member module turns each layer into one batched matmul over
members, but with the member axis in front of a layout (``F.unfold``'s ``(batch, features,
positions)``) that needs two transposing copies per layer and per direction. Here the
activations stay in a position-major layout ``(E, H, W, batch, C)`` from layer to layer, so the
only copy of a layer is the im2col itself and each output position of each member is one
``(batch x fan_in) @ (fan_in x out)`` GEMM of a single ``baddbmm`` over ``E * H * W`` of them.

The backward is written out as for :class:`._ensemble.BatchedMLP`: one ``bmm`` per layer and
gradient, each in the layout its GEMM reads fastest, weight gradients written into their
parameters' ``.grad``, activations and their gradients kept in buffers reused from step to step
(autograd's fresh tensors of a few MiB each cost page faults: a tenth of an ``lcn`` step,
benchmarks/nn_throughput.md).

Parameters are stacked from the per-member ``nn.Module`` (so a member's initial weights are its
seed's, :func:`..architectures.initialise`) and converted once into the layout the GEMMs want;
the optimisers act elementwise, so the layout changes no number. :meth:`BatchedLCN.to_module_layout`
converts back (tests compare with the module member by member).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from ._ensemble import _ACTIVATION_FORWARD, _Workspace, _activation_backward

__all__ = ["BatchedLCN"]


def _im2col(z, k: int, padded=None, out=None):
    """``z`` ``(E, H, W, b, C)`` -> patches ``(E * H * W, b, k * k * C)``, feature index
    ``(di * k + dj) * C + c``, zero 'same' padding. ``padded`` ``(E, H + 2r, W + 2r, b, C)``
    with a zero border and ``out`` ``(E, H, W, b, k * k, C)``: buffers to write into."""
    E, h, w, b, c = z.shape
    r = k // 2
    if padded is None:
        padded = F.pad(z, (0, 0, 0, 0, r, r, r, r))
    else:
        padded[:, r:r + h, r:r + w].copy_(z)
    if out is None:
        out = torch.empty(E, h, w, b, k * k, c, dtype=z.dtype, device=z.device)
    for di in range(k):
        for dj in range(k):
            out[:, :, :, :, di * k + dj] = padded[:, di:di + h, dj:dj + w]
    return out.view(E * h * w, b, k * k * c)


def _col2im(grad, shape, k: int, padded):
    """The adjoint of :func:`_im2col`: the k*k shifted gradient blocks of ``grad`` ``(E * H * W,
    b, k * k * C)`` added into ``padded`` ``(E, H + 2r, W + 2r, b, C)``; returns the interior
    ``(E, H, W, b, C)`` (a view)."""
    E, h, w, b, c = shape
    r = k // 2
    grad = grad.view(E, h, w, b, k * k, c)
    padded.zero_()
    for di in range(k):
        for dj in range(k):
            padded[:, di:di + h, dj:dj + w] += grad[:, :, :, :, di * k + dj]
    return padded[:, r:r + h, r:r + w]


class BatchedLCN:
    """``E`` members of the built-in ``lcn`` (``nn.Sequential``: unflatten, then locally connected
    layer and activation per entry of ``channels``, flatten, linear read-out).

    Stored layout (``params``): layer ``i``'s weight ``(E * H * W, k * k * C_in, C_out)`` with
    the patch feature index ``(di * k + dj) * C_in + c`` and bias ``(E * H * W, 1, C_out)``,
    except the last layer's, ``(E * H * W, C_out, k * k * C_in)`` and ``(E * H * W, C_out, 1)``:
    the last layer is computed transposed, so that its output ``(E, H * W * C, b)`` is, without a
    copy, the transposed flat input of the read-out; read-out weight ``(E, n_outputs, H * W * C)``
    in ``(h, w, c)`` order (the module's columns permuted) and bias ``(E, n_outputs, 1)``. The
    read-out is computed transposed too, ``W @ flatᵀ``, so that its weight gradient is a wide
    ``(k x b) @ (b x H W C)`` product rather than a 10-column one.
    """

    def __init__(self, params, image_shape, channels, kernel_size: int, activation: str):
        self.params = list(params)
        self.image_shape = tuple(image_shape)
        self.channels = tuple(channels)
        self.kernel_size = kernel_size
        self.activation = activation
        for p in self.params:
            p.grad = torch.zeros_like(p)
        self._buffer = _Workspace()

    @classmethod
    def from_modules(cls, stacked: dict, options: dict, n_features: int) -> "BatchedLCN":
        """From the stacked parameters of the module (``"{2i+1}.weight"`` ``(E, L, C_out, C_in k
        k)`` in unfold's ``(c, di, dj)`` order, ...) and its resolved options."""
        from .architectures import image_shape_for

        image_shape = image_shape_for(n_features, options["image_shape"])
        channels, k = tuple(options["channels"]), options["kernel_size"]
        c, h, w = image_shape
        params, last = [], len(channels) - 1
        for i, out in enumerate(channels):
            weight = stacked[f"{2 * i + 1}.weight"]
            E = weight.shape[0]
            weight = weight.reshape(E, h * w, out, c, k * k).permute(0, 1, 4, 3, 2)   # (E, L, kk, C, O)
            weight = weight.reshape(E * h * w, k * k * c, out)
            params.append((weight.transpose(1, 2) if i == last else weight).contiguous())
            bias_shape = (E * h * w, out, 1) if i == last else (E * h * w, 1, out)
            params.append(stacked[f"{2 * i + 1}.bias"].reshape(bias_shape).contiguous())
            c = out
        n = 2 * len(channels) + 2
        readout = stacked[f"{n}.weight"]                                               # (E, k, C H W)
        E, k_out = readout.shape[:2]
        params.append(readout.reshape(E, k_out, c, h * w).transpose(2, 3).reshape(E, k_out, -1).contiguous())
        params.append(stacked[f"{n}.bias"].unsqueeze(2).contiguous())                # (E, k, 1)
        return cls(params, image_shape, channels, k, options["activation"])

    def to_module_layout(self, tensors=None) -> dict:
        """``tensors`` in the stored layout (default: the parameters; their gradients convert
        alike) in the module's layout and names, ``(E, ...)`` stacked."""
        tensors = self.params if tensors is None else tensors
        c, h, w = self.image_shape
        k = self.kernel_size
        out_params, E = {}, tensors[-1].shape[0]
        last = len(self.channels) - 1
        for i, out in enumerate(self.channels):
            weight = tensors[2 * i].transpose(1, 2) if i == last else tensors[2 * i]
            weight = weight.reshape(E, h * w, k * k, c, out).permute(0, 1, 4, 3, 2)
            out_params[f"{2 * i + 1}.weight"] = weight.reshape(E, h * w, out, c * k * k)
            out_params[f"{2 * i + 1}.bias"] = tensors[2 * i + 1].reshape(E, h * w, out)
            c = out
        n = 2 * len(self.channels) + 2
        readout = tensors[-2]                                                          # (E, k, H W C)
        out_params[f"{n}.weight"] = readout.reshape(E, readout.shape[1], h * w, c).transpose(2, 3).reshape(E, readout.shape[1], -1)
        out_params[f"{n}.bias"] = tensors[-1].squeeze(2)
        return out_params

    def _layers(self, x, train: bool):
        """Forward pass of ``x`` ``(E, b, d)``: (the read-out's output ``(E, n_outputs, b)``, the
        patches, pre-activations and activations of every layer). ``train``: into the step's buffers."""
        E = self.params[-1].shape[0]
        b = x.shape[1]
        c, h, w = self.image_shape
        k, r = self.kernel_size, self.kernel_size // 2
        L = h * w
        act = _ACTIVATION_FORWARD[self.activation]
        z = x.reshape(E, b, c, h, w).permute(0, 3, 4, 1, 2)              # (E, H, W, b, C)
        patches, pres, posts = [], [], []
        last = len(self.channels) - 1
        for i, out in enumerate(self.channels):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            if train:
                padded = self._buffer(("pad", i), (E, h + 2 * r, w + 2 * r, b, c), x, zero=True)
                P = _im2col(z, k, padded, self._buffer(("patches", i), (E, h, w, b, k * k, c), x))
            else:
                P = _im2col(z, k)
            if i < last:
                shape = (E * L, b, out)
                pre = torch.baddbmm(bias, P, weight, out=self._buffer(("pre", i), shape, x) if train else None)
            else:
                shape = (E * L, out, b)
                pre = torch.baddbmm(bias, weight, P.transpose(1, 2),
                                    out=self._buffer(("pre", i), shape, x) if train else None)
            if act is None:
                post = pre
            elif self.activation == "relu":
                post = pre.relu_()            # its backward needs the output only
            else:
                post = act(pre)
            patches.append(P)
            pres.append(pre)
            posts.append(post)
            if i < last:
                z = post.view(E, h, w, b, out)
            c = out
        flat_t = posts[-1].view(E, -1, b)                                   # (E, H W C, b): the read-out's order
        out_t = torch.baddbmm(self.params[-1], self.params[-2], flat_t,
                              out=self._buffer("out", (E, self.params[-2].shape[1], b), x) if train else None)
        return out_t, patches, pres, posts

    def forward(self, x):
        """``x`` ``(E, b, d)`` (or ``(b, d)``, shared by all members) -> ``(E, b, n_outputs)``."""
        if x.dim() == 2:
            x = x.expand(self.params[-1].shape[0], *x.shape)
        return self._layers(x, train=False)[0].transpose(1, 2)

    @torch.no_grad()
    def predict(self, X):
        return self.forward(X)

    def _activation_grad(self, i, grad, pres, posts):
        """d loss / d layer ``i``'s pre-activation, in its shape, from d loss / d its output
        ``grad`` (in any shape and strides over the same elements)."""
        shape = grad.shape
        if self.activation == "relu":
            out = self._buffer(("dpre", i), shape, grad)
            out = torch.ops.aten.threshold_backward.grad_input(grad, posts[i].view(shape), 0, grad_input=out)
        else:
            out = _activation_backward(self.activation, grad, pres[i].view(shape), posts[i].view(shape))
        return out.reshape(pres[i].shape)

    @torch.no_grad()
    def step_grads(self, xb, yb):
        """Gradients of the sum over members of each member's batch MSE (over its b rows and k
        outputs) into ``p.grad``: member e's loss reaches its own parameters alone."""
        E, b = xb.shape[:2]
        _, h, w = self.image_shape
        k = self.kernel_size
        L = h * w
        out_t, patches, pres, posts = self._layers(xb, train=True)
        k_out = out_t.shape[1]
        d_out = torch.sub(out_t, yb.transpose(1, 2), out=self._buffer("dout", out_t.shape, out_t))
        d_out.mul_(2.0 / (b * k_out))
        # read-out: out_t = W flat_t + bias
        flat_t = posts[-1].view(E, -1, b)
        readout = self.params[-2]
        torch.bmm(d_out, flat_t.transpose(1, 2), out=readout.grad)
        torch.sum(d_out, dim=2, keepdim=True, out=self.params[-1].grad)
        d_flat = torch.bmm(readout.transpose(1, 2), d_out, out=self._buffer("dflat", flat_t.shape, out_t))
        last = len(self.channels) - 1
        grad = d_flat.view(E * L, self.channels[-1], b)             # d loss / d last layer's output
        for i in range(last, -1, -1):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            d_pre = self._activation_grad(i, grad, pres, posts)
            P = patches[i]
            if i == last:       # pre (EL, O, b) = W (EL, O, F) @ Pᵀ + bias
                torch.bmm(d_pre, P, out=weight.grad)
                torch.sum(d_pre, dim=2, keepdim=True, out=bias.grad)
                if i:
                    d_P = torch.bmm(d_pre.transpose(1, 2), weight, out=self._buffer(("dP", i), P.shape, P))
            else:               # pre (EL, b, O) = P (EL, b, F) @ W (EL, F, O) + bias
                torch.bmm(P.transpose(1, 2), d_pre, out=weight.grad)
                torch.sum(d_pre, dim=1, keepdim=True, out=bias.grad)
                if i:
                    d_P = torch.bmm(d_pre, weight.transpose(1, 2), out=self._buffer(("dP", i), P.shape, P))
            if i:
                c_in = self.channels[i - 1]
                padded = self._buffer(("dpad", i), (E, h + 2 * (k // 2), w + 2 * (k // 2), b, c_in), P)
                grad = _col2im(d_P, (E, h, w, b, c_in), k, padded)    # d loss / d layer i-1's output

    def members(self, tensors, index) -> list:
        """Tensors in the layout of ``params`` (parameters, optimizer moments), members ``index``
        (a 1-d index tensor) alone: the locally connected layers' leading axis is ``E * H * W``."""
        E = self.params[-1].shape[0]
        return [t.view(E, -1, *t.shape[1:])[index].reshape(-1, *t.shape[1:]).contiguous()
                if i < 2 * len(self.channels) else t[index].contiguous()
                for i, t in enumerate(tensors)]

    def select(self, index) -> "BatchedLCN":
        """The members ``index`` (a 1-d index tensor) alone, as a new ensemble with fresh
        gradient buffers (members that stopped leave the computation)."""
        return BatchedLCN(self.members(self.params, index), self.image_shape, self.channels, self.kernel_size,
                          self.activation)
