# expect: Sigmoid
# hint: dx = dout * out * (1 - out), with out the output saved in forward
# tanh's derivative 1 - out ** 2 used for the sigmoid
class Sigmoid(Sigmoid):
    def backward(self, dout):
        return dout * (1.0 - self.out**2)
