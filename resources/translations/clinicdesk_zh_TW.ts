<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_TW">
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>這台電腦已開啟此診所的 ClinicDesk。請切換到該視窗（可在工作列中找到），不要重複開啟。</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>變更診所通關密語</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>通關密語用於解鎖診所的加密資料。如果知道通關密語的人不應再持有它，請變更通關密語。今天以前建立的備份仍需使用舊通關密語（或復原金鑰）開啟。</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>目前的通關密語</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>新通關密語</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>再次輸入新通關密語</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>請輸入目前的通關密語。</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的新通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>正在變更通關密語…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>變更您的密碼</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>開始使用前，請設定您自己的密碼。密碼至少 8 個字元；用一句短句當密碼，好記又難猜。</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>請輸入目前的密碼，然後輸入兩次新密碼。</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>目前的密碼</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密碼</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次輸入新密碼</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>兩次輸入的新密碼不一致。</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>名稱超過 {n} 個字元，已被截斷，請檢查結尾部分。</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>請從清單中選擇時區，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>您的診所</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>診所名稱會列印在收據、卡片和復原金鑰單上。地址和電話可以稍後在「設定」中填寫。</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>診所名稱</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>時區</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>例如 仁和診所</translation>
    </message>
</context>
<context>
    <name>ClinicSettingsTab</name>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No</source>
        <translation>否</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空白）</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>預設值：{value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>規範 {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>您的角色可以檢視這些設定，但無法修改。如需修改，請洽院長。</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>復原變更</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>復原尚未儲存的變更</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>儲存</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>儲存所有已變更的設定</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>已為「{group}」填入標準值。請按「儲存」使其生效。</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}：請輸入時區名稱，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>“{first}” must not be later than “{last}”.</source>
        <translation>「{first}」不能晚於「{last}」。</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>沒有需要儲存的變更。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在儲存…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>設定已儲存。</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>設定已儲存，但目前的安裝中沒有{language}的翻譯，介面將保持原樣。請重新安裝 ClinicDesk 以還原翻譯。</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>正在建立診所的加密資料，需要幾秒鐘…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>無法建立診所，這台電腦上沒有做任何變更。請解決下方列出的問題，或返回修改已輸入的內容，然後再試一次。</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>診所已建立完成。</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>正在建立診所</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>診所資料儲存在此資料夾中：{path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>再試一次</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>兩次輸入的密碼不一致。請輸入兩次相同的密碼。</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>院長帳號</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>院長在 ClinicDesk 中管理診所：員工帳號、設定和金鑰。每個人都以自己的使用者名稱登入；其他員工由院長稍後新增。</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>院長姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密碼</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次輸入密碼</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>例如 王麗</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>例如 wang.li（字母 a-z 和數字）</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>發生問題。詳細資訊已記錄在記錄檔中。</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>{path} 中尚未設定診所。請先執行設定精靈，或選擇存放診所資料的資料夾。</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>{path} 中已有一家診所。請為新診所選擇一個空的資料夾。</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>此通關密語無法開啟這家診所。請檢查鍵盤配置和大寫鎖定鍵（Caps Lock）後再試一次，或使用復原金鑰。目前已失敗 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>此復原金鑰不屬於這家診所。請確認它來自本診所的復原金鑰單。目前已失敗 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>復原金鑰輸入有誤：它應由 32 個字母和數字組成，分為 8 組、每組 4 個，與復原金鑰單上印的完全一致。請重新輸入。</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>通關密語或復原金鑰輸錯次數過多（{count} 次）。為安全起見，請在 {until}（UTC）之後再試。</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>這台電腦沒有儲存這家診所的金鑰。請輸入診所通關密語；如在指令碼中使用，請設定 CLINIC_DESK_PASSPHRASE。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>診所資料庫已損毀（{detail}）。請勿繼續在其中作業：請還原最近的備份，並保留損毀的檔案以供檢查。</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>磁碟已滿，沒有儲存任何內容。請在存放診所資料的磁碟上釋出一些空間，然後再試一次。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>診所資料庫被其他程式佔用太久，沒有儲存任何內容。請稍後再試。</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>這家診所的資料是由較新版本的 ClinicDesk 寫入。請先在這台電腦安裝新版本，再開啟資料。</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>您的角色（{role}）無權執行此操作（{action}）。如有需要，請洽院長。</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>此紀錄不在您的角色權限範圍內。如需緊急存取，請填寫原因；此操作將被記錄並接受審查。</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>使用者名稱或密碼不正確，請再試一次。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>由於密碼輸錯次數過多，此帳號已被鎖定至 {until}。請稍候，或請院長解鎖。</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>此帳號已被停用。請洽院長。</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>找不到該{what}，可能已被刪除。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 列印所需的字型檔 {path} 遺失。請重新安裝 ClinicDesk 以還原該檔案。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 列印所需的字型檔 {path} 已損毀（{detail}）。請重新安裝 ClinicDesk 以還原該檔案。</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>密碼為空白。請輸入密碼。</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>密碼太短：請至少使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>密碼太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>密碼不能與使用者名稱相同。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>原因太長：最多只能輸入 1000 個字元。</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>診所名稱為空白。請輸入診所名稱。</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>診所名稱長度為 {length} 個字元；最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>診所名稱包含控制字元；請在同一行內輸入。</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>名稱太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} 不是 ClinicDesk 備份，或已損毀。請選擇由 ClinicDesk 產生的 .cdbak 檔案。</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>無法將備份寫入 {path}（{reason}）。請確認該資料夾存在且有足夠空間，然後再試一次。</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>備份未通過驗證。</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>備份與診所資料不一致（資料表：{tables}）。</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} 是一個資料夾。請為備份指定一個以 .cdbak 結尾的檔名。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>資料夾 {path} 不存在。請選擇一個既有的資料夾。</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>備份已損毀，未進行還原：{detail}。</translation>
    </message>
    <message>
        <source>{label} is too long: use at most {n} characters.</source>
        <translation>{label}太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>病患姓名為空白。請輸入姓名。</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>請選擇病患性別。</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>備註為空白。請輸入備註內容。</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>備註太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>沒有名為 {key} 的設定項目。</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>使用者名稱為空白。請輸入使用者名稱。</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>使用者名稱太長：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>使用者名稱只能使用字母 a-z、數字以及 . _ - @（例如 zhang.li）。中文姓名請填寫在「姓名」欄位中。</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>姓名為空白。請輸入此人的姓名。</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>沒有名為 {role} 的角色。</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>使用者名稱 {login} 已被使用。請換一個使用者名稱。</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>員工帳號</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>這是唯一一個啟用中的院長帳號；如果變更，診所將無人管理。請先設定另一位院長。</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>請設定新的密碼，不能與目前的密碼相同。</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}：請輸入整數。</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}：請輸入 {minimum} 到 {maximum} 之間的數字。</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}：請選擇「是」或「否」。</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}：請以 HH:MM 格式輸入時間，例如 16:00。</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}：請從提供的選項中選擇一個。</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} 不是有效的時區。請選擇一個時區，例如 Asia/Taipei。</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}：最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>The chronic follow-up call cannot start after its last day. Make the &apos;from day&apos; no later than the &apos;by day&apos;.</source>
        <translation>慢性病電話回訪的開始日不能晚於截止日。請將「最早第幾天」設為不晚於「最晚第幾天」。</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} 是檔案，不是資料夾。請為診所資料選擇一個資料夾。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>資料夾 {path} 不存在。請檢查路徑後再試一次。</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>無法建立資料夾 {path}（{reason}）。請選擇一個您有寫入權限的資料夾。</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} 位於網路磁碟機上（{fs}）。診所資料庫必須存放在這台電腦本身的磁碟上；如需在多台電腦之間共用資料，請改為設定同步。</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk 無法寫入 {path}（{reason}）。請在這台電腦上選擇一個您有寫入權限的資料夾。</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>電腦回報檔案發生問題：{reason}。請檢查磁碟和資料夾權限，然後再試一次。</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>發生問題，操作未能完成。詳細資訊已記錄在記錄檔中；請告知負責診所電腦維護的人員。</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>示範病患數量必須介於 0 到 {n} 之間。</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>示範期間必須大於 0 年且不超過 {n} 年。</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>每年的示範就診次數必須介於 0 到 {n} 之間。</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>診所沒有啟用中的醫師來記錄示範就診。請先新增一位醫師。</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>請輸入證件號碼。</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>證件號碼過長：請只輸入證件上印的號碼。</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>證件號碼只包含字母和數字（空格、連字號和括號會被忽略）：請刪除其他字元，並核對證件上的號碼。</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>請先選擇證件類型。</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>居民身分證號碼共 18 位：前 17 位為數字，最後一位為數字或 X（2004 年以前的證件可能是 15 位）。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>香港身分證號碼由一或兩個字母、六位數字和括號中的檢查碼（數字或 A）組成，例如 A123456(3)。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>臺灣身分證字號由一個英文字母和九位數字組成，例如 A123456789。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>澳門身分證號碼以 1、5 或 7 開頭，後接六位數字和括號中的檢查碼，例如 1234567(8)。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>港澳居民來往內地通行證號碼為 H 或 M 加 8 位數字（舊證另有 2 位數字）。請核對通行證上的號碼。</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>臺灣居民來往大陸通行證號碼為 8 位數字（舊證為 10 位）。請核對通行證上的號碼。</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>外國人永久居留身分證號碼共 18 位，以 9 開頭（舊證為 3 個字母加 12 位數字）。請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>港澳臺居民居住證號碼共 18 位：前 17 位為數字，最後一位為數字或 X。請核對居住證上的號碼。</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>護照號碼由 5 到 20 個英文字母和數字組成。請核對護照照片頁上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>此居民身分證號碼的最後一位與前面的數字不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>此居住證號碼的最後一位與前面的數字不符：請核對居住證上的號碼。</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>此永久居留身分證號碼的最後一位與前面的字元不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>括號中的檢查碼與此香港身分證號碼不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>此臺灣身分證字號的最後一位與前面的字元不符：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>此居民身分證號碼開頭的地區代碼不存在：請核對證件上號碼的前兩位。</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>居民身分證號碼不會以 9 開頭；以 9 開頭的是外國人永久居留身分證。請核對號碼，或選擇該證件類型。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>港澳臺居民居住證號碼以 810000、820000 或 830000 開頭。請核對號碼；內地居民身分證請選擇「居民身分證」。</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>臺灣身分證字號的第二碼是 1、2、8 或 9：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>號碼中包含的出生日期不是有效日期：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>號碼中包含的出生日期在未來：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>號碼中包含的出生日期早於 {years} 年前：請核對證件上的號碼。</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>請輸入電話號碼。</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>電話號碼只能包含數字：請刪除字母（分機號碼請寫在備註中）。</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>電話號碼只能包含數字、空格、連字號、括號和開頭的 +：請刪除其他字元。</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>電話號碼太短：請輸入完整號碼，市話請加區碼。</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>電話號碼太長：請核對數字，並且只輸入一個號碼。</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>+ 後面的國碼不存在：請核對；如是本國號碼，請不要輸入 +。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>這不是有效的中國電話號碼：請核對數字；其他國家或地區的號碼請輸入 + 和國碼。</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>這不是診所所在地區（{region}）的有效電話號碼：請核對數字；其他國家或地區的號碼請輸入 + 和國碼。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>這不是國碼 +{code} 的有效電話號碼：請核對數字和國碼。</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>{what} will be available in a coming version of ClinicDesk.</source>
        <translation>「{what}」將在 ClinicDesk 的後續版本中提供。</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>櫃檯</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>行事曆</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>病患</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>回訪</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>投訴與品質</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>會員</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>設定</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>還原預設值</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>為本組填入標準值。按「儲存」之前不會有任何變更。診所名稱、地址和電話保持不變。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk 診所管理系統</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>檔案(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>前往(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>說明(&amp;H)</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>搜尋病患…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>鎖定螢幕</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>登出</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>結束程式</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>關於 ClinicDesk</translation>
    </message>
    <message>
        <source>Find a patient: name or phone (Ctrl+K / F2)</source>
        <translation>搜尋病患：姓名或電話（Ctrl+K / F2）</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登入</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name}（{role}）· 工作站：{workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
專為小型私人診所設計、以離線為優先的桌面軟體。</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>請至少使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>最多只能使用 {n} 個字元。</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>請輸入通關密語。</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>太容易被猜到。請使用四個或更多互不相關的詞語，或一句只有您才會說的話。</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>通關密語中請勿包含診所名稱、電話或使用者名稱。</translation>
    </message>
    <message>
        <source>Very weak</source>
        <translation>非常弱</translation>
    </message>
    <message>
        <source>Weak</source>
        <translation>弱</translation>
    </message>
    <message>
        <source>Fair</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>強</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>非常強</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>兩次輸入的通關密語不一致。請輸入兩次相同的通關密語。</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>診所通關密語可以在任何電腦上開啟診所資料：無論是新電腦，還是維修後的這台電腦。請選擇一句只有您才會說的話，由四個或更多互不相關的詞語組成；可以使用中文。請勿遺失通關密語：將它保存在院長找得到、且遠離電腦的地方。</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>通關密語</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次輸入通關密語</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>顯示輸入內容</translation>
    </message>
</context>
<context>
    <name>PatientTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Sex</source>
        <translation>性別</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>PatientsPage</name>
    <message>
        <source>Search patients by name or phone (Ctrl+K)</source>
        <translation>依姓名或電話搜尋病患（Ctrl+K）</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>找到 %n 位病患</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found.</source>
        <translation>找不到病患。</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>Save as PDF</source>
        <translation>另存為 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 檔案 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>新的復原金鑰</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>產生新金鑰</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>我已抄寫下來</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>這是診所新的復原金鑰。請立即抄寫或列印，並上鎖保管：它只會顯示這一次。舊的復原金鑰已無法開啟診所（今天以前建立的備份仍需使用舊金鑰開啟）。</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>新的復原金鑰會立即取代舊金鑰，舊金鑰隨即失效。如果列印的金鑰已遺失或被他人看到，請執行此操作。請輸入診所通關密語以繼續。</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>請輸入診所通關密語。</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>正在產生新金鑰…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk 復原金鑰單</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>診所加密資料的復原金鑰</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>這個金鑰的用途</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>在新電腦上，或忘記診所通關密語時，可用此金鑰開啟診所的加密資料。持有它的人可以開啟所有病患紀錄，因此請像保管通關密語一樣妥善保管它。</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>如何保管</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>請以紙本保存，放在遠離電腦、可上鎖的地方，例如上鎖的抽屜或保險箱。</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>切勿拍照、掃描、以電子郵件寄送，或在聊天訊息中傳送。</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>如果此頁已另存為檔案，請在列印後刪除該檔案。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>如果通關密語、此復原金鑰以及所有電腦上儲存的金鑰全部遺失，診所資料將無法由任何人復原，包括 ClinicDesk 的開發者。</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>保管人：{name}&#x3000;日期：{date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>診所</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>診所 ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>建立時間</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>復原金鑰</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>金鑰中沒有字母 I、L、O 或 U：0 是數字零，1 是數字一。</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>復原金鑰單 - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>復原金鑰單</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>正在準備復原金鑰單…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>已儲存為 {path}。請列印出來，將紙本存放在安全的地方，然後刪除該檔案。</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>復原金鑰單已傳送到印表機。</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>復原金鑰單</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>這是診所的復原金鑰。忘記通關密語時，可用它開啟診所資料。它只在此時顯示：請列印復原金鑰單，或另存為 PDF 並儘快列印。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>如果通關密語、此復原金鑰以及所有電腦上儲存的金鑰全部遺失，診所資料將無法由任何人復原。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存為 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>列印…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>我已列印或儲存復原金鑰單，並會將其存放在安全的地方</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>重設密碼</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>為 {name}（{login}）設定臨時密碼。請當面告知對方；對方下次登入時必須設定自己的密碼。此操作同時會解鎖該帳號。</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>臨時密碼</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次輸入臨時密碼</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>兩次輸入的密碼不一致。</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>櫃檯人員</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>導診護理師</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>醫師</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>藥師</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理師</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服人員</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>院長</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>診所通關密語與復原金鑰</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>通關密語用於解鎖診所的加密資料及其備份。知道通關密語的人離開診所時，請變更通關密語。</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>變更診所通關密語…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>忘記通關密語時，可用復原金鑰開啟資料。如果列印的金鑰已遺失或被他人看到，請產生新的復原金鑰。</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>產生新的復原金鑰…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>備份</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>開啟每日備份後，ClinicDesk 每天都會自動備份。在進行重大變更之前，或需要用隨身碟帶走一份副本時，請立即備份。</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>立即備份…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>每日備份儲存位置</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>最近一次每日備份</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>每日備份已關閉（請見 設定 › 備份）。</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>尚無；ClinicDesk 啟動時會進行第一次備份。</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>診所通關密語已變更。從現在起請使用新的通關密語。</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>新的復原金鑰已生效；舊金鑰已失效。</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>將備份另存為</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk 備份 (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>正在備份…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>正在取消備份…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>正在複製診所資料…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>正在驗證副本…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>正在寫入備份檔案…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>備份已儲存：{path}（{size}）。</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>備份已取消，未寫入任何檔案。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>診所</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>安全性</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>備份</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>預約</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>櫃檯</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>回訪</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投訴</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>品質</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>診所名稱</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>時區</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>預設電話地區</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>帳號鎖定前允許輸錯密碼的次數</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>輸錯計次時段及鎖定時間（分鐘）</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>閒置幾分鐘後鎖定螢幕</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>每天自動備份</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>保留的每日備份份數</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>備份資料夾（留空：使用診所資料所在資料夾中的 backups）</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>隔日預約截止時間</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>醫師停診最晚告知時間（前一天）</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>隔日名單交給導診護理師的時間</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>簡訊提醒：提前天數</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>電話提醒：提前天數</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>病患到達後接待時限（分鐘）</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>候診逾時提醒（分鐘）</translation>
    </message>
    <message>
        <source>Cold / physical exam: message within (hours)</source>
        <translation>感冒／健檢：簡訊回訪時限（小時）</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: from day</source>
        <translation>慢性病／術後電話回訪：最早第幾天</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: by day</source>
        <translation>慢性病／術後電話回訪：最晚第幾天</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>其他病患：每月隨機抽樣回訪比例（%）</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>受理投訴時限（小時）</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>聯絡投訴人時限（小時）</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>簡單問題答覆時限（工作天）</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>提出解決方案時限（小時）</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>投訴結案時限（天）</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>改善時限（天）</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>複雜糾紛答覆時限（天）</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>以天計算的時限不含國定假日</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>每週滿意度調查抽樣（佔病患的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>半年度門診滿意度調查（佔單日病患的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>半年度住院滿意度調查（佔單日病患的百分比）</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>滿意度目標（%）</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>投訴結案率目標（%）</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>根本原因分析時限（小時）</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>診所設定</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>員工</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>安全性與備份</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>設定 ClinicDesk</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; 上一步</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>下一步 &gt;</translation>
    </message>
    <message>
        <source>Finish</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close without the recovery kit?</source>
        <translation>不保存復原金鑰單就關閉嗎？</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>診所已建立，但復原金鑰只在此頁面顯示。確定不列印也不儲存復原金鑰單就關閉嗎？</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密碼</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登入</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>例如 wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>螢幕已鎖定。請登入以繼續；登入前病患資料將保持隱藏。</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>請使用您自己的帳號登入。</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>請輸入使用者名稱。</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>請輸入密碼。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在驗證…</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>新增員工</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>使用者名稱是員工登入時輸入的名稱（字母 a-z、數字以及 . _ - @）。請當面告知臨時密碼：對方首次登入時必須設定自己的密碼。</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>編輯員工</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>使用者名稱無法變更。如需更換登入名稱，請新增一個帳號，並停用此帳號。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>例如 張麗</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>e.g. zhang.li</source>
        <translation>例如 zhang.li</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>臨時密碼</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次輸入臨時密碼</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>兩次輸入的密碼不一致。</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>所有登入 ClinicDesk 的人員。有人離職時請停用其帳號；其姓名仍會保留在其填寫的紀錄中。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>新增…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>編輯…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重設密碼…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解鎖</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>讓被鎖定的帳號在鎖定結束前重新登入</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>啟用</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>允許此人重新登入</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>禁止此人登入；其紀錄將保留</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} 現在使用臨時密碼。</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} 現在可以重新登入。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name} 的帳號已停用。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name} 的帳號已重新啟用。</translation>
    </message>
</context>
<context>
    <name>StaffTableModel</name>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>使用者名稱</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>電話</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>狀態</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>鎖定至 {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>下次登入時必須設定新密碼。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>開啟診所</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>這台電腦沒有儲存診所資料的金鑰。請輸入診所通關密語，或列印的復原金鑰單上的復原金鑰。</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>診所通關密語</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>復原金鑰</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>請先輸入通關密語或復原金鑰。</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>歡迎使用 ClinicDesk</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>本精靈將在這台電腦上為您的診所設定 ClinicDesk，大約需要五分鐘。您需要準備：診所名稱和地址、院長的使用者名稱和密碼，以及診所通關密語。最後需要列印診所的復原金鑰單，請準備好印表機，或將其另存為 PDF。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>語言</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>缺少翻譯檔案，因此介面文字仍顯示為英文。請重新安裝 ClinicDesk 以解決此問題。</translation>
    </message>
</context>
</TS>
