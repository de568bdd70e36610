"""scikit-learn regressors as trained hypothesis spaces (spaces/sklearn_models.py)."""

import warnings

import numpy as np
import pytest

from inductive_bias import Task, digits, measure
from inductive_bias._validation import InputError
from inductive_bias.spaces.kernels import kernel_matrix
from inductive_bias.spaces.sklearn_models import PointMassWarning, ScikitLearnSpace, _random_state


@pytest.fixture(scope="module")
def task():
    return digits(150, 100, seed=1)


def test_member_is_the_model_fitted_with_its_seed(task):
    """Losses and accuracy against an independent fit and the docs/method.md §1 formula written out."""
    from sklearn.ensemble import RandomForestRegressor

    seed = 2**40 + 17  # member seeds run to 2**63: beyond scikit-learn's int range
    member, = ScikitLearnSpace("random_forest", n_estimators=7).train_members(task, [seed])
    model = RandomForestRegressor(n_estimators=7, max_features=1.0, random_state=_random_state(seed))
    model.fit(task.X_train, task.Y_train)
    pred, train_pred = model.predict(task.X_test), model.predict(task.X_train)
    m, k = task.Y_test.shape
    assert member.seed == seed
    # the same arithmetic in another order: equal to rounding (1e-15 relative)
    assert member.test_loss == pytest.approx(np.sum((pred - task.Y_test) ** 2) / (m * k), rel=1e-12)
    assert member.train_loss == pytest.approx(np.mean((train_pred - task.Y_train) ** 2), rel=1e-12)
    labels = np.argmax(task.Y_test, axis=1)
    assert member.test_accuracy == np.mean(np.argmax(pred, axis=1) == labels)


@pytest.mark.parametrize("model, params", [("random_forest", {"n_estimators": 5}),
                                           ("extra_trees", {"n_estimators": 5}),
                                           ("gradient_boosting", {"n_estimators": 5})])
def test_same_seed_same_member_other_seed_other_member(task, model, params):
    space = ScikitLearnSpace(model, **params)
    a, b, a_again = space.train_members(task, [11, 12, 11], predictions=True)
    assert a.test_loss == a_again.test_loss
    np.testing.assert_array_equal(a.predictions, a_again.predictions)
    assert a.test_loss != b.test_loss
    assert a.predictions.shape == task.Y_test.shape


@pytest.mark.parametrize("model", ["knn", "kernel_ridge", "least_squares"])
def test_deterministic_models_say_they_are_a_point_mass(task, model):
    with pytest.warns(PointMassWarning, match="point mass"):
        space = ScikitLearnSpace(model)
    assert space.spec()["deterministic"] is True
    first, second = space.train_members(task, [1, 2])
    assert first.test_loss == second.test_loss and first.train_loss == second.train_loss


def test_random_models_carry_no_deterministic_flag():
    with warnings.catch_warnings():
        warnings.simplefilter("error", PointMassWarning)
        spec = ScikitLearnSpace("extra_trees").spec()
    assert "deterministic" not in spec
    assert spec == {"space": "extra_trees", "n_estimators": 100, "max_depth": None, "max_features": 1.0,
                    "min_samples_leaf": 1, "bootstrap": False}


def test_kernel_ridge_is_the_regularised_kernel_interpolant(task):
    """Predictions K*(K + αI)^-1 Y, solved here independently with numpy."""
    with pytest.warns(PointMassWarning):
        space = ScikitLearnSpace("kernel_ridge", kernel="laplace", lengthscale=30.0, alpha=0.1)
    member, = space.train_members(task, [0], predictions=True)
    K = kernel_matrix("laplace", task.X_train, task.X_train, 30.0)
    Ks = kernel_matrix("laplace", task.X_test, task.X_train, 30.0)
    expected = Ks @ np.linalg.solve(K + 0.1 * np.eye(len(K)), task.Y_train)
    np.testing.assert_allclose(member.predictions, expected, rtol=1e-8, atol=1e-10)


def test_least_squares_alpha_zero_is_least_squares(task):
    with pytest.warns(PointMassWarning):
        member, = ScikitLearnSpace("least_squares").train_members(task, [0], predictions=True)
    X = np.column_stack([task.X_train, np.ones(task.n_train)])
    coef, *_ = np.linalg.lstsq(X, task.Y_train, rcond=None)
    expected = np.column_stack([task.X_test, np.ones(task.n_test)]) @ coef
    np.testing.assert_allclose(member.predictions, expected, atol=1e-8)


