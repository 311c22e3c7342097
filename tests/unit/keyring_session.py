"""Run inside a private D-Bus session with an unlocked GNOME keyring (see test_keyring.py).

Exercises the real Secret Service path: setup saves the data key in the keyring,
a later open needs no passphrase, and a stale entry falls back to asking.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from clinic_desk.core.errors import PassphraseNeeded
from clinic_desk.core.security.keys import KdfParams, KeyringSlot
from clinic_desk.core.services.clinic import open_clinic, setup_clinic

data_dir = Path(sys.argv[1])
result = setup_clinic(
    data_dir, clinic_name="钥匙链诊所", director_login="boss", director_name="老板",
    director_password="boss-pass-123", passphrase="keyring test passphrase 2026",
    kdf=KdfParams.floor(), use_keyring=True,
)
report: dict[str, object] = {"backend": result.keyring_backend}
clinic = open_clinic(data_dir)  # no passphrase: must come from the keyring
report["opened_without_passphrase"] = clinic.setting("clinic.name") == "钥匙链诊所"
clinic.close()
# A stale entry (e.g. left from another clinic) is not damage: it asks instead.
KeyringSlot(result.clinic_id).save(bytes(32))
try:
    open_clinic(data_dir)
    report["stale"] = "opened?!"
except PassphraseNeeded:
    report["stale"] = "asked"
report["stale_removed"] = KeyringSlot(result.clinic_id).load() is None
clinic = open_clinic(data_dir, passphrase="keyring test passphrase 2026")
clinic.close()
report["saved_again"] = KeyringSlot(result.clinic_id).load() is not None
print(json.dumps(report))
