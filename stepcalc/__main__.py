from stepcalc.cli import main

raise SystemExit(main())
