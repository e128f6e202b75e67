"""The instructor's side: grade a whole class, keep the gradebook, report, export.

``batch`` grades every learner folder into the SQLite ``gradebook``; ``report``
(with ``itemstats``) writes the HTML report and CSV files; ``gradescope``
builds an autograder bundle.
"""
