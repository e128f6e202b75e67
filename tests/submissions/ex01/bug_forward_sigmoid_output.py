# expect: forward
# hint: the output layer uses the identity function, not sigmoid


def forward(network, x):
    z1 = sigmoid(x @ network["W1"] + network["b1"])
    z2 = sigmoid(z1 @ network["W2"] + network["b2"])
    return sigmoid(z2 @ network["W3"] + network["b3"])
