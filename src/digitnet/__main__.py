from digitnet.cli import main

raise SystemExit(main())
