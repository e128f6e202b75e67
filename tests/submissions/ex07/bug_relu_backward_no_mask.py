# expect: Relu
# hint: dx is dout unchanged


class Relu(Relu):
    def backward(self, dout):
        # forgot the mask: the gradient passes everywhere
        return dout.copy()
