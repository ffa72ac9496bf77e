"""`python -m techfeed`: the same as the `techfeed` command."""

import sys

from techfeed.cli import main

sys.exit(main())
