"""NumPy reference implementation of the exercise contract (EXERCISES.md).

Every name the contract in EXERCISES.md fixes is importable from here
(``from reference import softmax``); each lives in a module of its own
concept:

    activations     step_function, sigmoid, relu, identity_function, softmax
    network         forward (the three-layer pass of ex01)
    losses          cross_entropy_error, mean_squared_error, one_hot
    backprop        d_sigmoid, d_relu, d_softmax_with_loss,
                    d_mean_squared_error, backward (ex03)
    optimizers      SGD, Momentum, AdaGrad, RMSprop, Adam
    im2col          conv_output_size, im2col, col2im
    gradient        numerical_diff, numerical_gradient
    layers          Relu, Sigmoid, Affine, SoftmaxWithLoss, Dropout,
                    BatchNormalization
    conv            Convolution, Pooling
    initialization  xavier_init, he_init
    regularization  l2_penalty, l2_grad, l1_penalty, l1_grad
    training        train, predict (ex10)
    rnn             RNN, TimeRNN, clip_grads (ex11)
    lstm_gru        LSTM, TimeLSTM, GRU (ex12)
    attention       scaled_dot_product_attention, ScaledDotProductAttention,
                    LayerNorm, positional_encoding, MultiHeadAttention,
                    TransformerEncoderBlock (ex13)
    word2vec        Embedding, EmbeddingDot, UnigramSampler,
                    NegativeSamplingLoss (ex14)

Only NumPy and the standard library are imported. Following the course
material, losses take the teacher data first: ``(d, y)``.
"""

from .activations import identity_function, relu, sigmoid, softmax, step_function
from .attention import (
    LayerNorm,
    MultiHeadAttention,
    ScaledDotProductAttention,
    TransformerEncoderBlock,
    positional_encoding,
    scaled_dot_product_attention,
)
from .backprop import backward, d_mean_squared_error, d_relu, d_sigmoid, d_softmax_with_loss
from .conv import Convolution, Pooling
from .gradient import numerical_diff, numerical_gradient
from .im2col import col2im, conv_output_size, im2col
from .initialization import he_init, xavier_init
from .layers import Affine, BatchNormalization, Dropout, Relu, Sigmoid, SoftmaxWithLoss
from .losses import cross_entropy_error, mean_squared_error, one_hot
from .lstm_gru import GRU, LSTM, TimeLSTM
from .network import forward
from .optimizers import SGD, AdaGrad, Adam, Momentum, RMSprop
from .regularization import l1_grad, l1_penalty, l2_grad, l2_penalty
from .rnn import RNN, TimeRNN, clip_grads
from .training import predict, train
from .word2vec import Embedding, EmbeddingDot, NegativeSamplingLoss, UnigramSampler

__all__ = [
    # ex01
    "step_function",
    "sigmoid",
    "relu",
    "identity_function",
    "forward",
    # ex02
    "softmax",
    "cross_entropy_error",
    "mean_squared_error",
    "one_hot",
    # ex03
    "d_sigmoid",
    "d_relu",
    "d_softmax_with_loss",
    "d_mean_squared_error",
    "backward",
    # ex04
    "SGD",
    "Momentum",
    "AdaGrad",
    "RMSprop",
    "Adam",
    # ex05
    "conv_output_size",
    "im2col",
    "col2im",
    # ex06
    "numerical_diff",
    "numerical_gradient",
    # ex07
    "Relu",
    "Sigmoid",
    "Affine",
    "SoftmaxWithLoss",
    "Dropout",
    "BatchNormalization",
    # ex08
    "Convolution",
    "Pooling",
    # ex09
    "xavier_init",
    "he_init",
    "l2_penalty",
    "l2_grad",
    "l1_penalty",
    "l1_grad",
    # ex10
    "train",
    "predict",
    # ex11
    "RNN",
    "TimeRNN",
    "clip_grads",
    # ex12
    "LSTM",
    "TimeLSTM",
    "GRU",
    # ex13
    "scaled_dot_product_attention",
    "ScaledDotProductAttention",
    "LayerNorm",
    "positional_encoding",
    "MultiHeadAttention",
    "TransformerEncoderBlock",
    # ex14
    "Embedding",
    "EmbeddingDot",
    "UnigramSampler",
    "NegativeSamplingLoss",
]
