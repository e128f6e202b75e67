"""Tests for reference.initialization (ex09)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import he_init, xavier_init

INITS = [
    pytest.param(xavier_init, lambda n_in: 1 / np.sqrt(n_in), id="xavier_init"),
    pytest.param(he_init, lambda n_in: np.sqrt(2 / n_in), id="he_init"),
]


@pytest.mark.parametrize(("init", "std"), INITS)
def test_draws_are_standard_normals_scaled_by_the_std(init, std):
    # the formula by hand: the same generator's standard normals times std(n_in)
    expected = np.random.default_rng(5).standard_normal((3, 4)) * std(3)
    out = init(3, 4, rng=np.random.default_rng(5))
    assert out.shape == (3, 4)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, expected, rtol=1e-14)


@pytest.mark.parametrize(("init", "std"), INITS)
@pytest.mark.parametrize("n_in", [50, 400])
def test_sample_std_is_close_to_the_target(init, std, n_in):
    out = init(n_in, 500, rng=np.random.default_rng(0))
    # 25 000 or 200 000 draws: the sample std is within 2 % of the true one
    assert out.std() == pytest.approx(std(n_in), rel=0.02)
    assert abs(out.mean()) < 0.05 * std(n_in)


@pytest.mark.parametrize(("init", "std"), INITS)
def test_same_seed_same_weights_and_none_means_fresh(init, std):
    np.testing.assert_array_equal(init(4, 3, np.random.default_rng(1)), init(4, 3, np.random.default_rng(1)))
    assert not np.array_equal(init(4, 3), init(4, 3))


@pytest.mark.parametrize(("init", "std"), INITS)
def test_global_numpy_random_state_is_left_alone(init, std):
    # the legacy global generator is what "no global seeding" protects
    state = np.random.get_state()  # noqa: NPY002
    init(4, 3)
    init(4, 3, np.random.default_rng(0))
    after = np.random.get_state()  # noqa: NPY002
    assert state[0] == after[0]
    np.testing.assert_array_equal(state[1], after[1])


@pytest.mark.parametrize(("init", "std"), INITS)
def test_validation_messages(init, std):
    name = init.__name__
    with pytest.raises(ValueError, match=rf"{name} expects n_in >= 1; got 0"):
        init(0, 3)
    with pytest.raises(TypeError, match=rf"{name} expects n_out to be an int; got float 3\.0"):
        init(2, 3.0)
    with pytest.raises(
        TypeError,
        match=rf"{name} expects rng to be a numpy\.random\.Generator or None; got RandomState",
    ):
        init(2, 3, np.random.RandomState(0))
