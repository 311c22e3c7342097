"""The reminder outbox's parts without a database (issue 9; spec A5, E7).

``templates``: placeholders, rendering, the shipped wording and the check that
no diagnosis or drug ends up in a message. ``gateways``: how a message leaves
(SMTP for e-mail, plug-ins for SMS and WeChat). ``export``: the CSV batch file
that bulk-SMS platforms take. The service that ties them to the clinic's data
is ``clinic_desk.core.services.outbox``.
"""
