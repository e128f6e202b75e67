# expect: d_sigmoid
# hint: exp(-u) / (1 + exp(-u)) ** 2 becomes inf / inf = nan for u = -1000
import numpy as np


def d_sigmoid(u):
    e = np.exp(-u)
    return e / (1 + e) ** 2
