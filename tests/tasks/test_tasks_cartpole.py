"""Cart-pole dynamics (Florian 2007, gymnasium's constants), its linearisation and the LQR expert."""

import numpy as np
import pytest

from inductive_bias.tasks.cartpole import CartPole, load_cartpole


def lagrange_accelerations(system: CartPole, state, force):
    """Independent form: Lagrange's equations of a cart and a uniform rod (moment of inertia
    m l²/3 about its centre, l the half length) as a 2x2 mass-matrix system.

        (M) ẍ + m l cos θ θ̈ = F + m l θ̇² sin θ
        cos θ ẍ + (4/3) l θ̈ = g sin θ
    """
    _, _, theta, theta_dot = state
    m, l, M, g = system.masspole, system.length, system.total_mass, system.gravity
    mass = np.array([[M, m * l * np.cos(theta)], [np.cos(theta), 4.0 / 3.0 * l]])
    rhs = np.array([force + m * l * theta_dot**2 * np.sin(theta), g * np.sin(theta)])
    return np.linalg.solve(mass, rhs)


def test_accelerations_match_the_mass_matrix_form():
    system = CartPole()
    rng = np.random.default_rng(0)
    for _ in range(20):
        state = rng.uniform(-1, 1, size=4)
        force = rng.choice([-10.0, 10.0])
        x_acc, theta_acc = system.accelerations(state, force)
        expected = lagrange_accelerations(system, state, force)
        assert np.allclose([x_acc, theta_acc], expected, rtol=1e-12, atol=1e-12)


def test_upright_rest_is_an_equilibrium_and_the_step_is_euler():
    system = CartPole()
    assert np.allclose(system.accelerations(np.zeros(4), 0.0), 0.0)
    state = np.array([0.1, -0.2, 0.03, 0.4])
    x_acc, theta_acc = system.accelerations(state, 10.0)
    nxt = system.step(state, 1)
    # gymnasium's Euler order: positions move with the old velocities.
    assert np.allclose(nxt, [0.1 + 0.02 * -0.2, -0.2 + 0.02 * x_acc, 0.03 + 0.02 * 0.4, 0.4 + 0.02 * theta_acc])


def test_linearisation_matches_finite_differences():
    system = CartPole()
    A, B = system.linearization()
    h = 1e-6

    def f(s, u):
        x_acc, theta_acc = system.accelerations(s, u)
        return np.array([s[1], x_acc, s[3], theta_acc])

    numeric_A = np.column_stack([(f(h * e, 0.0) - f(-h * e, 0.0)) / (2 * h) for e in np.eye(4)])
    numeric_B = (f(np.zeros(4), h) - f(np.zeros(4), -h)) / (2 * h)
    # Central differences of smooth functions: error O(h²) ~ 1e-12, plus rounding ~ 1e-10.
    assert np.allclose(A, numeric_A, atol=1e-7)
    assert np.allclose(B[:, 0], numeric_B, atol=1e-7)


def test_lqr_gain_solves_the_riccati_equation_and_stabilises():
    system = CartPole()
    K = system.lqr_gain()
    A, B = system.linearization()
    Ad, Bd = np.eye(4) + system.tau * A, system.tau * B
    assert np.max(np.abs(np.linalg.eigvals(Ad - Bd @ K))) < 1  # closed loop stable
    # The bang-bang expert keeps gymnasium's episodes alive for 500 steps from its reset states.
    rng = np.random.default_rng(1)
    visited = system.rollouts(20, 500, 0.05, K, rng)
    assert len(visited) == 20 * 500
    assert np.all(np.abs(visited[:, 2]) < system.theta_threshold) and np.all(np.abs(visited[:, 0]) < system.x_threshold)


def test_task_labels_are_the_expert_actions():
    task = load_cartpole(200, 150, seed=4)
    system = CartPole()
    K = np.array([task.info["lqr_gain"]])
    assert task.X_train.shape == (200, 4) and task.classes == ("left", "right")
    assert np.array_equal(np.argmax(task.Y_train, axis=1), system.expert(task.X_train, K))
    assert np.array_equal(np.argmax(task.Y_test, axis=1), system.expert(task.X_test, K))
    assert 0.2 < task.Y_train[:, 1].mean() < 0.8  # both actions occur
    again = load_cartpole(200, 150, seed=4)
    assert np.array_equal(again.X_test, task.X_test)
    assert not np.array_equal(load_cartpole(200, 150, seed=5).X_train, task.X_train)


def test_noise_zero_keeps_visited_states():
    task = load_cartpole(50, 50, noise=0.0, seed=0)
    assert np.all(np.abs(task.X_train[:, 2]) < CartPole().theta_threshold)
    with pytest.raises(ValueError, match="noise"):
        load_cartpole(noise=-1)
