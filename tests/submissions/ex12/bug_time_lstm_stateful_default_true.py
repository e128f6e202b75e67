# expect: TimeLSTM
# hint: stateful defaults to False
class TimeLSTM(TimeLSTM):
    # the default flipped: TimeLSTM(Wx, Wh, b) keeps its state between calls
    def __init__(self, Wx, Wh, b, stateful=True):
        super().__init__(Wx, Wh, b, stateful)
