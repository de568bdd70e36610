"""Member-batched forward passes of built-in architectures whose per-member computation is made of
many small GEMMs (SPEC §4): the locally connected network (``lcn``).

``torch.func.vmap`` of the per-member module turns each layer into one batched matmul over
members, but with the member axis in front of a layout (``F.unfold``'s ``(batch, features,
positions)``) that needs two transposing copies per layer and per direction. Here the
activations stay in a position-major layout ``(E, H, W, batch, C)`` from layer to layer, so the
only copy of a layer is the im2col itself and each output position of each member is one
``(batch x fan_in) @ (fan_in x out)`` GEMM of a single ``baddbmm`` over ``E * H * W`` of them
(benchmarks/nn_throughput.md). Gradients come from autograd.

Parameters are stacked from the per-member ``nn.Module`` (so a member's initial weights are its
seed's, :func:`..architectures.initialise`) and converted once into the layout the GEMMs want;
the optimisers act elementwise, so the layout changes no number. :func:`to_module_layout` converts
back (tests compare with the module member by member).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

__all__ = ["StackedLCN"]


def _im2col(z, k: int):
    """``z`` ``(E, H, W, b, C)`` -> patches ``(E * H * W, b, k * k * C)``, feature index
    ``(di * k + dj) * C + c``, zero 'same' padding."""
    E, h, w, b, c = z.shape
    r = k // 2
    padded = F.pad(z, (0, 0, 0, 0, r, r, r, r))
    out = torch.empty(E, h, w, b, k * k, c, dtype=z.dtype, device=z.device)
    for di in range(k):
        for dj in range(k):
            out[:, :, :, :, di * k + dj] = padded[:, di:di + h, dj:dj + w]
    return out.reshape(E * h * w, b, k * k * c)


class _Im2col(torch.autograd.Function):
    """:func:`_im2col` with a backward that adds the k*k shifted gradient blocks into one padded
    buffer (autograd's own backward of the slices allocates and zero-fills a padded tensor per
    shift: most of an ``lcn`` step's non-GEMM time, benchmarks/nn_throughput.md)."""

    @staticmethod
    def forward(ctx, z, k):
        ctx.shape, ctx.k = z.shape, k
        return _im2col(z, k)

    @staticmethod
    def backward(ctx, grad):
        E, h, w, b, c = ctx.shape
        k, r = ctx.k, ctx.k // 2
        grad = grad.reshape(E, h, w, b, k * k, c)
        padded = grad.new_zeros(E, h + 2 * r, w + 2 * r, b, c)
        for di in range(k):
            for dj in range(k):
                padded[:, di:di + h, dj:dj + w] += grad[:, :, :, :, di * k + dj]
        return padded[:, r:r + h, r:r + w], None


class StackedLCN:
    """``E`` members of the built-in ``lcn`` (``nn.Sequential``: unflatten, then locally connected
    layer and activation per entry of ``channels``, flatten, linear read-out).

    Stored layout: layer ``i``'s weight ``(E * H * W, k * k * C_in, C_out)`` with the patch
    feature index ``(di * k + dj) * C_in + c`` and bias ``(E * H * W, 1, C_out)``, except the last
    layer's, ``(E * H * W, C_out, k * k * C_in)`` and ``(E * H * W, C_out, 1)``: the last layer is computed transposed, so that its
    output ``(E, H * W * C, b)`` is, without a copy, the transposed flat input of the read-out;
    read-out weight ``(E, n_outputs, H * W * C)`` in ``(h, w, c)`` order (the module's columns
    permuted) and bias ``(E, n_outputs, 1)``. The read-out is computed transposed too,
    ``W @ flatᵀ``, so that its weight gradient is a wide ``(k x b) @ (b x H W C)`` product rather
    than a 10-column one, and no gradient reaches a GEMM as a permuted (strided) view.
    """

    def __init__(self, stacked: dict, image_shape, channels, kernel_size: int, activation):
        self.image_shape = tuple(image_shape)
        self.channels = tuple(channels)
        self.kernel_size = kernel_size
        self.activation = activation              # a function, or None for the identity
        c, h, w = self.image_shape
        k = kernel_size
        self.params = []
        last = len(self.channels) - 1
        for i, out in enumerate(self.channels):
            weight = stacked[f"{2 * i + 1}.weight"]        # (E, L, O, C k k), unfold's (c, di, dj) order
            E = weight.shape[0]
            weight = weight.reshape(E, h * w, out, c, k * k).permute(0, 1, 4, 3, 2)   # (E, L, kk, C, O)
            weight = weight.reshape(E * h * w, k * k * c, out)
            self.params.append((weight.transpose(1, 2) if i == last else weight).contiguous())
            bias_shape = (E * h * w, out, 1) if i == last else (E * h * w, 1, out)
            self.params.append(stacked[f"{2 * i + 1}.bias"].reshape(bias_shape).contiguous())
            c = out
        n = 2 * len(self.channels) + 2
        readout = stacked[f"{n}.weight"]                                               # (E, k, C H W)
        E, k_out = readout.shape[:2]
        self.params.append(readout.reshape(E, k_out, c, h * w).transpose(2, 3).reshape(E, k_out, -1).contiguous())
        self.params.append(stacked[f"{n}.bias"].unsqueeze(2).contiguous())           # (E, k, 1)

    def to_module_layout(self) -> dict:
        """The parameters in the module's layout and names, ``(E, ...)`` stacked."""
        c, h, w = self.image_shape
        k = self.kernel_size
        out_params, E = {}, self.params[-1].shape[0]
        last = len(self.channels) - 1
        for i, out in enumerate(self.channels):
            weight = self.params[2 * i].transpose(1, 2) if i == last else self.params[2 * i]
            weight = weight.reshape(E, h * w, k * k, c, out).permute(0, 1, 4, 3, 2)
            out_params[f"{2 * i + 1}.weight"] = weight.reshape(E, h * w, out, c * k * k)
            out_params[f"{2 * i + 1}.bias"] = self.params[2 * i + 1].reshape(E, h * w, out)
            c = out
        n = 2 * len(self.channels) + 2
        readout = self.params[-2]                                                      # (E, k, H W C)
        out_params[f"{n}.weight"] = readout.reshape(E, readout.shape[1], h * w, c).transpose(2, 3).reshape(E, readout.shape[1], -1)
        out_params[f"{n}.bias"] = self.params[-1].squeeze(2)
        return out_params

    def _patches(self, z):
        """im2col of ``z`` ``(E, H, W, b, C)`` with zero 'same' padding: ``(E * H * W, b, k k C)``."""
        if z.requires_grad:
            return _Im2col.apply(z, self.kernel_size)
        return _im2col(z, self.kernel_size)

    def forward(self, x):
        """``x`` ``(E, b, d)`` (or ``(b, d)``, shared by all members) -> ``(E, b, n_outputs)``."""
        E = self.params[-1].shape[0]
        if x.dim() == 2:
            x = x.expand(E, *x.shape)
        b = x.shape[1]
        c, h, w = self.image_shape
        z = x.reshape(E, b, c, h, w).permute(0, 3, 4, 1, 2)          # (E, H, W, b, C)
        last = len(self.channels) - 1
        for i, out in enumerate(self.channels):
            weight, bias = self.params[2 * i], self.params[2 * i + 1]
            patches = self._patches(z)                                  # (E L, b, F)
            if i < last:
                z = torch.baddbmm(bias, patches, weight)                # (E L, b, O)
            else:
                z = torch.baddbmm(bias, weight, patches.transpose(1, 2))   # (E L, O, b)
            if self.activation is not None:
                z = self.activation(z)
            if i < last:
                z = z.reshape(E, h, w, b, out)
        flat_t = z.reshape(E, -1, b)                                    # (E, H W C, b): the read-out's order
        return torch.baddbmm(self.params[-1], self.params[-2], flat_t).transpose(1, 2)
