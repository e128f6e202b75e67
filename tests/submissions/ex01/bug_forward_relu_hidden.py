# expect: forward
# hint: the hidden layers use sigmoid here, not ReLU
def forward(network, x):
    z1 = relu(x @ network["W1"] + network["b1"])
    z2 = relu(z1 @ network["W2"] + network["b2"])
    return identity_function(z2 @ network["W3"] + network["b3"])
