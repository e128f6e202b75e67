# expect: BatchNormalization
# hint: gamma and beta are missing: out = gamma * xn + beta
class BatchNormalization(BatchNormalization):
    def forward(self, x, train_flg=True):
        out = super().forward(x, train_flg)
        return (out - self.beta) / self.gamma
