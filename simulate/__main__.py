"""``python -m simulate`` is the same as the ``simulate`` command."""

import sys

from simulate.cli import main

sys.exit(main())
