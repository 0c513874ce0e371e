"""`python -m ihcheck …` runs the `ihcheck` command line, for environments without the console script."""

import sys

from ihcheck.cli import main

sys.exit(main())
