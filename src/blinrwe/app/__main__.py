"""python -m blinrwe.app: the blinrwe command line."""

import sys

from .cli import main

sys.exit(main())
