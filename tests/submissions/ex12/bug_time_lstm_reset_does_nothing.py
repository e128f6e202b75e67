# expect: TimeLSTM
# hint: reset_state() did not forget the state: set self.h and self.c to None
# reset_state left as an empty method
class TimeLSTM(TimeLSTM):
    def reset_state(self):
        pass
