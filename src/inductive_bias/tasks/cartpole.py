"""Inverted-pendulum (cart-pole) control as a classification task (docs/method.md §6).

Dynamics: the frictionless cart-pole of Florian (2007), with the constants and the explicit Euler
step of gymnasium's ``CartPole`` environment. With state s = (x, ẋ, θ, θ̇) (θ = 0 upright,
positive leaning right), force F on the cart, M = m_c + m_p and l the pole's half length:

    t  = (F + m_p l θ̇² sin θ) / M
    θ̈ = (g sin θ - cos θ · t) / (l (4/3 - m_p cos² θ / M))
    ẍ = t - m_p l θ̈ cos θ / M

and a step of τ seconds: x += τ ẋ, ẋ += τ ẍ, θ += τ θ̇, θ̇ += τ θ̈ (positions with the old
velocities). The action pushes left (F = -10 N) or right (F = +10 N).

Expert: LQR on the system linearised about the upright equilibrium and discretised with the same
Euler step (A_d = I + τ A, B_d = τ B), gain K from the discrete algebraic Riccati equation; the
expert pushes right when the LQR force -K s is positive, left otherwise.

Task: states the expert visits (closed-loop episodes from gymnasium's reset distribution, uniform
in [-start, start]^4), plus Gaussian noise of ``noise`` times the visited states' standard
deviation per coordinate; input the state, target the expert's action one-hot (classes "left",
"right"). Test states come from separate, held-out episodes.

References
----------
R. V. Florian, "Correct equations for the dynamics of the cart-pole system", Center for Cognitive
and Neural Studies (Coneural), Romania, 2007.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import scipy.linalg

from .._random import check_random_state
from ..exceptions import InputError
from .._validation import check_positive
from ._preprocess import seed_record
from .task import Task

__all__ = ["CartPole", "load_cartpole"]

ACTIONS = ("left", "right")


@dataclass(frozen=True)
class CartPole:
    """Cart-pole constants (gymnasium's defaults) and its dynamics, linearisation and LQR expert."""

    gravity: float = 9.8
    masscart: float = 1.0
    masspole: float = 0.1
    length: float = 0.5  # half the pole's length
    force_mag: float = 10.0
    tau: float = 0.02
    x_threshold: float = 2.4
    theta_threshold: float = 12 * 2 * math.pi / 360

    @property
    def total_mass(self) -> float:
        return self.masscart + self.masspole

    def accelerations(self, states: np.ndarray, force: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ẍ, θ̈) of states (..., 4) under forces (...) by Florian's frictionless equations."""
        _, _, theta, theta_dot = np.moveaxis(np.asarray(states, dtype=np.float64), -1, 0)
        sin, cos = np.sin(theta), np.cos(theta)
        m_p, l, M = self.masspole, self.length, self.total_mass
        temp = (force + m_p * l * theta_dot**2 * sin) / M
        theta_acc = (self.gravity * sin - cos * temp) / (l * (4.0 / 3.0 - m_p * cos**2 / M))
        x_acc = temp - m_p * l * theta_acc * cos / M
        return x_acc, theta_acc

    def step(self, states: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """One explicit Euler step of τ seconds; action 1 pushes right, 0 left."""
        states = np.asarray(states, dtype=np.float64)
        force = np.where(np.asarray(actions) == 1, self.force_mag, -self.force_mag)
        x_acc, theta_acc = self.accelerations(states, force)
        x, x_dot, theta, theta_dot = np.moveaxis(states, -1, 0)
        return np.stack([x + self.tau * x_dot, x_dot + self.tau * x_acc,
                         theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc], axis=-1)

    def linearization(self) -> tuple[np.ndarray, np.ndarray]:
        """Continuous-time (A, B) of ṡ = A s + B F about the upright equilibrium s = 0, F = 0."""
        m_p, l, M, g = self.masspole, self.length, self.total_mass, self.gravity
        lp = l * (4.0 / 3.0 - m_p / M)
        theta_theta, theta_force = g / lp, -1.0 / (M * lp)
        x_theta, x_force = -m_p * l * theta_theta / M, 1.0 / M - m_p * l * theta_force / M
        A = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, x_theta, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, theta_theta, 0.0]])
        B = np.array([[0.0], [x_force], [0.0], [theta_force]])
        return A, B

    def lqr_gain(self, Q=None, R: float = 1.0) -> np.ndarray:
        """The discrete LQR gain K (1 x 4) of the Euler-discretised linearisation; F = -K s."""
        A, B = self.linearization()
        Ad, Bd = np.eye(4) + self.tau * A, self.tau * B
        Q = np.eye(4) if Q is None else np.asarray(Q, dtype=np.float64)
        Rm = np.array([[float(R)]])
        P = scipy.linalg.solve_discrete_are(Ad, Bd, Q, Rm)
        return np.linalg.solve(Rm + Bd.T @ P @ Bd, Bd.T @ P @ Ad)

    def expert(self, states: np.ndarray, gain: np.ndarray) -> np.ndarray:
        """The expert's action (1 right, 0 left): the sign of the LQR force -K s."""
        return (-(np.asarray(states) @ gain[0]) > 0).astype(np.int64)

    def rollouts(self, episodes: int, steps: int, start: float, gain: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
        """States visited by the expert: ``episodes`` closed-loop runs of up to ``steps`` steps from
        uniform [-start, start]^4, each stopped where gymnasium would end it (|x| > 2.4 or
        |θ| > 12°). Returns (visited, 4)."""
        states = rng.uniform(-start, start, size=(episodes, 4))
        alive = np.ones(episodes, dtype=bool)
        visited = []
        for _ in range(steps):
            visited.append(states[alive])
            states = self.step(states, self.expert(states, gain))
            alive &= (np.abs(states[:, 0]) <= self.x_threshold) & (np.abs(states[:, 2]) <= self.theta_threshold)
            if not alive.any():
                break
        return np.concatenate(visited)


def load_cartpole(n_train: int = 500, n_test: int = 500, *, seed=0, noise: float = 0.1, start_range: float = 0.05,
                  episode_steps: int = 200) -> Task:
    """Cart-pole control: state -> the LQR expert's action, one-hot (docs/method.md §6).

    Parameters
    ----------
    n_train, n_test : int, default 500
        States drawn from training episodes and from separate test episodes.
    seed : int or Generator, default 0
    noise : float, default 0.1
        Gaussian noise added to each visited state, in units of the visited states' standard
        deviation per coordinate (0 keeps the states the expert visits).
    start_range : float, default 0.05
        Episodes start uniform in [-start_range, start_range]^4 (gymnasium's reset uses 0.05).
    episode_steps : int, default 200
        Steps per episode (fewer where the pole falls or the cart leaves the track).

    Returns
    -------
    Task
        X: (n, 4) states (x, ẋ, θ, θ̇); Y: one-hot over ("left", "right").

    Examples
    --------
    >>> task = load_cartpole(100, 100, seed=0)
    >>> task.X_train.shape, task.classes
    ((100, 4), ('left', 'right'))
    """
    n_train = check_positive("n_train", n_train, integer=True)
    n_test = check_positive("n_test", n_test, integer=True)
    noise = check_positive("noise", noise, allow_zero=True)
    start = check_positive("start_range", start_range)
    episode_steps = check_positive("episode_steps", episode_steps, integer=True)
    system = CartPole()
    gain = system.lqr_gain()
    train_rng, test_rng, noise_rng = check_random_state(seed).spawn(3)
    pools = []
    for n, rng in ((n_train, train_rng), (n_test, test_rng)):
        episodes = max(1, math.ceil(2 * n / episode_steps))
        pool = system.rollouts(episodes, episode_steps, start, gain, rng)
        while len(pool) < n:  # episodes ended early: run more
            pool = np.concatenate([pool, system.rollouts(episodes, episode_steps, start, gain, rng)])
        pools.append(pool[rng.choice(len(pool), size=n, replace=False)])
    spread = pools[0].std(axis=0)
    train_rng_noise, test_rng_noise = noise_rng.spawn(2)
    X_train = pools[0] + noise * spread * train_rng_noise.standard_normal(pools[0].shape)
    X_test = pools[1] + noise * spread * test_rng_noise.standard_normal(pools[1].shape)
    y_train = np.array(ACTIONS)[system.expert(X_train, gain)]
    y_test = np.array(ACTIONS)[system.expert(X_test, gain)]
    info = {
        "source": "built-in: cart-pole (Florian 2007, gymnasium CartPole constants), discrete LQR expert "
                  "(Q = I, R = 1) on the Euler-discretised linearisation, action = sign of the LQR force",
        "preprocessing": f"states visited by the expert from uniform [-{start:g}, {start:g}]^4 starts "
                         f"({episode_steps}-step episodes) plus Gaussian noise of {noise:g} x the visited std",
        "split": "test states from held-out episodes",
        "features": ["x", "x_dot", "theta", "theta_dot"],
        "lqr_gain": [float(v) for v in gain[0]],
        "constants": asdict(system),
        "seed": seed_record(seed),
    }
    if len(set(y_train.tolist())) < 2:
        raise InputError("n_train", f"the {n_train} training states all get action {y_train[0]!r}; ask for more")
    return Task.from_arrays(X_train, y_train, X_test, y_test, name="cartpole", classes=list(ACTIONS), info=info)
