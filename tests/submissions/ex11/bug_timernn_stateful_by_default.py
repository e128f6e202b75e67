# expect: TimeRNN
# hint: the default is stateful=False
class TimeRNN(TimeRNN):
    def __init__(self, Wx, Wh, b, stateful=True):
        super().__init__(Wx, Wh, b, stateful)
