# expect: train
# predict numbers the classes in its own order (scores of class k reported as k + 1, mod 3): every
# flower the network gets right is given a wrong label.
# hint: the labels are systematically mixed up
import numpy as np

_predict = predict


def predict(params, x):
    return (np.asarray(_predict(params, x)) + 1) % 3
