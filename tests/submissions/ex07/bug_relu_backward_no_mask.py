# expect: Relu


class Relu(Relu):
    def backward(self, dout):
        # forgot the mask: the gradient passes everywhere
        return dout.copy()
