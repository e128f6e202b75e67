# expect: TimeLSTM
# hint: the gradient of h is not carried back
# dh from step t + 1 dropped
import numpy as np

from ex01_activations import sigmoid


class TimeLSTM(TimeLSTM):
    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Sum the steps' gradients into self.grads, set self.dh, return dxs."""
        Wx, Wh, b = self.params
        N, T, H = dhs.shape
        D = Wx.shape[0]

        dxs = np.empty((N, T, D))
        dh, dc = 0, 0  # nothing comes back from beyond the last step
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            layer = self.layers[t]
            # h of step t went to hs[:, t] and to step t + 1: add both gradients
            dx, dh, dc = layer.backward(dhs[:, t, :], dc)
            dxs[:, t, :] = dx
            for k, grad in enumerate(layer.grads):
                grads[k] += grad  # shared weights: sum over time

        for k, grad in enumerate(grads):
            self.grads[k][...] = grad
        self.dh = dh
        return dxs
