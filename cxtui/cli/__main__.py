"""`python -m cxtui.cli`: the same as the `cxtui` console script."""

from cxtui.cli.group import main

main()
