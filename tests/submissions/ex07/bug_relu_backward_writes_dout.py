# expect: Relu
# hint: backward wrote into dout, an array the caller still owns (the book's Relu does dout[self.mask] = 0)


class Relu(Relu):
    def backward(self, dout):
        # the book's version: right values, but the caller's dout is changed
        dout[self.mask] = 0
        dx = dout
        return dx