def test_instances_need_random_state_and_are_recorded(task):
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.tree import DecisionTreeRegressor

    with pytest.raises(InputError, match="^model: KNeighborsRegressor has no random_state"):
        ScikitLearnSpace(KNeighborsRegressor())
    space = ScikitLearnSpace(DecisionTreeRegressor(max_depth=4), max_features=0.5)
    spec = space.spec()
    assert spec["space"] == "sklearn" and spec["model"].endswith("DecisionTreeRegressor")
    assert spec["max_depth"] == 4 and spec["max_features"] == 0.5 and "random_state" not in spec
    a, b = space.train_members(task, [3, 4])
    assert a.test_loss != b.test_loss
    with pytest.raises(InputError, match="^params: "):
        ScikitLearnSpace(DecisionTreeRegressor(), no_such_parameter=1)


def test_regression_task_has_no_accuracy():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.normal(size=60)
    task = Task.from_arrays(X[:40], y[:40] + 0.25, X[40:], y[40:] + 0.25)
    member, = ScikitLearnSpace("random_forest", n_estimators=5).train_members(task, [1])
    assert member.test_accuracy is None and member.test_loss > 0


@pytest.mark.parametrize("kwargs, argument", [
    ({"model": "svm"}, "model"),
    ({"model": "knn", "n_estimators": 3}, "n_estimators"),
    ({"model": "random_forest", "n_estimators": 0}, "n_estimators"),
    ({"model": "random_forest", "max_features": 1.5}, "max_features"),
    ({"model": "gradient_boosting", "subsample": 1.2}, "subsample"),
    ({"model": "gradient_boosting", "learning_rate": -0.1}, "learning_rate"),
    ({"model": "kernel_ridge", "kernel": "cosine"}, "kernel"),
    ({"model": "kernel_ridge", "alpha": 0.0}, "alpha"),
    ({"model": "least_squares", "alpha": -1.0}, "alpha"),
    ({"model": "linear", "alpha": 0.0}, "alpha"),
    ({"model": "linear", "step_size": 2.0}, "step_size"),
    ({"model": "linear", "epochs": 0}, "epochs"),
    ({"model": "linear", "init_std": -1.0}, "init_std"),
    ({"model": "decision_tree", "splitter": "worst"}, "splitter"),
    ({"model": "decision_tree", "n_estimators": 3}, "n_estimators"),
    ({"model": 3}, "model"),
])
def test_bad_parameters_name_the_argument(kwargs, argument):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PointMassWarning)
        with pytest.raises(InputError) as info:
            ScikitLearnSpace(**kwargs)
    assert info.value.argument == argument


def test_knn_with_too_few_training_points_is_refused():
    task = digits(4, 10)
    with pytest.warns(PointMassWarning):
        space = ScikitLearnSpace("knn", n_neighbors=5)
    with pytest.raises(InputError, match="^n_neighbors: must be <= the 4 training points"):
        space.train_members(task, [0])


def test_exact_estimator_is_refused_for_trained_spaces(task):
    with pytest.raises(InputError, match="^estimator: 'exact' needs a space whose loss law is known") as info:
        measure(task, ScikitLearnSpace("random_forest", n_estimators=3), estimator="exact")
    assert "paper" in str(info.value) and "sampled'" not in str(info.value)


def test_measure_samples_a_trained_space(task):
    result = measure(task, ScikitLearnSpace("extra_trees", n_estimators=5), [0.02], estimator="empirical",
                     hypotheses=6, seed=0, n_bootstrap=20)
    assert result.loss.samples == 6
    assert result.loss.train_max == 0.0  # extra trees without bootstrap interpolate their training data


# -- decision_tree and linear: distributions, not point masses ------------------------------------
def test_decision_tree_members_differ_and_fit(task):
    """A fully grown tree interpolates the training data (digits has no duplicate inputs with
    different labels here: checked), and the random feature subset per split makes members differ."""
    from sklearn.tree import DecisionTreeRegressor

    assert len({row.tobytes() for row in task.X_train}) == task.n_train
    with warnings.catch_warnings():
        warnings.simplefilter("error", PointMassWarning)
        space = ScikitLearnSpace("decision_tree")
    assert "deterministic" not in space.spec() and space.spec()["max_features"] == "sqrt"
    members = space.train_members(task, [1, 2, 3, 4, 5], predictions=True)
    assert all(m.train_loss == 0.0 for m in members)
    assert len({m.test_loss for m in members}) == 5
    # the member is scikit-learn's tree with the member's random_state
    tree = DecisionTreeRegressor(max_features="sqrt", random_state=_random_state(3)).fit(task.X_train, task.Y_train)
    np.testing.assert_array_equal(members[2].predictions, tree.predict(task.X_test))
    # random thresholds too
    other = ScikitLearnSpace("decision_tree", splitter="random").train_members(task, [1])[0]
    assert other.train_loss == 0.0 and other.test_loss != members[0].test_loss


