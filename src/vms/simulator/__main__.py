"""`python -m vms.simulator`: the camera simulator without the `vms` console script."""

import sys

from vms.simulator.command import main

if __name__ == "__main__":
    sys.exit(main())
