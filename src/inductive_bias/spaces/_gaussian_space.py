"""What every space whose hypotheses are Gaussian at the test inputs shares: the exact law of the
test loss from the posterior's M and Σ (docs/method.md §2; docs/method.md §7 for the infinite-width spaces), its
conditioning warnings, and hypotheses drawn from that posterior."""

from __future__ import annotations

import time
import warnings

from .._random import check_random_state
from .._validation import check_positive
from ..distributions import GeneralizedChiSquare, draw_hypotheses, gaussian_loss_law
from ..exceptions import ConditioningWarning
from ..tasks import Task
from .base import HypothesisSamples, HypothesisSpace
from .conditioning import GP_REMEDY
from .gaussian import GaussianPosterior


class GaussianPosteriorSpace(HypothesisSpace):
    """A space whose :meth:`posterior` gives the :class:`~.gaussian.GaussianPosterior` at the test
    inputs, computed by :func:`~.gaussian.posterior` from the space's kernels. ``remedy`` is what
    its conditioning warnings tell the user to change; :meth:`_posterior_info` adds the subclass's
    own facts to ``info``."""

    offers_predictions = True
    remedy = GP_REMEDY

    def posterior(self, task: Task) -> GaussianPosterior:
        raise NotImplementedError

    def _posterior_info(self, post) -> dict:
        return {}

    def loss_distribution(self, task: Task) -> tuple[GeneralizedChiSquare, dict]:
        """The exact law of the test loss (docs/method.md §2):
        L = c0 + sum_i (λ_i/(mk)) χ²_k(||B_i||²/λ_i),  B = U^T (M - Y_test).

        ``info`` holds the split of the law, the space's own facts (hyperparameters used, the
        backend, ...), the solve's :class:`~.conditioning.Conditioning` diagnostics and
        ``warnings``: one line for each check that failed, each also issued as a
        :class:`~inductive_bias.exceptions.ConditioningWarning`.
        """
        post = self.posterior(task)
        tic = time.perf_counter()
        split = gaussian_loss_law(post.mean, post.eigenvalues, post.eigenvectors, task.Y_test,
                                  tolerance=post.zero_tolerance)
        law = split.law
        timings = {**post.timings, "law": time.perf_counter() - tic}
        checks = post.conditioning
        info = {"jitter": post.jitter, "pinned_directions": split.pinned_directions,
                "zero_tolerance": post.zero_tolerance, "loss_offset": law.offset, "loss_mean": law.mean,
                "loss_std": law.std, **self._posterior_info(post),
                "conditioning": None if checks is None else checks.to_dict(),
                "warnings": [] if checks is None else checks.warnings(self.remedy),
                "timings": timings}
        for line in info["warnings"]:
            warnings.warn(line, ConditioningWarning, stacklevel=2)
        return law, info

    def sample(self, task: Task, n: int, seed=None, *, predictions: bool = False) -> HypothesisSamples:
        """Draw n hypotheses from the posterior and report their test losses.

        With ``predictions=True`` each hypothesis h = M + U Λ^{1/2} Z is formed at the test inputs
        and its loss computed by :meth:`Task.test_loss`; otherwise the losses are drawn from the
        exact law of those same losses, which is equal in distribution and much cheaper.
        """
        n = check_positive("hypotheses", n, integer=True)
        rng = check_random_state(seed)
        if not predictions:
            law, _ = self.loss_distribution(task)
            return HypothesisSamples(losses=law.sample(n, rng))
        post = self.posterior(task)
        out = draw_hypotheses(post.mean, post.eigenvalues, post.eigenvectors, n, rng)
        return HypothesisSamples(losses=task.test_loss(out), predictions=out)
