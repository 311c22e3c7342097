import sys

from clinic_desk.cli import main

sys.exit(main())
