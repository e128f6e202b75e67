"""Confirmation tests (確認テスト): the bank, and the quiz in a browser, a terminal and an LMS.

``bank`` is the model and the loader of ``quizzes/LANG/NN-topic.md`` (QUIZZES.md);
``mathml`` turns the bank's TeX into MathML; ``page`` renders self-contained
HTML pages, ``terminal`` asks the questions in a terminal, ``moodle`` exports
Moodle XML and GIFT; ``attempts`` keeps a learner's finished attempts.  Nothing
here runs learner code or knows of the sandbox.
"""
