# expect: TimeLSTM
# hint: self.dh = the dh returned by the backward of step 0
# self.dh is assigned inside the loop before the step's backward: it keeps what step 1 sent back
import numpy as np


class TimeLSTM(TimeLSTM):
    def backward(self, dhs):
        N, T, H = dhs.shape
        dxs = np.empty((N, T, self.params[0].shape[0]))
        dh, dc = 0, 0
        grads = [0, 0, 0]
        for t in reversed(range(T)):
            self.dh = dh
            dx, dh, dc = self.layers[t].backward(dhs[:, t, :] + dh, dc)
            dxs[:, t, :] = dx
            for k, grad in enumerate(self.layers[t].grads):
                grads[k] += grad
        for k, grad in enumerate(grads):
            self.grads[k][...] = grad
        return dxs
