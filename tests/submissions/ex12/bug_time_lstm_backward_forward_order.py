# expect: TimeLSTM
# hint: from t = T - 1 down to 0: dx, dh, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc)
# the loop of backward runs forward in time, from t = 0 to T - 1
import numpy as np


class TimeLSTM(TimeLSTM):
    def backward(self, dhs):
        N, T, H = dhs.shape
        dxs = np.empty((N, T, self.params[0].shape[0]))
        dh, dc = 0, 0
        grads = [0, 0, 0]
        for t in range(T):
            dx, dh, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc)
            dxs[:, t, :] = dx
            for k, grad in enumerate(self.layers[t].grads):
                grads[k] += grad
        for k, grad in enumerate(grads):
            self.grads[k][...] = grad
        self.dh = dh
        return dxs
