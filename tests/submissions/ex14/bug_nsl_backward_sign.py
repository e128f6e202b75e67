# expect: NegativeSamplingLoss
# hint: for every sample g = dout * (sigmoid(s) - label) / N
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def backward(self, dout=1):
        scores, labels, batch_size = self.cache
        y = 1 / (1 + np.exp(-scores))
        dscores = dout * (labels - y) / batch_size  # label minus sigmoid: the sign is flipped
        dh = 0
        for i, layer in enumerate(self.embed_dot_layers):
            dh = dh + layer.backward(dscores[:, i])
        return dh
