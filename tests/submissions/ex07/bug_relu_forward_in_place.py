# expect: Relu
# hint: a layer must not write into the arrays it is given


class Relu(Relu):
    def forward(self, x):
        # no out = x.copy(): the caller's x loses its negative values
        self.mask = x <= 0
        x[self.mask] = 0
        return x
