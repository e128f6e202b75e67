"""Numeric answers of quiz 15 (generative models), recomputed (see the package docstring).

The reference implementation has no VAE, GAN or diffusion model: the KL term
and the noise schedule are written out with NumPy from the numbers in each
question; the best discriminator is found by gradient ascent on its logit,
through the reference sigmoid, numerical gradient and SGD.
"""

from __future__ import annotations

import numpy as np

import reference as ref


def _vae_kl_value() -> float:
    mu = np.array([0.5, -1.0])
    var = np.array([1.0, 0.5])
    log_var = np.log(var)
    per_dimension = mu**2 + np.exp(log_var) - log_var - 1.0
    return float(0.5 * np.sum(per_dimension))


def _gan_optimal_discriminator() -> float:
    # maximise p_data * log D + p_g * log(1 - D) at one point x, with D = sigmoid(a)
    p_data, p_g = 0.3, 0.1

    def negative_objective(a: np.ndarray) -> float:
        d = ref.sigmoid(a)
        return float(-(p_data * np.log(d) + p_g * np.log(1.0 - d))[0])

    params = {"a": np.array([0.0])}
    optimizer = ref.SGD(lr=1.0)
    for _ in range(2000):
        optimizer.update(params, {"a": ref.numerical_gradient(negative_objective, params["a"].copy())})
    return float(ref.sigmoid(params["a"])[0])


def _diffusion_alpha_bar() -> float:
    betas = np.array([0.1, 0.2, 0.3])
    alpha_bar = np.cumprod(1.0 - betas)
    return float(alpha_bar[2])  # t = 3


RECOMPUTE = {
    "vae-kl-value": ("arithmetic", _vae_kl_value),
    "gan-optimal-discriminator": ("reference", _gan_optimal_discriminator),
    "diffusion-alpha-bar": ("arithmetic", _diffusion_alpha_bar),
}
