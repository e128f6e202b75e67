"""Exercise 10: the completion assignment - train a classifier from scratch.

Put the pieces of exercises 1-9 together: write ``train``, which builds and
trains a neural network with NumPy only, and ``predict``, which uses the
trained parameters to classify new data.

Your code is graded on the Iris data set (150 flowers, 4 features, 3
classes): the grader trains on one part and measures the accuracy on a
held-out part that your code never sees.  You need at least 90 % accuracy,
within the exercise's time limit (a few seconds is plenty for Iris).

    train(x_train, t_train)   (N, D) float features, (N,) int labels -> params
    predict(params, x)        params, (M, D) features -> (M,) int labels

Grade it with:   grade exercise 10
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files, for example
    from ex04_optimizers import Adam
    from ex07_layers import Affine, Relu, SoftmaxWithLoss
    from ex09_init_regularization import he_init
(no scikit-learn, PyTorch or other libraries).  The reference
implementation and the worked solutions can not be imported while your file
is graded.

課題 10：修了課題 ― ニューラルネットワークをゼロから学習させる

課題 1〜9 の部品を組み合わせます。NumPy だけでニューラルネットワークを作って
学習させる train と、学習したパラメータで新しいデータを分類する predict を
書いてください。

採点には Iris データセット（アヤメの花 150 件、特徴量 4 つ、3 クラス）を
使います。採点プログラムはデータの一部で学習させ、あなたのコードが一度も
見ていない残りのデータ（テストデータ）で正解率を測ります。制限時間内に
正解率 90 % 以上で合格です（Iris なら数秒あれば十分です）。

採点コマンド:    grade exercise 10
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル
（上の例のように）。scikit-learn や PyTorch などのライブラリは使えません。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


def train(x_train: np.ndarray, t_train: np.ndarray) -> dict[str, np.ndarray]:
    """Train a neural network from scratch and return its parameters.

    Parameters
    ----------
    x_train : ndarray of float, shape (N, D)
        Training features (for Iris, D = 4, in centimetres).
    t_train : ndarray of int, shape (N,)
        Training labels 0 .. K - 1 (for Iris, K = 3).

    Returns
    -------
    dict of ndarray
        Everything predict needs: the weights and biases, and anything else
        such as the feature mean and standard deviation used to standardise
        the input.  Keys are yours to choose.  Optional: a 1-D array of the
        loss at every epoch under "loss_history"; the grader draws it as a
        loss curve.

    A network that works: standardise the features, (x - mean) / std, with
    the mean and std of x_train; one hidden layer of 10-50 ReLU units;
    softmax with the cross-entropy loss; Adam (or SGD with a larger learning
    rate); a few hundred epochs; a little L2 weight decay (exercise 9),
    because the data set is small; a fixed seed, so that every run gives
    the same result.

    Pitfalls / 注意
    ---------------
    Without standardisation the features' different scales slow learning
    down.  Compute mean and std on the training data only, and store them in
    the returned dict: predict must apply the very same transformation.  Do
    not use the global np.random state without a seed; a run that passes
    once and fails the next is hard to debug.

    ニューラルネットワークをゼロから学習させ、パラメータを返す
    ----------------------------------------------------------
    入力 x_train : 訓練データの特徴量、形状 (N, D)（Iris では D = 4、単位は cm）
    入力 t_train : 訓練データの正解ラベル 0 〜 K - 1、形状 (N,)
                   （Iris では K = 3）
    出力         : predict に必要なものをすべて入れた ndarray の辞書。
                   重みとバイアスのほか、入力の標準化に使った特徴量の
                   平均や標準偏差なども入れます。キー名は自由です。
                   任意: エポックごとの損失を 1 次元配列で "loss_history" に
                   入れると、採点結果に損失の推移がグラフで表示されます。
    うまくいく構成の例: 特徴量を x_train の平均と標準偏差で
    (x - mean) / std と標準化する。ReLU の中間層を 1 つ（ユニット数 10〜50）。
    出力はソフトマックスと交差エントロピー誤差。最適化は Adam（または
    学習率を大きめにした SGD）。エポック数は数百。データが少ないので
    L2 正則化（課題 9）を少しかける。毎回同じ結果になるよう
    乱数のシードを固定する。
    注意: 標準化しないと、特徴量ごとのスケールの違いで学習が遅くなります。
    平均と標準偏差は訓練データだけから求め、返す辞書に入れておきましょう。
    predict でもまったく同じ変換をかける必要があります。シードを固定せずに
    グローバルな np.random を使うと、合格したり不合格になったりして
    原因を追いにくくなります。
    """
    raise NotImplementedError("train: not implemented yet (未実装)")


def predict(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Classify data with the parameters returned by train.

    Parameters
    ----------
    params : dict of ndarray
        The dict returned by train.
    x : ndarray of float, shape (M, D)
        Features to classify (not standardised: the raw values, like
        x_train).

    Returns
    -------
    ndarray of int, shape (M,)
        Predicted class label of every row of x.

    Pitfalls / 注意
    ---------------
    Return labels (argmax over the classes), not probabilities or one-hot
    rows.  Standardise x with the training mean and std stored in params,
    not with the statistics of x itself.

    train が返したパラメータでデータを分類する
    ------------------------------------------
    入力 params : train が返した辞書
    入力 x      : 分類したいデータの特徴量、形状 (M, D)
                  （標準化前の生の値。x_train と同じ形式）
    出力        : x の各行について予測したクラスラベル（整数）、形状 (M,)
    注意: 確率や one-hot ではなく、ラベル（クラス方向の argmax）を返します。
    x の標準化には、x 自身の統計量ではなく、params に保存した訓練データの
    平均と標準偏差を使いましょう。
    """
    raise NotImplementedError("predict: not implemented yet (未実装)")
