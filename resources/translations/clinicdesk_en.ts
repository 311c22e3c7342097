<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>Change the clinic passphrase</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>Current passphrase</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>New passphrase</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>New passphrase again</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>Type the current passphrase.</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two new passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>Changing the passphrase…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>Change your password</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>Type your current password, then the new one twice.</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>Current password</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>New password</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>New password again</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>The two new passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>The name was cut at {n} characters: check its end.</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>Choose a time zone from the list, such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>Your clinic</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>e.g. 仁和诊所</translation>
    </message>
</context>
<context>
    <name>ClinicSettingsTab</name>
    <message>
        <source>Yes</source>
        <translation>Yes</translation>
    </message>
    <message>
        <source>No</source>
        <translation>No</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(empty)</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>Default: {value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>spec {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>Your role can see these settings but not change them. Ask the clinic director if something should change.</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>Revert</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>Undo the changes not saved yet</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>Save every changed setting</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>Standard values filled in for {group}. Press Save to keep them.</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}: type a time zone name such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>“{first}” must not be later than “{last}”.</source>
        <translation>“{first}” must not be later than “{last}”.</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>There are no changes to save.</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Saving…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Settings saved.</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>Creating the clinic&apos;s encrypted data. This takes a few seconds…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>The clinic is ready.</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>Creating the clinic</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>The clinic&apos;s data is kept in this folder: {path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Try again</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>The two passwords are not the same. Type the same password twice.</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>The director&apos;s account</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>Director&apos;s name</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>Password again</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>e.g. 王丽</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>e.g. wang.li (letters a-z and digits)</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>Something went wrong. Details are in the log file.</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>A clinic already exists in {path}. Choose an empty folder for a new clinic.</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>The user name or password is not right. Please try again.</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>This account has been disabled. Ask the clinic director.</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>The {what} was not found. It may have been removed.</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>The password is empty. Type a password.</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>The password is too short: use at least {n} characters.</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>The password is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>The password must not be the same as the user name.</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>The reason is too long: use at most 1000 characters.</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>The clinic name is empty. Type the clinic&apos;s name.</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>The clinic name is {length} characters long; use at most {n} characters.</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>The clinic name contains control characters; type it on one line.</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>The name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>The backup failed its check.</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>The backup does not match the clinic&apos;s data (tables: {tables}).</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} is a folder. Give a file name for the backup, ending in .cdbak.</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>The folder {path} does not exist. Choose a folder that exists.</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>The backup is damaged and was not restored: {detail}.</translation>
    </message>
    <message>
        <source>{label} is too long: use at most {n} characters.</source>
        <translation>{label} is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>The patient&apos;s name is empty. Type the name.</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>Choose the patient&apos;s sex.</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>patient</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>The note is empty. Type the note.</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>The note is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>There is no setting called {key}.</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>The user name is empty. Type one.</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>The user name is too long: use at most {n} characters.</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>The name is empty. Type the person&apos;s name.</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>There is no role called {role}.</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>The user name {login} is taken. Choose another user name.</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>staff account</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>This is the only active director account; the clinic would have no one to manage it. Make another director first.</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>Choose a new password, not the current one.</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}: type a whole number.</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}: choose a number from {minimum} to {maximum}.</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}: choose yes or no.</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}: type a time as HH:MM, e.g. 16:00.</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}: choose one of the offered values.</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} is not a time zone. Choose one such as Asia/Shanghai.</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}: use at most {n} characters.</translation>
    </message>
    <message>
        <source>The chronic follow-up call cannot start after its last day. Make the &apos;from day&apos; no later than the &apos;by day&apos;.</source>
        <translation>The chronic follow-up call cannot start after its last day. Make the &apos;from day&apos; no later than the &apos;by day&apos;.</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>The folder {path} does not exist. Check the path and try again.</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>The number of demo patients must be between 0 and {n}.</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>The demo period must be more than 0 and at most {n} years.</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>The demo visits per year must be between 0 and {n}.</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>The clinic has no active doctor to write the demo visits. Add a doctor first.</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>Type the document number.</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>This is too long for a document number: type only the number printed on the document.</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>Choose the kind of document first.</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>The last character of this resident ID does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>The last character of this residence permit number does not match the others: check the number on the permit.</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>The last character of this permanent resident ID does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>The last digit of this Taiwan ID number does not match the others: check the number on the card.</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>This resident ID starts with a region code that does not exist: check the first two digits on the card.</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>The birth date inside this number is not a real date: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>The birth date inside this number is in the future: check the number on the card.</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>The birth date inside this number is more than {years} years ago: check the number on the card.</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>Type a phone number.</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>A phone number has only digits: remove the letters (write an extension in the notes).</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>This phone number is too short: type all of its digits, with the area code for a landline.</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>This phone number is too long: check the digits, and type only one number.</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>No country uses the code after the +: check it, or leave out the + for a number in this country.</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>This is not a valid phone number for China: check the digits; for another country type + and its country code.</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>This is not a valid phone number for country code +{code}: check the digits and the country code.</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>{what} will be available in a coming version of ClinicDesk.</source>
        <translation>{what} will be available in a coming version of ClinicDesk.</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>Calendar</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>Follow-ups</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>Complaints &amp; quality</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>Membership</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>Restore defaults</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;File</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>&amp;Go</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Help</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>Find a patient…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Sign out</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>About ClinicDesk</translation>
    </message>
    <message>
        <source>Find a patient: name or phone (Ctrl+K / F2)</source>
        <translation>Find a patient: name or phone (Ctrl+K / F2)</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>Not signed in</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name} ({role}) · {workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
An offline-first desktop program for small private clinics.</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>Use at least {n} characters.</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>Use at most {n} characters.</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>Type a passphrase.</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>Do not use the clinic&apos;s name, phone or a login in the passphrase.</translation>
    </message>
    <message>
        <source>Very weak</source>
        <translation>Very weak</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>Weak</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>Fair</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>Strong</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>Very strong</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>The two passphrases are not the same. Type the same passphrase twice.</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>The clinic passphrase</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>Passphrase</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>Passphrase again</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>Show what I type</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>Sex</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>Female</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>Male</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
</context>
<context>
    <name>PatientsPage</name>
    <message>
        <source>Search patients by name or phone (Ctrl+K)</source>
        <translation>Search patients by name or phone (Ctrl+K)</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>%n patient found</numerusform>
            <numerusform>%n patients found</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found.</source>
        <translation>No patient found.</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>Save as PDF</source>
        <translation>Save as PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>New recovery key</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>Clinic passphrase</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>Make a new key</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>I have written it down</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>Type the clinic passphrase.</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>Making the new key…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk recovery kit</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>Recovery key for the clinic&apos;s encrypted data</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>What this key is for</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>How to keep it</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>Never photograph it, scan it, email it or send it in a chat message.</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>If this page was saved as a file, delete the file once the page is printed.</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>Stored by {name} on {date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>Clinic ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Created</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>The key has no letters I, L, O or U: 0 is zero and 1 is one.</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>Recovery kit - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>Recovery kit</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>Preparing the recovery kit…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>The recovery kit was sent to the printer.</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>The recovery kit</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>Save as PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>Print…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>I have printed or saved the recovery kit and will keep it somewhere safe</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>Reset password</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>Temporary password again</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>The two passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>Receptionist</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>Triage nurse</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>Doctor</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>Pharmacist</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>Health manager</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>Customer service</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>Director</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>Clinic passphrase and recovery key</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>Change clinic passphrase…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>New recovery key…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Backup</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>Back up now…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>Daily backups go to</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>Last daily backup</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>Daily backups are turned off (see Settings › Backup).</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>None yet; the first is made when ClinicDesk starts.</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>The clinic passphrase is changed. Use the new one from now on.</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>The new recovery key is in place; the old one no longer works.</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>Save the backup as</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk backup (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>Making the backup…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>Cancelling the backup…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>Copying the clinic&apos;s data…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>Checking the copy…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>Writing the backup file…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Done.</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>Backup saved: {path} ({size}).</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>The backup was cancelled; no file was written.</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>Clinic</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>Security</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>Backup</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>Appointments</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>Reception</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>Follow-up</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>Complaints</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Quality</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>Clinic name</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Address</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>Time zone</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>Default phone region</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>Wrong passwords before an account locks</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>Lockout window and lock time (minutes)</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>Lock the screen after idle minutes</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>Make a backup every day</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>Daily backups to keep</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>Backup folder (empty: &apos;backups&apos; in the data folder)</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>Bookings for tomorrow close at</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>Doctor absence must be known by (day before)</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>Next day&apos;s list to triage nurse by</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>Reminder message, days before</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>Reminder call, days before</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>Respond to an arrival within (minutes)</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>Waiting-time alert after (minutes)</translation>
    </message>
    <message>
        <source>Cold / physical exam: message within (hours)</source>
        <translation>Cold / physical exam: message within (hours)</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: from day</source>
        <translation>Chronic / post-operative call: from day</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: by day</source>
        <translation>Chronic / post-operative call: by day</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>Everyone else: monthly random sample (%)</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>Accept a complaint within (hours)</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>Contact the complainant within (hours)</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>Answer a simple issue within (business days)</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>Propose a solution within (hours)</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>Close a complaint within (days)</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>Rectification within (days)</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>Answer a complex dispute within (days)</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>Day deadlines skip public holidays</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>Weekly survey sample (% of patients)</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>Semi-annual outpatient survey (% of a day)</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>Semi-annual inpatient survey (% of a day)</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>Satisfaction target (%)</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>Complaint closure target (%)</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>Root-cause analysis within (hours)</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>Clinic settings</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>Staff</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>Security and backup</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>Set up ClinicDesk</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Back</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Next &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>Finish</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Close without the recovery kit?</source>
        <translation>Close without the recovery kit?</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>Sign in</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>e.g. wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>The screen was locked. Sign in to continue; patient data stays hidden until then.</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>Sign in with your own account.</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>Type your user name.</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>Type your password.</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>Checking…</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>Add a staff member</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>Edit a staff member</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>e.g. 张丽</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>e.g. zhang.li</source>
        <translation>e.g. zhang.li</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>Temporary password</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>Temporary password again</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>The two passwords are not the same.</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>Reset password…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>Let a locked account sign in again before the lock ends</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>Enable</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>Let this person sign in again</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>Disable</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>Stop this person signing in; their records stay</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} has a temporary password now.</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} can sign in again.</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name}&apos;s account is disabled.</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name}&apos;s account is enabled again.</translation>
    </message>
</context>
<context>
    <name>StaffTableModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>User name</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>Role</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>Phone</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>Disabled</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>Locked until {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Active</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>Must choose a new password at the next sign-in.</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>Open the clinic</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>Clinic passphrase</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>Recovery key</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>Type the passphrase or recovery key first.</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>Welcome to ClinicDesk</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Language</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</translation>
    </message>
</context>
</TS>
