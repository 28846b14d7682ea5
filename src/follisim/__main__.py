"""``python -m follisim`` is the ``follisim`` command."""

from follisim.cli import main

raise SystemExit(main())
