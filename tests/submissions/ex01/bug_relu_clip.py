# expect: relu
# hint: relu keeps each element of x that is > 0 and puts 0 elsewhere
import numpy as np


def relu(x):
    # clipped at 1 as well, as if ReLU were bounded like the sigmoid
    return np.clip(x, 0, 1)
