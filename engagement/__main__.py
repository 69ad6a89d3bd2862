"""`python -m engagement`: the command line."""

import sys

from engagement.cli import main

if __name__ == "__main__":
    sys.exit(main())
