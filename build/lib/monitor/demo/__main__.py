"""`python -m monitor.demo` (what `make demo` runs)."""

from monitor.demo.run import main

raise SystemExit(main())
