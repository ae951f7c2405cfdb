"""`python -m otklik.cli`: the same as the `otklik` command."""

from . import main

main()
