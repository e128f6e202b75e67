"""Grading: build an exercise's checks, run their probes in the sandbox, judge, report.

``engine`` grades one file (``grade_exercise``) from the checks of
``grader.checks``; ``compare`` says how a returned value differs from the
expected one; ``hints`` holds the ladders from a nudge to the near-answer;
``feedback`` renders a result as text, JSON or a Gradescope document.
"""
