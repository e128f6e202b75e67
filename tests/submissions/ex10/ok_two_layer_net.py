# expect: pass
# The book's TwoLayerNet: a params dict, an OrderedDict of layers from
# exercise 7, SGD from exercise 4, minibatches drawn with rng.choice (with
# replacement); the standardisation statistics ride along in the params dict.
from collections import OrderedDict

import numpy as np
from ex04_optimizers import SGD
from ex07_layers import Affine, Relu, SoftmaxWithLoss


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.1):
        rng = np.random.default_rng(42)
        self.params = {
            "W1": weight_init_std * rng.standard_normal((input_size, hidden_size)),
            "b1": np.zeros(hidden_size),
            "W2": weight_init_std * rng.standard_normal((hidden_size, output_size)),
            "b2": np.zeros(output_size),
        }
        self.rng = rng
        self.build()

    def build(self):
        self.layers = OrderedDict()
        self.layers["Affine1"] = Affine(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = Relu()
        self.layers["Affine2"] = Affine(self.params["W2"], self.params["b2"])
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        return self.last_layer.forward(self.predict(x), t)

    def gradient(self, x, t):
        loss = self.loss(x, t)
        dout = self.last_layer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {
            "W1": self.layers["Affine1"].dW,
            "b1": self.layers["Affine1"].db,
            "W2": self.layers["Affine2"].dW,
            "b2": self.layers["Affine2"].db,
        }
        return loss, grads


def train(x_train, t_train):
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    x = (x_train - mean) / std
    net = TwoLayerNet(input_size=4, hidden_size=20, output_size=3)
    optimizer = SGD(lr=0.1)
    losses = []
    for _ in range(2000):
        batch = net.rng.choice(len(x), 20)
        loss, grads = net.gradient(x[batch], t_train[batch])
        optimizer.update(net.params, grads)
        losses.append(loss)
    return {**net.params, "mean": mean, "std": std, "loss_history": np.array(losses)}


def predict(params, x):
    z = (x - params["mean"]) / params["std"]
    h = np.maximum(0, z @ params["W1"] + params["b1"])
    return np.argmax(h @ params["W2"] + params["b2"], axis=1)
