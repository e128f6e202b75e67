# expect: Relu
# hint: the mask was computed from dout (dout > 0)


class Relu(Relu):
    def backward(self, dout):
        # the mask recomputed from dout instead of forward's x
        return dout * (dout > 0)
