"""Grader for the Deep Learning from Scratch / E資格 exercises and confirmation tests."""

__version__ = "0.1.0"
