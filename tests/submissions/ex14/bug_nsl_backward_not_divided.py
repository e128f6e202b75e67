# expect: NegativeSamplingLoss
# hint: dh is not divided by the batch size
import numpy as np


class NegativeSamplingLoss(NegativeSamplingLoss):
    def backward(self, dout=1):
        scores, labels, batch_size = self.cache
        y = 1 / (1 + np.exp(-scores))
        dscores = dout * (y - labels)  # / batch_size forgotten
        dh = 0
        for i, layer in enumerate(self.embed_dot_layers):
            dh = dh + layer.backward(dscores[:, i])
        return dh
