# expect: Pooling
# hint: a call that leaves out stride, pad must behave as the contract says: Pooling(pool_h, pool_w, stride=1, pad=0)
# the stride defaults to 2 (a common pooling setting), the contract says 1
class Pooling(Pooling):
    def __init__(self, pool_h, pool_w, stride=2, pad=0):
        super().__init__(pool_h, pool_w, stride, pad)
