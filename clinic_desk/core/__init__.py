"""The Qt-free core: store, security, rules, services, printing, sync."""