def test_linear_gradient_descent_is_the_closed_form_of_its_iteration(task):
    """T steps of gradient descent on a quadratic: W_T = W* + (I - eta H)^T (W_0 - W*), with W*
    the minimum-norm least-squares weights, evaluated here by an eigendecomposition of H (an
    independent computation: no iteration). Agreement to 1e-8 relative: 1000 float64 steps."""
    from inductive_bias.spaces.sklearn_models import linear_gradient_descent

    X, Y = task.X_train, task.Y_train
    A = np.column_stack([X, np.ones(len(X))])
    n, k = Y.shape
    H = 2 * A.T @ A / (n * k)
    lam, V = np.linalg.eigh(H)
    eta = 0.7 / lam[-1]
    W_star = np.linalg.pinv(A) @ Y
    W0 = np.random.default_rng(np.random.SeedSequence(9)).standard_normal((A.shape[1], k)) * (0.5 / np.sqrt(A.shape[1]))
    decay = V @ np.diag((1 - eta * lam) ** 300) @ V.T
    expected = W_star + decay @ (W0 - W_star)
    got = linear_gradient_descent(X, Y, 9, epochs=300, step_size=0.7, init_std=0.5)
    np.testing.assert_allclose(A @ got, A @ expected, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


def test_linear_members_differ_and_fit_where_a_linear_model_can():
    """More features than training points: a linear model can interpolate, and gradient descent
    gets there (train MSE below the docs/method.md §8 threshold); members keep their random initial weights
    along the directions the data do not determine, so their test predictions differ."""
    small = digits(30, 60, seed=2)                         # 65 weights per output, 30 rows
    with warnings.catch_warnings():
        warnings.simplefilter("error", PointMassWarning)
        space = ScikitLearnSpace("linear", epochs=20000)
    assert space.spec() == {"space": "linear", "epochs": 20000, "step_size": 1.0, "init_std": 1.0}
    members = space.train_members(small, [1, 2, 3], predictions=True)
    threshold = 0.01 * np.mean(np.var(small.Y_train, axis=0))
    assert all(m.train_loss <= threshold for m in members)
    assert len({m.test_loss for m in members}) == 3
    assert np.abs(members[0].predictions - members[1].predictions).max() > 0.01
    # with more rows than (well-conditioned) features the data determine every direction: after
    # enough steps every member is the least-squares fit, the point mass of least_squares
    rng = np.random.default_rng(4)
    X = rng.standard_normal((200, 5))
    y = X @ rng.standard_normal(5) + 0.3 * rng.standard_normal(200)
    wide = Task.from_arrays(X[:150], y[:150], X[150:], y[150:])
    with pytest.warns(PointMassWarning):
        ls, = ScikitLearnSpace("least_squares").train_members(wide, [0], predictions=True)
    for m in ScikitLearnSpace("linear", epochs=2000).train_members(wide, [1, 2], predictions=True):
        np.testing.assert_allclose(m.predictions, ls.predictions, rtol=1e-6, atol=1e-9)


def _named_splitter():  # a module-level function: its qualified name is a stable description
    return None


def test_an_instance_spec_is_json_that_reads_back_or_a_clear_error():
    """One jsonable (inductive_bias._json) for specs and results: an estimator given as a parameter is
    its class and parameters, never a repr (a memory address would give a new space id in every
    process); an object with no JSON form is refused, naming the parameter."""
    import json

    from sklearn.ensemble import BaggingRegressor
    from sklearn.tree import DecisionTreeRegressor

    from inductive_bias.store import space_id_for

    space = ScikitLearnSpace(BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=3), n_estimators=2))
    spec = space.spec()
    assert spec["estimator"]["class"] == "sklearn.tree._classes.DecisionTreeRegressor"
    assert spec["estimator"]["max_depth"] == 3 and json.loads(json.dumps(spec)) == spec
    assert "0x" not in json.dumps(spec)
    again = ScikitLearnSpace(BaggingRegressor(estimator=DecisionTreeRegressor(max_depth=3), n_estimators=2))
    assert space_id_for(again.spec(), {"name": "t"}, 0) == space_id_for(spec, {"name": "t"}, 0)
    assert ScikitLearnSpace(DecisionTreeRegressor(), splitter=_named_splitter).spec()["splitter"].endswith(
        "test_sklearn_spaces._named_splitter")
    for value in (object(), lambda: None):
        with pytest.raises(InputError, match="^splitter: .* has no JSON form a store can keep and read back"):
            ScikitLearnSpace(DecisionTreeRegressor(), splitter=value)
    assert ScikitLearnSpace(DecisionTreeRegressor(), ccp_alpha=np.float32(0.5)).spec()["ccp_alpha"] == 0.5
