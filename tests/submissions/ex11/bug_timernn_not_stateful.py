# expect: TimeRNN
# hint: with stateful=True the second forward must start from the last hidden state of the first
import numpy as np


class TimeRNN(TimeRNN):
    def forward(self, xs):
        self.h = None  # forgets the state even when stateful
        return super().forward(xs)
