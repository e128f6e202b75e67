# expect: BatchNormalization
# hint: gamma and beta are swapped: out = gamma * xn + beta
class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        out = super().forward(x, train_flg)
        xn = (out - self.beta) / self.gamma
        return self.beta * xn + self.gamma
