# expect: Relu
# hint: out = x.copy(), then out[self.mask] = 0 with self.mask = (x <= 0)
# hint: the mask is inverted: the gradient passes where x > 0
# the mask marks the positive inputs, so forward keeps min(0, x) and backward follows it
class Relu(Relu):
    def forward(self, x):
        self.mask = x > 0
        out = x.copy()
        out[self.mask] = 0
        return out
