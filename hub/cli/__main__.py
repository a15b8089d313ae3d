"""``python -m hub.cli.main``: the same as ``tabadol``."""

from hub.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
