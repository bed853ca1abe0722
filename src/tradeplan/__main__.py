"""`python -m tradeplan` behaves exactly like the `tradeplan` command."""

from tradeplan.cli.main import main

raise SystemExit(main())
