from backmon.cli import main

raise SystemExit(main())
