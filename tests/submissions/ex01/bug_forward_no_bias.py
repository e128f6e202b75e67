# expect: forward
# hint: the biases b1, b2, b3 are missing


def forward(network, x):
    z1 = sigmoid(x @ network["W1"])
    z2 = sigmoid(z1 @ network["W2"])
    return z2 @ network["W3"]
