"""``python -m mobicost``: the same as the ``mobicost`` command."""

from mobicost.cli import main

if __name__ == "__main__":
    main()
