# expect: TimeRNN
# hint: keep the hidden-state gradient left after the loop's last step (t = 0) in self.dh
import numpy as np


class TimeRNN(TimeRNN):
    def backward(self, dhs):
        dxs = super().backward(dhs)
        self.dh = None
        return dxs
