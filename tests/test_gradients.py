"""utils.gradients: central differences against gradients known in closed form."""

import numpy as np
import pytest

from utils.gradients import numerical_gradient, relative_error


def test_gradient_of_a_quadratic_is_exact():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.0])
    grad = numerical_gradient(lambda v: 0.5 * v @ A @ v, x)
    np.testing.assert_allclose(grad, A @ x, atol=1e-8)


def test_gradient_of_log_sum_exp_is_softmax():
    x = np.array([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
    grad = numerical_gradient(lambda v: np.log(np.exp(v).sum()), x)
    np.testing.assert_allclose(grad, np.exp(x) / np.exp(x).sum(), atol=1e-8)


def test_input_is_not_changed_and_integers_work():
    x = np.array([1, 2, 3])
    grad = numerical_gradient(lambda v: (v**2).sum(), x)
    np.testing.assert_allclose(grad, [2, 4, 6], atol=1e-6)
    np.testing.assert_array_equal(x, [1, 2, 3])


def test_relative_error_and_errors():
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.1 / 1.1)
    with pytest.raises(ValueError, match="same shape"):
        relative_error([1.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="eps"):
        numerical_gradient(lambda v: v.sum(), [1.0], eps=0)
    with pytest.raises(ValueError, match="NaN"):
        numerical_gradient(lambda v: v.sum(), [np.nan])


def test_relative_error_of_a_non_finite_gradient_is_inf(recwarn):
    assert relative_error([np.inf, 1.0], [1.0, 1.0]) == np.inf
    assert relative_error([np.nan], [1.0]) == np.inf
    assert len(recwarn) == 0
