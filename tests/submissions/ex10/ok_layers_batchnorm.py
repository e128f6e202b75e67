# expect: pass
# Layers from exercise 7 with batch normalisation instead of standardising
# the input: Affine -> BatchNormalization -> Relu -> Affine -> SoftmaxWithLoss,
# Adam on shuffled minibatches of 30.  predict runs the BatchNormalization
# layer with train_flg=False, on the running statistics saved in params.
import numpy as np
from ex04_optimizers import Adam
from ex07_layers import Affine, BatchNormalization, Relu, SoftmaxWithLoss
from ex09_init_regularization import he_init


def _layers(params, running_mean=None, running_var=None):
    return [
        Affine(params["W1"], params["b1"]),
        BatchNormalization(params["gamma"], params["beta"], 0.9, running_mean, running_var),
        Relu(),
        Affine(params["W2"], params["b2"]),
    ]


def train(x_train, t_train):
    rng = np.random.default_rng(3)
    params = {
        "W1": he_init(4, 16, rng),
        "b1": np.zeros(16),
        "gamma": np.ones(16),
        "beta": np.zeros(16),
        "W2": he_init(16, 3, rng),
        "b2": np.zeros(3),
    }
    layers = _layers(params)
    last = SoftmaxWithLoss()
    optimizer = Adam(lr=0.01)
    history = []
    for _epoch in range(100):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 30):
            batch = order[start : start + 30]
            out = x_train[batch]
            for layer in layers:
                out = layer.forward(out)
            loss = last.forward(out, t_train[batch])
            dout = last.backward(1)
            for layer in reversed(layers):
                dout = layer.backward(dout)
            grads = {
                "W1": layers[0].dW,
                "b1": layers[0].db,
                "gamma": layers[1].dgamma,
                "beta": layers[1].dbeta,
                "W2": layers[3].dW,
                "b2": layers[3].db,
            }
            optimizer.update(params, grads)
        history.append(loss)
    return {
        **params,
        "running_mean": layers[1].running_mean,
        "running_var": layers[1].running_var,
        "loss_history": np.array(history),
    }


def predict(params, x):
    out = x
    for layer in _layers(params, params["running_mean"], params["running_var"]):
        out = layer.forward(out, train_flg=False) if isinstance(layer, BatchNormalization) else layer.forward(out)
    return np.argmax(out, axis=1)
