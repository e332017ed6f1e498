"""xlafront.nn: JAX's `jax.nn`, neural-network functions (activations, softmax,
logsumexp, one_hot, standardize, dot_product_attention ...) and `nn.initializers`.

>>> import xlafront as jax, xlafront.numpy as jnp
>>> jax.nn.relu(jnp.array([-1.0, 2.0]))
Array([0., 2.], dtype=float32)
"""
from . import initializers
from .functions import (celu, dot_product_attention, elu, gelu, get_scaled_dot_general_config,
                        glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, identity,
                        leaky_relu, log1mexp, log_sigmoid, log_softmax, logmeanexp, logsumexp,
                        mish, one_hot, relu, relu6, scaled_dot_general, scaled_matmul, selu,
                        sigmoid, silu, soft_sign, softmax, softplus, sparse_plus,
                        sparse_sigmoid, squareplus, standardize, swish, tanh)

__all__ = ["celu", "dot_product_attention", "elu", "gelu", "get_scaled_dot_general_config",
           "glu", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "identity",
           "initializers", "leaky_relu", "log1mexp", "log_sigmoid", "log_softmax",
           "logmeanexp", "logsumexp", "mish", "one_hot", "relu", "relu6",
           "scaled_dot_general", "scaled_matmul", "selu", "sigmoid", "silu", "soft_sign",
           "softmax", "softplus", "sparse_plus", "sparse_sigmoid", "squareplus",
           "standardize", "swish", "tanh"]
