# expect: TimeRNN
# hint: reset_state() must forget the carried state
class TimeRNN(TimeRNN):
    def reset_state(self):
        pass
