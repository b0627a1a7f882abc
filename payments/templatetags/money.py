"""``{% load money %}``: the formatting library of ``courses`` under its older name, so
money (and dates) read the same in payments' templates as everywhere else."""

from courses.formatting import money, money_amount
from courses.templatetags.formatting import register

__all__ = ["money", "money_amount", "register"]
