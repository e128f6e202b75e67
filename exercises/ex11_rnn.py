"""Exercise 11: recurrent networks and backpropagation through time.

Implement a recurrent layer in the style of "Deep Learning from Scratch 2"
(ゼロから作るDeep Learning ❷, chapter 5): one RNN cell for one time step, a
TimeRNN layer that runs it over a whole sequence with truncated
backpropagation through time (BPTT), and gradient clipping.

    RNN(Wx, Wh, b)                one step: h_next = tanh(h_prev @ Wh + x @ Wx + b)
    TimeRNN(Wx, Wh, b, stateful)  T steps over xs (N, T, D) -> hs (N, T, H)
    clip_grads(grads, max_norm)   scale all gradients down when their norm is too large

The book's conventions hold here: a layer keeps its parameters in the list
``self.params = [Wx, Wh, b]`` and their gradients in the list
``self.grads = [dWx, dWh, db]``, created once in ``__init__`` (zeros) and
overwritten *in place* on every backward (``self.grads[0][...] = dWx``), so
that a model or an optimizer that collected these lists sees the new values.
Sequences are (N, T, D): batch, time, features.

Grade it with:   grade exercise 11
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  The reference implementation and the worked solutions can
not be imported while your file is graded.

課題 11：RNN と BPTT（通時的逆伝播）

『ゼロから作るDeep Learning ❷』5 章の流儀で、リカレント（再帰型）レイヤを
実装します。1 時刻分の RNN セル、それを系列全体に適用し Truncated BPTT で
逆伝播する TimeRNN レイヤ、そして勾配クリッピングです。

    RNN(Wx, Wh, b)                1 時刻: h_next = tanh(h_prev @ Wh + x @ Wx + b)
    TimeRNN(Wx, Wh, b, stateful)  T 時刻分: xs (N, T, D) -> hs (N, T, H)
    clip_grads(grads, max_norm)   勾配全体のノルムが大きすぎるときに縮める

書籍と同じく、レイヤはパラメータをリスト self.params = [Wx, Wh, b] に、
その勾配をリスト self.grads = [dWx, dWh, db] に持ちます。self.grads は
__init__ で一度だけ（0 で）作り、backward のたびに配列の中身を上書きします
（self.grads[0][...] = dWx）。こうすれば、これらのリストを集めておいた
モデルや最適化手法が新しい値を参照できます。系列の形状は (N, T, D)
（バッチ、時刻、特徴量）です。

採点コマンド:    grade exercise 11
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np


class RNN:
    """One time step of a recurrent network.

    Parameters
    ----------
    Wx : ndarray of float, shape (D, H)
        Weights from the input to the hidden state.
    Wh : ndarray of float, shape (H, H)
        Weights from the previous hidden state (the recurrent weights).
    b : ndarray of float, shape (H,)
        Bias.

    forward(x, h_prev) -> h_next
        x : (N, D), h_prev : (N, H).
        h_next = tanh(h_prev @ Wh + x @ Wx + b), shape (N, H).
    backward(dh_next) -> (dx, dh_prev)
        dh_next : (N, H).  With dt = dh_next * (1 - h_next ** 2), the
        gradient at the input of tanh:
        dx = dt @ Wx.T (N, D), dh_prev = dt @ Wh.T (N, H), and
        self.grads[0][...] = x.T @ dt        (dWx, (D, H))
        self.grads[1][...] = h_prev.T @ dt   (dWh, (H, H))
        self.grads[2][...] = sum of dt over the batch axis  (db, (H,))

    Pitfalls / 注意
    ---------------
    tanh's derivative is 1 - tanh(a) ** 2 = 1 - h_next ** 2: keep h_next
    from forward.  Write the gradients into the existing arrays of
    self.grads (``[...] =``); ``self.grads = [...]`` or
    ``self.grads[0] = dWx`` put new arrays in place of the ones the caller
    holds.

    RNN レイヤ（1 時刻分）
    ----------------------
    引数 Wx : 入力から隠れ状態への重み、形状 (D, H)
    引数 Wh : 前の時刻の隠れ状態からの重み（再帰の重み）、形状 (H, H)
    引数 b  : バイアス、形状 (H,)
    forward(x, h_prev) -> h_next
        x : (N, D)、h_prev : (N, H)
        h_next = tanh(h_prev @ Wh + x @ Wx + b)、形状 (N, H)
    backward(dh_next) -> (dx, dh_prev)
        dh_next : (N, H)。tanh の入力での勾配 dt = dh_next * (1 - h_next ** 2)
        を使って、dx = dt @ Wx.T (N, D)、dh_prev = dt @ Wh.T (N, H)。
        self.grads[0][...] = x.T @ dt        （dWx、(D, H)）
        self.grads[1][...] = h_prev.T @ dt   （dWh、(H, H)）
        self.grads[2][...] = dt のバッチ方向の和  （db、(H,)）
    注意: tanh の微分は 1 - tanh(a) ** 2 = 1 - h_next ** 2 です。forward で
    h_next を保存しておきましょう。勾配は self.grads の既存の配列に
    書き込みます（[...] =）。self.grads = [...] や self.grads[0] = dWx では、
    呼び出し側が持っている配列とは別の新しい配列に置き換わってしまいます。
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        """Return h_next = tanh(h_prev @ Wh + x @ Wx + b).  順伝播。"""
        raise NotImplementedError("RNN.forward: not implemented yet (未実装)")

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev).  逆伝播。"""
        raise NotImplementedError("RNN.backward: not implemented yet (未実装)")


class TimeRNN:
    """T time steps of one RNN cell, with truncated BPTT.

    Parameters
    ----------
    Wx, Wh, b : ndarray of float
        As for RNN: (D, H), (H, H), (H,).  Every time step uses the same
        three arrays.
    stateful : bool, default False
        False: every forward starts from a hidden state of zeros.
        True: forward starts from the last hidden state of the previous
        forward (zeros the first time, and after reset_state()).

    forward(xs) -> hs
        xs : (N, T, D).  hs : (N, T, H), hs[:, t] the hidden state of step t.
        Build one RNN(*self.params) per step and keep them for backward.
    backward(dhs) -> dxs
        dhs : (N, T, H).  Go back from t = T - 1 to 0: the hidden state of
        step t went both to hs[:, t] and to step t + 1, so its gradient is
        dhs[:, t] + dh (dh coming back from step t + 1).  dxs : (N, T, D).
        The parameters are shared by all steps, so self.grads holds the
        *sums over time* of the steps' gradients; self.dh keeps dh after
        step 0, the gradient with respect to the initial hidden state
        (truncated BPTT stops there).
    reset_state()
        Forget the carried hidden state.

    Pitfalls / 注意
    ---------------
    Add up the steps' gradients; assigning inside the loop keeps only one
    step.  Keep the last hidden state (e.g. self.h) for the next forward
    when stateful.

    TimeRNN レイヤ（T 時刻分、Truncated BPTT）
    -----------------------------------------
    引数 Wx, Wh, b : RNN と同じ (D, H)、(H, H)、(H,)。全時刻で同じ 3 つの
    配列を使います（重みの共有）。
    引数 stateful : 既定値 False。False なら forward のたびに隠れ状態を 0
    から始めます。True なら前回の forward の最後の隠れ状態から始めます
    （最初と reset_state() の後は 0）。
    forward(xs) -> hs
        xs : (N, T, D)。hs : (N, T, H)。hs[:, t] は時刻 t の隠れ状態です。
        時刻ごとに RNN(*self.params) を作り、backward のために保存します。
    backward(dhs) -> dxs
        dhs : (N, T, H)。t = T - 1 から 0 へ逆向きに進みます。時刻 t の
        隠れ状態は hs[:, t] と次の時刻 t + 1 の両方に流れたので、その勾配は
        dhs[:, t] + dh（dh は時刻 t + 1 から戻ってきた勾配）です。
        dxs : (N, T, D)。パラメータは全時刻で共有されているので、self.grads
        には各時刻の勾配の*時間方向の和*を入れます。時刻 0 の後の dh
        （最初の隠れ状態についての勾配）を self.dh に保存します
        （Truncated BPTT はそこで止まります）。
    reset_state()
        引き継いでいる隠れ状態を捨てます。
    注意: 各時刻の勾配は足し合わせます。ループの中で代入すると 1 時刻分しか
    残りません。stateful のときは、次の forward のために最後の隠れ状態
    （例: self.h）を保存しておきます。
    """

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.dh = None, None
        self.stateful = stateful

    def reset_state(self) -> None:
        """Forget the carried hidden state.  隠れ状態をリセット。"""
        raise NotImplementedError("TimeRNN.reset_state: not implemented yet (未実装)")

    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Return hs (N, T, H) for xs (N, T, D).  順伝播。"""
        raise NotImplementedError("TimeRNN.forward: not implemented yet (未実装)")

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Sum grads over time, set self.dh; return dxs.  逆伝播。"""
        raise NotImplementedError("TimeRNN.backward: not implemented yet (未実装)")


def clip_grads(grads: list, max_norm: float) -> None:
    """Gradient clipping by the global norm, in place.

    grads : list of ndarray of float (the gradients of all parameters).
    max_norm : float.
    norm = sqrt(sum of the squares of every element of every array);
    rate = max_norm / (norm + 1e-6); when rate < 1, multiply every array by
    rate, in place (``grad *= rate``).  Otherwise change nothing.

    Pitfalls / 注意
    ---------------
    One norm for all arrays together, one factor for all of them: clipping
    each array by its own norm changes the direction of the gradient.
    ``grads[i] = grads[i] * rate`` or a new list leave the caller's arrays
    unchanged.

    勾配クリッピング（全体のノルムによる、その場での変更）
    ------------------------------------------------------
    grads : float の ndarray のリスト（全パラメータの勾配）
    max_norm : float
    norm = すべての配列のすべての要素の 2 乗の和の平方根。
    rate = max_norm / (norm + 1e-6)。rate < 1 のときだけ、すべての配列に
    rate をその場で掛けます（grad *= rate）。それ以外は何も変えません。
    注意: ノルムは全配列まとめて 1 つ、掛ける係数も全配列で共通です。配列
    ごとに自分のノルムでクリップすると、勾配の向きが変わってしまいます。
    grads[i] = grads[i] * rate や新しいリストを作る方法では、呼び出し側の
    配列は変わりません。
    """
    raise NotImplementedError("clip_grads: not implemented yet (未実装)")
