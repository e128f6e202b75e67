# expect: forward
# hint: a1 = x @ W1 + b1, z1 = sigmoid(a1), a2 = z1 @ W2 + b2, z2 = sigmoid(a2), y = z2 @ W3 + b3
def forward(network, x):
    z1 = sigmoid(x @ network["W1"] + network["b1"])
    z2 = sigmoid(z1 @ network["W2"] + network["b2"])
    # the output layer's bias is left out
    return identity_function(z2 @ network["W3"])
