# expect: TimeLSTM
# hint: reset_state() forgot h but kept c
class TimeLSTM(TimeLSTM):
    def reset_state(self):
        # only h is forgotten: the cell state survives the reset
        self.h = None
