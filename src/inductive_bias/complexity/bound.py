"""The model-agnostic upper bound on the inductive bias a task requires (docs/method.md §5).

    M   = 2π R / δ                                   maximum frequency
    K   = (√((m-1)^2 + 4 M^2) - (m-1)) / 2
    E   = C(m+K, m) + C(m+K-1, m)                    (real-valued binomials)
    L_f = K √D / R
    ln W = ½ ln(m/6) + (ln 2 + ((m+1)/2) ln π + ln P - lnΓ((m+1)/2))/m + ln R - (ln n)/m
    dim = 2 D P E - n D
    bits = dim · (log2 B + ½ log2 D + ½ log2 P - log2 ε + log2 L_f + ln W / ln 2)

E is astronomically large (about 7e33 for ImageNet), so everything is evaluated in logs and only
the final product is exponentiated. Three rewritings keep every digit (each is exact algebra):

- K is computed as 2 M² / (√((m-1)² + 4M²) + (m-1)): the published difference of two nearly
  equal numbers loses all digits once m-1 >> M.
- ln C(x, m) = lnΓ(x+1) - lnΓ(m+1) - lnΓ(x-m+1) with real arguments, and ln E is the
  ``logaddexp`` of the two binomials (two positive terms: no cancellation). Where K >= 100 the
  difference lnΓ(K+m+1) - lnΓ(K+1) of two huge numbers is taken term by term in the Stirling
  series instead (at K = 6e12 one ulp of lnΓ is 0.03).
- dim = n D (exp(x) - 1) with x = ln(2 P E / n), so ln dim = ln(nD) + ln(expm1(x)): the
  difference 2DPE - nD is taken by expm1, not by subtracting two rounded large numbers.

The bracket (the log2 of the ratio of the hypothesis-space radius to ε) is a sum of moderate
terms taken with ``math.fsum``. Accuracy: exponentiating ln bits costs |ln bits|·2^-53 relative
(about 1e-14 at 1e41 bits); measured against 50-digit mpmath, the published settings agree to
5e-14 relative, and so do settings with K up to 6e12.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .._json import dumps
from ..exceptions import InputError
from .._validation import check_positive

__all__ = ["ComplexityBound", "OMNIGLOT_BACKGROUND_CHARACTERS", "PRESETS", "complexity_bound", "omniglot_setting"]

LN2 = math.log(2.0)

#: Published settings (docs/method.md §5): ε, n, m, R, δ and the number of classes.
PRESETS = {
    "mnist": {"target_error": 0.001, "n": 60000, "m": 14, "R": 17.179045827183984,
              "delta": 2.3987084824335305, "classes": 10},
    "cifar10": {"target_error": 0.01, "n": 50000, "m": 27, "R": 54.9156786783691,
                "delta": 2.7506414616587023, "classes": 10},
    "imagenet": {"target_error": 0.1, "n": 1280901, "m": 48, "R": 943.5923, "delta": 65, "classes": 1000},
    # SVHN (73,257 training images; R from the union table of the published script): 1.2129e31 bits.
    "svhn": {"target_error": 0.01, "n": 73257, "m": 19, "R": 53.86932485133339,
             "delta": 1.5766998174969105, "classes": 10},
}

#: Character counts of the 30 background alphabets of Omniglot (images_background, alphabets in
#: alphabetical order; 964 characters in all, the published total). Not re-counted from the files
#: here (the dataset is not on the development machine): check them with
#: ``[len(os.listdir(a)) for a in sorted(alphabet folders)]`` where you have it.
OMNIGLOT_BACKGROUND_CHARACTERS = (20, 29, 26, 41, 40, 24, 46, 14, 26, 34, 33, 22, 26, 43, 24,
                                  48, 22, 16, 52, 47, 40, 26, 40, 41, 33, 14, 42, 23, 17, 55)


@dataclass(frozen=True)
class ComplexityBound:
    """The bound of docs/method.md §5 and every intermediate quantity, for reporting and checking.

    Attributes
    ----------
    bits : float
        The bound, in bits: the formula's value dim · bracket where both factors are positive;
        0 where dim <= 0 (the training data pin every parameter) or the bracket <= 0 (ε exceeds
        the radius of the hypothesis space), ``reason`` saying which. +inf only where the value
        exceeds the float range (``log10_bits`` still holds it).
    formula_bits : float
        The formula's value dim · bracket as docs/method.md §5 writes it, whatever its sign.
    log10_bits : float or None
        log10 of ``bits`` where ``bits`` > 0 (finite even beyond the float range).
    target_error, n, m, R, delta, outputs, combinations, output_bound : float
        The inputs ε, n, m, R, δ, D, P, B.
    max_frequency : float           M
    K : float                       the frequency cut-off K
    log_eigenvalues : float         ln E (natural log of the number of eigenfunctions kept)
    log_dimension : float or None   ln |dim| (None where dim = 0)
    dimension_sign : int            sign of dim = 2DPE - nD
    lipschitz : float               L_f
    log_wasserstein : float         ln W
    log2_ratio : float              the bracket, in bits
    reason : str or None            why ``bits`` is not a positive finite number, where it is not
    """

    bits: float
    formula_bits: float
    log10_bits: float | None
    target_error: float
    n: float
    m: float
    R: float
    delta: float
    outputs: float
    combinations: float
    output_bound: float
    max_frequency: float
    K: float
    log_eigenvalues: float
    log_dimension: float | None
    dimension_sign: int
    lipschitz: float
    log_wasserstein: float
    log2_ratio: float
    reason: str | None = None

    def inputs(self) -> dict:
        """The inputs as keyword arguments of :func:`complexity_bound`."""
        return {"target_error": self.target_error, "n": self.n, "m": self.m, "R": self.R,
                "delta": self.delta, "outputs": self.outputs, "combinations": self.combinations,
                "output_bound": self.output_bound}

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("bits", "formula_bits"):
            if not math.isfinite(out[key]):
                out[key] = None  # JSON has no inf; log10_bits and reason say what it is
        return out

    def to_json(self, indent: int | None = 2) -> str:
        return dumps(self.to_dict(), indent)


def _check_count(name, value, minimum):
    value = check_positive(name, value)
    if value < minimum:
        raise InputError(name, f"must be >= {minimum}; got {value!r}")
    return value


# Stirling series of lnΓ: (x-½) ln x - x + ½ ln 2π + Σ_j B_2j / (2j (2j-1) x^(2j-1)); for x >= 100 the
# terms below leave a truncation error under 1e-21.
_STIRLING = (1.0 / 12.0, -1.0 / 360.0, 1.0 / 1260.0, -1.0 / 1680.0)
_STIRLING_FROM = 100.0


def _stirling_tail(x: float) -> float:
    inv, inv2 = 1.0 / x, 1.0 / (x * x)
    return inv * (_STIRLING[0] + inv2 * (_STIRLING[1] + inv2 * (_STIRLING[2] + inv2 * _STIRLING[3])))


def _log_gamma_ratio(x: float, a: float) -> float:
    """lnΓ(x+a) - lnΓ(x) for x > 0, a >= 0.

    For large x the two lnΓ values are huge (about 1.8e14 at x = 6e12, where one ulp is 0.03)
    and their difference, about a ln x, would keep few digits; there the Stirling series is
    differenced term by term: (x-½) log1p(a/x) + a ln(x+a) - a + tail(x+a) - tail(x).
    """
    if x < _STIRLING_FROM:
        return math.lgamma(x + a) - math.lgamma(x)
    return ((x - 0.5) * math.log1p(a / x) + a * math.log(x + a) - a
            + (_stirling_tail(x + a) - _stirling_tail(x)))


def _log_binomial(x: float, k: float) -> float:
    """ln C(x, k) = lnΓ(x+1) - lnΓ(k+1) - lnΓ(x-k+1), real x >= k - 1 > -1 (Γ with real arguments)."""
    return _log_gamma_ratio(x - k + 1.0, k) - math.lgamma(k + 1.0)


def _log_expm1(x: float) -> float:
    """ln(e^x - 1) for x > 0 without overflow or cancellation."""
    return x + math.log1p(-math.exp(-x)) if x > 1.0 else math.log(math.expm1(x))


def complexity_bound(target_error, n, m, R, delta, classes=None, *, outputs=None, combinations=None,
                     output_bound: float = 1.0) -> ComplexityBound:
    """The inductive bias complexity of a task: an upper bound, in bits, on the inductive bias
    needed to reach error ε, from the task's geometry alone (docs/method.md §5; Boopathy et al., ICML 2023).

    Parameters
    ----------
    target_error : float
        ε > 0, the target error.
    n : float
        Number of training points (> 0; need not be an integer, e.g. a count of episodes).
    m : float
        Intrinsic dimension of the inputs (> 0, real-valued; see :func:`intrinsic_dimension`).
    R : float
        Maximum norm of the inputs (> 0).
    delta : float
        δ > 0, the minimum distance between differently labelled inputs (see
        :func:`class_separation`).
    classes : int, optional
        Number of classes of a classification task: sets P = classes and D = classes - 1.
    outputs : float, optional
        D, the output dimension (>= 1); overrides ``classes - 1``.
    combinations : float, optional
        P, the number of discrete feature combinations (>= 1); overrides ``classes``.
    output_bound : float, default 1
        B, a bound on the output norm.

    Returns
    -------
    ComplexityBound
        ``bits`` and every intermediate quantity.

    Examples
    --------
    >>> from inductive_bias.complexity import PRESETS, complexity_bound
    >>> f"{complexity_bound(**PRESETS['imagenet']).bits:.6e}"
    '3.583253e+41'
    """
    eps = check_positive("target_error", target_error)
    n = check_positive("n", n)
    m = check_positive("m", m)
    R = check_positive("R", R)
    delta = check_positive("delta", delta)
    B = check_positive("output_bound", output_bound)
    if classes is not None:
        classes = check_positive("classes", classes, integer=True)
        if classes < 2:
            raise InputError("classes", f"must be >= 2; got {classes!r}")
    if outputs is None and classes is None:
        raise InputError("outputs", "give the number of classes or the output dimension D")
    if combinations is None and classes is None:
        raise InputError("combinations", "give the number of classes or the number of feature combinations P")
    D = _check_count("outputs", outputs, 1) if outputs is not None else float(classes - 1)
    P = _check_count("combinations", combinations, 1) if combinations is not None else float(classes)

    M = 2.0 * math.pi * R / delta
    if not math.isfinite(2.0 * M) or M == 0:
        raise InputError("delta", f"2πR/δ is out of the float range: R={R!r}, δ={delta!r}")
    # K = (√((m-1)^2 + 4M^2) - (m-1)) / 2, rationalised so that no digits cancel when m-1 >> M
    # (and written 2M · M/(...) so that M^2 cannot overflow).
    root = math.hypot(m - 1.0, 2.0 * M)
    K = 2.0 * M * (M / (root + (m - 1.0))) if m >= 1.0 else (root - (m - 1.0)) / 2.0
    if K == 0:
        raise InputError("delta", f"the frequency cut-off K underflows to 0 (2πR/δ = {M!r}, m = {m!r})")
    log_E = float(np.logaddexp(_log_binomial(m + K, m), _log_binomial(m + K - 1.0, m)))
    L_f = K * math.sqrt(D) / R
    log_W = (0.5 * math.log(m / 6.0)
             + (math.log(2.0) + 0.5 * (m + 1.0) * math.log(math.pi) + math.log(P) - math.lgamma(0.5 * (m + 1.0))) / m
             + math.log(R) - math.log(n) / m)
    # bracket = log2 B + ½ log2 D + ½ log2 P - log2 ε + log2 L_f + ln W / ln 2
    log2_ratio = math.fsum([math.log(B), 0.5 * math.log(D), 0.5 * math.log(P), -math.log(eps),
                            math.log(K), 0.5 * math.log(D), -math.log(R), log_W]) / LN2

    # dim = 2DPE - nD = nD (e^x - 1), x = ln(2PE/n)
    x = math.log(2.0 * P) + log_E - math.log(n)
    if x > 0:
        sign, log_dim = 1, math.log(n * D) + _log_expm1(x)
    elif x < 0:
        sign, log_dim = -1, math.log(n * D) + math.log(-math.expm1(x))
    else:
        sign, log_dim = 0, None

    log10_bits = None
    if sign == 0 or log2_ratio == 0:
        formula_bits = 0.0
    else:
        log_abs = log_dim + math.log(abs(log2_ratio))
        value_sign = sign * (1 if log2_ratio > 0 else -1)
        formula_bits = value_sign * (math.exp(log_abs) if log_abs < 709.0 else math.inf)
    reason = None
    if sign <= 0:
        bits = 0.0
        reason = (f"the n = {n:g} training points fix at least as many values as the hypothesis space has "
                  f"dimensions (2PE = {math.exp(log_E + math.log(2 * P)):.6g}), so by the bound's argument "
                  "no inductive bias is needed (0 bits)")
    elif log2_ratio <= 0:
        bits = 0.0
        reason = (f"ε = {eps:g} exceeds the radius of the hypothesis space (bracket {log2_ratio:.6g} bits <= 0): "
                  "every hypothesis that fits the data reaches ε, so no inductive bias is needed (0 bits)")
    else:
        bits = formula_bits
        log10_bits = log_abs / math.log(10.0)
        if math.isinf(bits):
            reason = f"the bound is 10^{log10_bits:.6f} bits, beyond the float range (see log10_bits)"
    return ComplexityBound(
        bits=bits, formula_bits=formula_bits, log10_bits=log10_bits, target_error=eps, n=n, m=m, R=R, delta=delta, outputs=D,
        combinations=P, output_bound=B, max_frequency=M, K=K, log_eigenvalues=log_E, log_dimension=log_dim,
        dimension_sign=sign, lipschitz=L_f, log_wasserstein=log_W, log2_ratio=log2_ratio, reason=reason,
    )


def omniglot_setting(characters=OMNIGLOT_BACKGROUND_CHARACTERS, *, ways: int = 20, m_within: float = 22,
                     m_across: float = 29, R: float = 49.4064773081425, delta: float = 5.477225575051661,
                     target_error: float = 0.01) -> dict:
    """The published Omniglot meta-learning setting as inputs of :func:`complexity_bound` (docs/method.md §5, §6).

    An input is an episode of ``ways`` images, one per character of one alphabet; the output says
    which pairs share a class. The published construction maps it onto docs/method.md §5 as follows:

    - n = Σ_alphabets C(max(c, ways), ways) · ways^ways episodes (c characters per alphabet: the
      characters chosen, then one of ``ways`` drawings of each; alphabets with fewer than ``ways``
      characters count once, as in the published script);
    - m = m_across + (ways - 1) · m_within, R = √ways · R_image, P = 1;
    - D = 2 · ways · (ways - 1) · E_within, E_within the eigenfunction count of docs/method.md §5 for one image
      (m_within, R_image, δ): the output is a function of every image pair;
    - B = √(ways (ways - 1)).

    Examples
    --------
    >>> from inductive_bias.complexity import complexity_bound
    >>> f"{complexity_bound(**omniglot_setting()).log10_bits:.4f}"
    '145.2527'
    """
    n = sum(math.comb(max(int(c), ways), ways) for c in characters) * ways**ways
    within = complexity_bound(target_error, n, m_within, R, delta, 2)
    outputs = 2.0 * ways * (ways - 1) * math.exp(within.log_eigenvalues)
    return {"target_error": target_error, "n": float(n), "m": m_across + (ways - 1) * m_within,
            "R": math.sqrt(ways) * R, "delta": delta, "outputs": outputs, "combinations": 1.0,
            "output_bound": math.sqrt(ways * (ways - 1))}


PRESETS["omniglot"] = omniglot_setting()
