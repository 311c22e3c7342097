<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>App</name>
    <message>
        <source>ClinicDesk is already open with this clinic&apos;s data on this computer. Switch to that window (look in the taskbar) instead of opening it twice.</source>
        <translation>本机已打开了这家诊所的 ClinicDesk。请切换到那个窗口（可在任务栏中找到），不要重复打开。</translation>
    </message>
</context>
<context>
    <name>ChangePassphraseDialog</name>
    <message>
        <source>Change the clinic passphrase</source>
        <translation>更改诊所口令</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data. Change it if someone who knew it should no longer have it. Backups made before today still open with the old passphrase (or the recovery key).</source>
        <translation>诊所口令用于解锁诊所的加密数据。如果知道口令的人不应再掌握它，请更改口令。今天之前制作的备份仍需使用旧口令（或恢复密钥）打开。</translation>
    </message>
    <message>
        <source>Current passphrase</source>
        <translation>当前口令</translation>
    </message>
    <message>
        <source>New passphrase</source>
        <translation>新口令</translation>
    </message>
    <message>
        <source>New passphrase again</source>
        <translation>再次输入新口令</translation>
    </message>
    <message>
        <source>Type the current passphrase.</source>
        <translation>请输入当前口令。</translation>
    </message>
    <message>
        <source>The two new passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的新口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>Changing the passphrase…</source>
        <translation>正在更改口令…</translation>
    </message>
</context>
<context>
    <name>ChangePasswordDialog</name>
    <message>
        <source>Change your password</source>
        <translation>修改您的密码</translation>
    </message>
    <message>
        <source>Choose your own password before you start. Use at least 8 characters; a short sentence is easy to remember and hard to guess.</source>
        <translation>开始使用前，请设置您自己的密码。密码至少 8 个字符；用一句短句作为密码，既好记又难猜。</translation>
    </message>
    <message>
        <source>Type your current password, then the new one twice.</source>
        <translation>请输入当前密码，然后输入两次新密码。</translation>
    </message>
    <message>
        <source>Current password</source>
        <translation>当前密码</translation>
    </message>
    <message>
        <source>New password</source>
        <translation>新密码</translation>
    </message>
    <message>
        <source>New password again</source>
        <translation>再次输入新密码</translation>
    </message>
    <message>
        <source>The two new passwords are not the same.</source>
        <translation>两次输入的新密码不一致。</translation>
    </message>
</context>
<context>
    <name>ClinicPage</name>
    <message>
        <source>The name was cut at {n} characters: check its end.</source>
        <translation>名称超过 {n} 个字符，已被截断，请检查结尾部分。</translation>
    </message>
    <message>
        <source>Choose a time zone from the list, such as Asia/Shanghai.</source>
        <translation>请从列表中选择时区，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>Your clinic</source>
        <translation>您的诊所</translation>
    </message>
    <message>
        <source>The clinic&apos;s name is printed on receipts, cards and the recovery kit. The address and phone can be filled in later in Settings.</source>
        <translation>诊所名称会打印在收据、卡片和恢复密钥单上。地址和电话可以稍后在“设置”中填写。</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>诊所名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>e.g. 仁和诊所</source>
        <translation>例如 仁和诊所</translation>
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
        <translation>（空）</translation>
    </message>
    <message>
        <source>Default: {value}</source>
        <translation>默认值：{value}</translation>
    </message>
    <message>
        <source>spec {id}</source>
        <translation>规范 {id}</translation>
    </message>
    <message>
        <source>Your role can see these settings but not change them. Ask the clinic director if something should change.</source>
        <translation>您的角色可以查看这些设置，但不能修改。如需修改，请联系院长。</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>撤销更改</translation>
    </message>
    <message>
        <source>Undo the changes not saved yet</source>
        <translation>撤销尚未保存的更改</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Save every changed setting</source>
        <translation>保存所有已更改的设置</translation>
    </message>
    <message>
        <source>Standard values filled in for {group}. Press Save to keep them.</source>
        <translation>已为“{group}”填入标准值。请按“保存”使其生效。</translation>
    </message>
    <message>
        <source>{label}: type a time zone name such as Asia/Shanghai.</source>
        <translation>{label}：请输入时区名称，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>“{first}” must not be later than “{last}”.</source>
        <translation>“{first}”不能晚于“{last}”。</translation>
    </message>
    <message>
        <source>There are no changes to save.</source>
        <translation>没有需要保存的更改。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>设置已保存。</translation>
    </message>
    <message>
        <source>Settings saved, but this installation has no translation for {language}; the screens stay as they were. Reinstall ClinicDesk to restore it.</source>
        <translation>设置已保存，但当前安装中没有{language}的翻译，界面将保持原样。请重新安装 ClinicDesk 以恢复翻译。</translation>
    </message>
</context>
<context>
    <name>CreatePage</name>
    <message>
        <source>Creating the clinic&apos;s encrypted data. This takes a few seconds…</source>
        <translation>正在创建诊所的加密数据，需要几秒钟…</translation>
    </message>
    <message>
        <source>The clinic could not be created. Nothing was changed on this computer. Fix the problem below, or go back and change what you typed, then try again.</source>
        <translation>无法创建诊所，本机上没有做任何更改。请解决下面列出的问题，或返回修改已输入的内容，然后重试。</translation>
    </message>
    <message>
        <source>The clinic is ready.</source>
        <translation>诊所已创建完成。</translation>
    </message>
    <message>
        <source>Creating the clinic</source>
        <translation>正在创建诊所</translation>
    </message>
    <message>
        <source>The clinic&apos;s data is kept in this folder: {path}</source>
        <translation>诊所数据保存在此文件夹中：{path}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>重试</translation>
    </message>
</context>
<context>
    <name>DirectorPage</name>
    <message>
        <source>The two passwords are not the same. Type the same password twice.</source>
        <translation>两次输入的密码不一致。请输入两次相同的密码。</translation>
    </message>
    <message>
        <source>The director&apos;s account</source>
        <translation>院长账号</translation>
    </message>
    <message>
        <source>The director manages the clinic in ClinicDesk: staff accounts, settings and keys. Everyone signs in with their own user name; the director adds the other staff later.</source>
        <translation>院长在 ClinicDesk 中管理诊所：员工账号、设置和密钥。每个人都用自己的用户名登录；其他员工由院长稍后添加。</translation>
    </message>
    <message>
        <source>Director&apos;s name</source>
        <translation>院长姓名</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <source>e.g. 王丽</source>
        <translation>例如 王丽</translation>
    </message>
    <message>
        <source>e.g. wang.li (letters a-z and digits)</source>
        <translation>例如 wang.li（字母 a-z 和数字）</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Something went wrong. Details are in the log file.</source>
        <translation>出现了问题。详细信息已记录在日志文件中。</translation>
    </message>
    <message>
        <source>No clinic has been set up in {path}. Run the setup first, or choose the folder that holds the clinic&apos;s data.</source>
        <translation>{path} 中还没有设置诊所。请先运行设置向导，或选择存放诊所数据的文件夹。</translation>
    </message>
    <message>
        <source>A clinic already exists in {path}. Choose an empty folder for a new clinic.</source>
        <translation>{path} 中已有一家诊所。请为新诊所选择一个空文件夹。</translation>
    </message>
    <message>
        <source>That passphrase does not open this clinic. Check the keyboard layout and Caps Lock, then try again, or use the recovery key. Failed attempts so far: {count}.</source>
        <translation>此口令无法打开这家诊所。请检查键盘布局和大写锁定键（Caps Lock）后重试，或使用恢复密钥。目前已失败 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key does not belong to this clinic. Check that it comes from this clinic&apos;s recovery kit. Failed attempts so far: {count}.</source>
        <translation>此恢复密钥不属于这家诊所。请确认它来自本诊所的恢复密钥单。目前已失败 {count} 次。</translation>
    </message>
    <message>
        <source>That recovery key has a typing mistake: it should be 32 letters and digits in 8 groups of 4, exactly as printed on the recovery kit. Please type it again.</source>
        <translation>恢复密钥输入有误：它应由 32 个字母和数字组成，分为 8 组、每组 4 个，与恢复密钥单上印的完全一致。请重新输入。</translation>
    </message>
    <message>
        <source>Too many wrong passphrases or recovery keys ({count}). For safety, the next try is possible after {until} (UTC).</source>
        <translation>口令或恢复密钥输错次数过多（{count} 次）。为安全起见，请在 {until}（UTC）之后再试。</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic. Enter the clinic passphrase, or set CLINIC_DESK_PASSPHRASE for scripts.</source>
        <translation>本机没有保存这家诊所的密钥。请输入诊所口令；如在脚本中使用，请设置 CLINIC_DESK_PASSPHRASE。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is damaged ({detail}). Do not keep working in it: restore the latest backup, and keep the damaged file for inspection.</source>
        <translation>诊所数据库已损坏（{detail}）。请不要继续在其中工作：请恢复最近的备份，并保留损坏的文件以便检查。</translation>
    </message>
    <message>
        <source>The disk is full, so nothing was saved. Free some space on the disk that holds the clinic&apos;s data, then try again.</source>
        <translation>磁盘已满，没有保存任何内容。请在存放诊所数据的磁盘上释放一些空间，然后重试。</translation>
    </message>
    <message>
        <source>The clinic&apos;s database is busy with another program for too long. Nothing was saved; try again in a moment.</source>
        <translation>诊所数据库被其他程序占用时间过长，没有保存任何内容。请稍后重试。</translation>
    </message>
    <message>
        <source>This clinic&apos;s data was written by a newer version of ClinicDesk. Install the newer version on this computer before opening it.</source>
        <translation>这家诊所的数据由较新版本的 ClinicDesk 写入。请先在本机安装新版本，再打开数据。</translation>
    </message>
    <message>
        <source>Your role ({role}) may not do this ({action}). Ask the clinic director if you need it.</source>
        <translation>您的角色（{role}）无权执行此操作（{action}）。如有需要，请联系院长。</translation>
    </message>
    <message>
        <source>This record is outside your role. For emergency access, give a reason; it will be recorded and reviewed.</source>
        <translation>此记录不在您的角色权限范围内。如需紧急查看，请填写原因；该操作将被记录并接受审查。</translation>
    </message>
    <message>
        <source>The user name or password is not right. Please try again.</source>
        <translation>用户名或密码不正确，请重试。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords, until {until}. Wait, or ask the director to unlock it.</source>
        <translation>由于密码输错次数过多，此账号已被锁定至 {until}。请等待，或请院长解锁。</translation>
    </message>
    <message>
        <source>This account has been disabled. Ask the clinic director.</source>
        <translation>此账号已被停用。请联系院长。</translation>
    </message>
    <message>
        <source>The {what} was not found. It may have been removed.</source>
        <translation>找不到该{what}，可能已被删除。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is missing. Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 打印所需的字体文件 {path} 缺失。请重新安装 ClinicDesk 以恢复该文件。</translation>
    </message>
    <message>
        <source>The font file {path} that ClinicDesk needs for printing is damaged ({detail}). Reinstall ClinicDesk to restore it.</source>
        <translation>ClinicDesk 打印所需的字体文件 {path} 已损坏（{detail}）。请重新安装 ClinicDesk 以恢复该文件。</translation>
    </message>
    <message>
        <source>The password is empty. Type a password.</source>
        <translation>密码为空。请输入密码。</translation>
    </message>
    <message>
        <source>The password is too short: use at least {n} characters.</source>
        <translation>密码太短：请至少使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The password is too long: use at most {n} characters.</source>
        <translation>密码太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The password must not be the same as the user name.</source>
        <translation>密码不能与用户名相同。</translation>
    </message>
    <message>
        <source>The reason is too long: use at most 1000 characters.</source>
        <translation>原因太长：最多只能输入 1000 个字符。</translation>
    </message>
    <message>
        <source>The clinic name is empty. Type the clinic&apos;s name.</source>
        <translation>诊所名称为空。请输入诊所名称。</translation>
    </message>
    <message>
        <source>The clinic name is {length} characters long; use at most {n} characters.</source>
        <translation>诊所名称长度为 {length} 个字符；最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The clinic name contains control characters; type it on one line.</source>
        <translation>诊所名称包含控制字符；请在一行内输入。</translation>
    </message>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>The name is too long: use at most {n} characters.</source>
        <translation>名称太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>{path} is not a ClinicDesk backup, or it is damaged. Choose a .cdbak file made by ClinicDesk.</source>
        <translation>{path} 不是 ClinicDesk 备份，或者已损坏。请选择由 ClinicDesk 生成的 .cdbak 文件。</translation>
    </message>
    <message>
        <source>The backup could not be written to {path} ({reason}). Check that the folder exists and has room, then try again.</source>
        <translation>无法将备份写入 {path}（{reason}）。请检查该文件夹是否存在且有足够空间，然后重试。</translation>
    </message>
    <message>
        <source>The backup failed its check.</source>
        <translation>备份未通过校验。</translation>
    </message>
    <message>
        <source>The backup does not match the clinic&apos;s data (tables: {tables}).</source>
        <translation>备份与诊所数据不一致（数据表：{tables}）。</translation>
    </message>
    <message>
        <source>{path} is a folder. Give a file name for the backup, ending in .cdbak.</source>
        <translation>{path} 是一个文件夹。请为备份指定一个以 .cdbak 结尾的文件名。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Choose a folder that exists.</source>
        <translation>文件夹 {path} 不存在。请选择一个已有的文件夹。</translation>
    </message>
    <message>
        <source>The backup is damaged and was not restored: {detail}.</source>
        <translation>备份已损坏，未进行恢复：{detail}。</translation>
    </message>
    <message>
        <source>{label} is too long: use at most {n} characters.</source>
        <translation>{label}太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The patient&apos;s name is empty. Type the name.</source>
        <translation>患者姓名为空。请输入姓名。</translation>
    </message>
    <message>
        <source>Choose the patient&apos;s sex.</source>
        <translation>请选择患者性别。</translation>
    </message>
    <message>
        <source>patient</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>The note is empty. Type the note.</source>
        <translation>备注为空。请输入备注内容。</translation>
    </message>
    <message>
        <source>The note is too long: use at most {n} characters.</source>
        <translation>备注太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>There is no setting called {key}.</source>
        <translation>不存在名为 {key} 的设置项。</translation>
    </message>
    <message>
        <source>The user name is empty. Type one.</source>
        <translation>用户名为空。请输入用户名。</translation>
    </message>
    <message>
        <source>The user name is too long: use at most {n} characters.</source>
        <translation>用户名太长：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>A user name may use only letters a-z, digits and . _ - @ (for example zhang.li). Put the person&apos;s name in Chinese in the display name.</source>
        <translation>用户名只能使用字母 a-z、数字以及 . _ - @（例如 zhang.li）。中文姓名请填写在“姓名”中。</translation>
    </message>
    <message>
        <source>The name is empty. Type the person&apos;s name.</source>
        <translation>姓名为空。请输入此人的姓名。</translation>
    </message>
    <message>
        <source>There is no role called {role}.</source>
        <translation>不存在名为 {role} 的角色。</translation>
    </message>
    <message>
        <source>The user name {login} is taken. Choose another user name.</source>
        <translation>用户名 {login} 已被使用。请换一个用户名。</translation>
    </message>
    <message>
        <source>staff account</source>
        <translation>员工账号</translation>
    </message>
    <message>
        <source>This is the only active director account; the clinic would have no one to manage it. Make another director first.</source>
        <translation>这是唯一一个启用中的院长账号；如果更改，诊所将无人管理。请先设置另一名院长。</translation>
    </message>
    <message>
        <source>Choose a new password, not the current one.</source>
        <translation>请设置一个新密码，不能与当前密码相同。</translation>
    </message>
    <message>
        <source>{label}: type a whole number.</source>
        <translation>{label}：请输入整数。</translation>
    </message>
    <message>
        <source>{label}: choose a number from {minimum} to {maximum}.</source>
        <translation>{label}：请输入 {minimum} 到 {maximum} 之间的数字。</translation>
    </message>
    <message>
        <source>{label}: choose yes or no.</source>
        <translation>{label}：请选择“是”或“否”。</translation>
    </message>
    <message>
        <source>{label}: type a time as HH:MM, e.g. 16:00.</source>
        <translation>{label}：请按 HH:MM 格式输入时间，例如 16:00。</translation>
    </message>
    <message>
        <source>{label}: choose one of the offered values.</source>
        <translation>{label}：请从提供的选项中选择一个。</translation>
    </message>
    <message>
        <source>{value} is not a time zone. Choose one such as Asia/Shanghai.</source>
        <translation>{value} 不是有效的时区。请选择一个时区，例如 Asia/Shanghai。</translation>
    </message>
    <message>
        <source>{label}: use at most {n} characters.</source>
        <translation>{label}：最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>The chronic follow-up call cannot start after its last day. Make the &apos;from day&apos; no later than the &apos;by day&apos;.</source>
        <translation>慢病电话回访的开始日不能晚于截止日。请将“最早第几天”设为不晚于“最晚第几天”。</translation>
    </message>
    <message>
        <source>{path} is a file, not a folder. Choose a folder for the clinic&apos;s data.</source>
        <translation>{path} 是文件，不是文件夹。请为诊所数据选择一个文件夹。</translation>
    </message>
    <message>
        <source>The folder {path} does not exist. Check the path and try again.</source>
        <translation>文件夹 {path} 不存在。请检查路径后重试。</translation>
    </message>
    <message>
        <source>The folder {path} cannot be created ({reason}). Choose a folder you may write to.</source>
        <translation>无法创建文件夹 {path}（{reason}）。请选择一个您有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>{path} is on a network drive ({fs}). The clinic&apos;s database must be on this computer&apos;s own disk; to share data between computers, set up sync instead.</source>
        <translation>{path} 位于网络驱动器上（{fs}）。诊所数据库必须保存在本机自己的磁盘上；如需在多台电脑之间共享数据，请改为设置同步。</translation>
    </message>
    <message>
        <source>ClinicDesk cannot write in {path} ({reason}). Choose a folder on this computer that you may write to.</source>
        <translation>ClinicDesk 无法写入 {path}（{reason}）。请在本机上选择一个您有写入权限的文件夹。</translation>
    </message>
    <message>
        <source>The computer reported a problem with a file: {reason}. Check the disk and the folder&apos;s permissions, then try again.</source>
        <translation>电脑报告文件出现问题：{reason}。请检查磁盘和文件夹权限，然后重试。</translation>
    </message>
    <message>
        <source>Something went wrong and the action was not completed. The details are in the log file; please tell the person who looks after the clinic&apos;s computers.</source>
        <translation>出现问题，操作未能完成。详细信息已记录在日志文件中；请告知负责诊所电脑维护的人员。</translation>
    </message>
    <message>
        <source>ClinicDesk</source>
        <translation>ClinicDesk</translation>
    </message>
    <message>
        <source>The number of demo patients must be between 0 and {n}.</source>
        <translation>演示患者数量必须在 0 到 {n} 之间。</translation>
    </message>
    <message>
        <source>The demo period must be more than 0 and at most {n} years.</source>
        <translation>演示时间跨度必须大于 0 年且不超过 {n} 年。</translation>
    </message>
    <message>
        <source>The demo visits per year must be between 0 and {n}.</source>
        <translation>每年的演示就诊次数必须在 0 到 {n} 之间。</translation>
    </message>
    <message>
        <source>The clinic has no active doctor to write the demo visits. Add a doctor first.</source>
        <translation>诊所没有启用中的医生来记录演示就诊。请先添加一名医生。</translation>
    </message>
    <message>
        <source>Type the document number.</source>
        <translation>请输入证件号码。</translation>
    </message>
    <message>
        <source>This is too long for a document number: type only the number printed on the document.</source>
        <translation>证件号码过长：请只输入证件上印的号码。</translation>
    </message>
    <message>
        <source>A document number has only letters and digits (spaces, hyphens and brackets are ignored): remove the other characters and check the number on the document.</source>
        <translation>证件号码只包含字母和数字（空格、连字符和括号会被忽略）：请删除其他字符，并核对证件上的号码。</translation>
    </message>
    <message>
        <source>Choose the kind of document first.</source>
        <translation>请先选择证件类型。</translation>
    </message>
    <message>
        <source>A resident ID number has 18 characters: 17 digits, then a digit or X (cards from before 2004 may have 15 digits). Check the number on the card.</source>
        <translation>居民身份证号码共 18 位：前 17 位为数字，最后一位为数字或 X（2004 年以前的证件可能是 15 位）。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Hong Kong ID number is one or two letters, six digits and a check digit or A in brackets, for example A123456(3). Check the number on the card.</source>
        <translation>香港身份证号码由一或两个字母、六位数字和括号中的校验码（数字或 A）组成，例如 A123456(3)。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Taiwan ID number is one letter and nine digits, for example A123456789. Check the number on the card.</source>
        <translation>台湾身份证号码由一个字母和九位数字组成，例如 A123456789。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Macau ID number is 1, 5 or 7, six more digits and a check digit in brackets, for example 1234567(8). Check the number on the card.</source>
        <translation>澳门身份证号码以 1、5 或 7 开头，后接六位数字和括号中的校验码，例如 1234567(8)。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A Home Return Permit number is H or M followed by 8 digits (older permits add 2 more digits). Check the number on the permit.</source>
        <translation>港澳居民来往内地通行证号码为 H 或 M 加 8 位数字（旧证另有 2 位数字）。请核对通行证上的号码。</translation>
    </message>
    <message>
        <source>A Taiwan compatriot permit number has 8 digits (older permits have 10 characters). Check the number on the permit.</source>
        <translation>台湾居民来往大陆通行证号码为 8 位数字（旧证为 10 位）。请核对通行证上的号码。</translation>
    </message>
    <message>
        <source>A foreign permanent resident ID has 18 characters starting with 9 (older cards: 3 letters and 12 digits). Check the number on the card.</source>
        <translation>外国人永久居留身份证号码共 18 位，以 9 开头（旧证为 3 个字母加 12 位数字）。请核对证件上的号码。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents has 18 characters: 17 digits, then a digit or X. Check the number on the permit.</source>
        <translation>港澳台居民居住证号码共 18 位：前 17 位为数字，最后一位为数字或 X。请核对居住证上的号码。</translation>
    </message>
    <message>
        <source>A passport number has 5 to 20 letters and digits. Check the number on the passport&apos;s photo page.</source>
        <translation>护照号码由 5 到 20 个字母和数字组成。请核对护照照片页上的号码。</translation>
    </message>
    <message>
        <source>The last character of this resident ID does not match the others: check the number on the card.</source>
        <translation>此居民身份证号码的最后一位与前面的数字不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The last character of this residence permit number does not match the others: check the number on the permit.</source>
        <translation>此居住证号码的最后一位与前面的数字不符：请核对居住证上的号码。</translation>
    </message>
    <message>
        <source>The last character of this permanent resident ID does not match the others: check the number on the card.</source>
        <translation>此永久居留身份证号码的最后一位与前面的字符不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The check digit in brackets does not match this Hong Kong ID number: check the number on the card.</source>
        <translation>括号中的校验码与此香港身份证号码不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The last digit of this Taiwan ID number does not match the others: check the number on the card.</source>
        <translation>此台湾身份证号码的最后一位与前面的字符不符：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>This resident ID starts with a region code that does not exist: check the first two digits on the card.</source>
        <translation>此居民身份证号码开头的地区代码不存在：请核对证件上号码的前两位。</translation>
    </message>
    <message>
        <source>Resident ID numbers never start with 9; numbers starting with 9 are foreign permanent resident IDs. Check the number, or choose that kind of document.</source>
        <translation>居民身份证号码不会以 9 开头；以 9 开头的是外国人永久居留身份证。请核对号码，或选择该证件类型。</translation>
    </message>
    <message>
        <source>A residence permit number for Hong Kong, Macau or Taiwan residents starts with 810000, 820000 or 830000. Check the number, or choose Resident ID for a mainland card.</source>
        <translation>港澳台居民居住证号码以 810000、820000 或 830000 开头。请核对号码；内地居民身份证请选择“居民身份证”。</translation>
    </message>
    <message>
        <source>The second character of a Taiwan ID number is 1, 2, 8 or 9: check the number on the card.</source>
        <translation>台湾身份证号码的第二位是 1、2、8 或 9：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is not a real date: check the number on the card.</source>
        <translation>号码中包含的出生日期不是有效日期：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is in the future: check the number on the card.</source>
        <translation>号码中包含的出生日期在将来：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>The birth date inside this number is more than {years} years ago: check the number on the card.</source>
        <translation>号码中包含的出生日期早于 {years} 年前：请核对证件上的号码。</translation>
    </message>
    <message>
        <source>Type a phone number.</source>
        <translation>请输入电话号码。</translation>
    </message>
    <message>
        <source>A phone number has only digits: remove the letters (write an extension in the notes).</source>
        <translation>电话号码只能包含数字：请删除字母（分机号请写在备注中）。</translation>
    </message>
    <message>
        <source>A phone number has only digits, spaces, hyphens, brackets and a + in front: remove the other characters.</source>
        <translation>电话号码只能包含数字、空格、连字符、括号和开头的 +：请删除其他字符。</translation>
    </message>
    <message>
        <source>This phone number is too short: type all of its digits, with the area code for a landline.</source>
        <translation>电话号码太短：请输入完整号码，固定电话请加区号。</translation>
    </message>
    <message>
        <source>This phone number is too long: check the digits, and type only one number.</source>
        <translation>电话号码太长：请核对数字，并且只输入一个号码。</translation>
    </message>
    <message>
        <source>No country uses the code after the +: check it, or leave out the + for a number in this country.</source>
        <translation>+ 后面的国家代码不存在：请核对；如是本国号码，请不要输入 +。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for China: check the digits; for another country type + and its country code.</source>
        <translation>这不是有效的中国电话号码：请核对数字；其他国家或地区的号码请输入 + 和国家代码。</translation>
    </message>
    <message>
        <source>This is not a valid phone number in the clinic&apos;s region ({region}): check the digits; for another country type + and its country code.</source>
        <translation>这不是诊所所在地区（{region}）的有效电话号码：请核对数字；其他国家或地区的号码请输入 + 和国家代码。</translation>
    </message>
    <message>
        <source>This is not a valid phone number for country code +{code}: check the digits and the country code.</source>
        <translation>这不是国家代码 +{code} 的有效电话号码：请核对数字和国家代码。</translation>
    </message>
</context>
<context>
    <name>Features</name>
    <message>
        <source>{what} will be available in a coming version of ClinicDesk.</source>
        <translation>“{what}”将在 ClinicDesk 的后续版本中提供。</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Calendar</source>
        <translation>日程</translation>
    </message>
    <message>
        <source>Patients</source>
        <translation>患者</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Complaints &amp; quality</source>
        <translation>投诉与质量</translation>
    </message>
    <message>
        <source>Membership</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
</context>
<context>
    <name>GroupForm</name>
    <message>
        <source>Restore defaults</source>
        <translation>恢复默认值</translation>
    </message>
    <message>
        <source>Fill in the standard values for this group. Nothing changes until you press Save. The clinic&apos;s name, address and phone are kept.</source>
        <translation>为本组填入标准值。按“保存”之前不会有任何更改。诊所名称、地址和电话保持不变。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>{clinic} — ClinicDesk</source>
        <translation>{clinic} — ClinicDesk 诊所管理系统</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Find a patient…</source>
        <translation>查找患者…</translation>
    </message>
    <message>
        <source>Lock screen</source>
        <translation>锁屏</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出程序</translation>
    </message>
    <message>
        <source>About ClinicDesk</source>
        <translation>关于 ClinicDesk</translation>
    </message>
    <message>
        <source>Find a patient: name or phone (Ctrl+K / F2)</source>
        <translation>查找患者：姓名或电话（Ctrl+K / F2）</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>{name} ({role}) · {workstation}</source>
        <translation>{name}（{role}）· 工作站：{workstation}</translation>
    </message>
    <message>
        <source>ClinicDesk {version}
An offline-first desktop program for small private clinics.</source>
        <translation>ClinicDesk {version}
面向小型私立诊所、离线优先的桌面软件。</translation>
    </message>
</context>
<context>
    <name>Passphrase</name>
    <message>
        <source>Use at least {n} characters.</source>
        <translation>请至少使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Use at most {n} characters.</source>
        <translation>最多只能使用 {n} 个字符。</translation>
    </message>
    <message>
        <source>Type a passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <source>Too easy to guess. Use four or more unrelated words, or a sentence only you would say.</source>
        <translation>太容易被猜到。请使用四个或更多互不相关的词语，或一句只有您才会说的话。</translation>
    </message>
    <message>
        <source>Do not use the clinic&apos;s name, phone or a login in the passphrase.</source>
        <translation>口令中不要包含诊所名称、电话或用户名。</translation>
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
        <translation>一般</translation>
    </message>
    <message>
        <source>Strong</source>
        <translation>强</translation>
    </message>
    <message>
        <source>Very strong</source>
        <translation>非常强</translation>
    </message>
</context>
<context>
    <name>PassphrasePage</name>
    <message>
        <source>The two passphrases are not the same. Type the same passphrase twice.</source>
        <translation>两次输入的口令不一致。请输入两次相同的口令。</translation>
    </message>
    <message>
        <source>The clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>The clinic passphrase opens the clinic&apos;s data on any computer: a new one, or this one after a repair. Choose a sentence only you would say, of four or more unrelated words; Chinese is fine. Do not lose it: keep it where the director can find it, away from the computer.</source>
        <translation>诊所口令可以在任何电脑上打开诊所数据：无论是新电脑，还是维修后的本机。请选择一句只有您才会说的话，由四个或更多互不相关的词语组成；可以使用中文。请勿遗失口令：把它保存在院长能找到、且远离电脑的地方。</translation>
    </message>
    <message>
        <source>Passphrase</source>
        <translation>口令</translation>
    </message>
    <message>
        <source>Passphrase again</source>
        <translation>再次输入口令</translation>
    </message>
    <message>
        <source>Show what I type</source>
        <translation>显示输入内容</translation>
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
        <translation>性别</translation>
    </message>
    <message>
        <source>Date of birth</source>
        <translation>出生日期</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
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
        <translation>按姓名或电话搜索患者（Ctrl+K）</translation>
    </message>
    <message numerus="yes">
        <source>%n patient(s) found</source>
        <translation>
            <numerusform>找到 %n 位患者</numerusform>
        </translation>
    </message>
    <message>
        <source>No patient found.</source>
        <translation>未找到患者。</translation>
    </message>
</context>
<context>
    <name>PdfPreview</name>
    <message>
        <source>Save as PDF</source>
        <translation>另存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
</context>
<context>
    <name>RecoveryKeyDialog</name>
    <message>
        <source>New recovery key</source>
        <translation>新的恢复密钥</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>Make a new key</source>
        <translation>生成新密钥</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>我已抄写下来</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s new recovery key. Write it down or print it now and keep it locked away: it is shown only this once. The old recovery key no longer opens the clinic (backups made before today still open with the old key).</source>
        <translation>这是诊所新的恢复密钥。请立即抄写或打印，并锁好保管：它只会显示这一次。旧的恢复密钥已无法打开诊所（今天之前制作的备份仍需使用旧密钥打开）。</translation>
    </message>
    <message>
        <source>A new recovery key replaces the old one at once: the old key stops working. Do this if the printed key was lost or seen by someone else. Type the clinic passphrase to continue.</source>
        <translation>新的恢复密钥会立即取代旧密钥，旧密钥随即失效。如果打印的密钥已遗失或被他人看到，请执行此操作。请输入诊所口令以继续。</translation>
    </message>
    <message>
        <source>Type the clinic passphrase.</source>
        <translation>请输入诊所口令。</translation>
    </message>
    <message>
        <source>Making the new key…</source>
        <translation>正在生成新密钥…</translation>
    </message>
</context>
<context>
    <name>RecoveryKit</name>
    <message>
        <source>ClinicDesk recovery kit</source>
        <translation>ClinicDesk 恢复密钥单</translation>
    </message>
    <message>
        <source>Recovery key for the clinic&apos;s encrypted data</source>
        <translation>诊所加密数据的恢复密钥</translation>
    </message>
    <message>
        <source>What this key is for</source>
        <translation>这个密钥有什么用</translation>
    </message>
    <message>
        <source>This key opens the clinic&apos;s encrypted data on a new computer, or when the clinic passphrase has been forgotten. Whoever holds it can open every patient record, so guard it as carefully as the passphrase.</source>
        <translation>在新电脑上，或忘记诊所口令时，可用此密钥打开诊所的加密数据。持有它的人可以打开所有患者记录，因此请像保管口令一样妥善保管它。</translation>
    </message>
    <message>
        <source>How to keep it</source>
        <translation>如何保管</translation>
    </message>
    <message>
        <source>Keep it on paper, in a locked place away from the computer, such as a locked drawer or a safe.</source>
        <translation>请以纸质形式保存，放在远离电脑、可上锁的地方，例如上锁的抽屉或保险柜。</translation>
    </message>
    <message>
        <source>Never photograph it, scan it, email it or send it in a chat message.</source>
        <translation>切勿拍照、扫描、通过电子邮件发送，或在聊天消息中发送。</translation>
    </message>
    <message>
        <source>If this page was saved as a file, delete the file once the page is printed.</source>
        <translation>如果此页已另存为文件，请在打印后删除该文件。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone, including ClinicDesk&apos;s makers.</source>
        <translation>如果口令、此恢复密钥以及所有电脑上保存的密钥全部丢失，诊所数据将无法由任何人恢复，包括 ClinicDesk 的开发者。</translation>
    </message>
    <message>
        <source>Stored by {name} on {date}</source>
        <translation>保管人：{name}&#x3000;日期：{date}</translation>
    </message>
    <message>
        <source>Clinic</source>
        <translation>诊所</translation>
    </message>
    <message>
        <source>Clinic ID</source>
        <translation>诊所 ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>The key has no letters I, L, O or U: 0 is zero and 1 is one.</source>
        <translation>密钥中没有字母 I、L、O 或 U：0 是数字零，1 是数字一。</translation>
    </message>
</context>
<context>
    <name>RecoveryKitPage</name>
    <message>
        <source>Recovery kit - {clinic}</source>
        <translation>恢复密钥单 - {clinic}</translation>
    </message>
    <message>
        <source>Recovery kit</source>
        <translation>恢复密钥单</translation>
    </message>
    <message>
        <source>Preparing the recovery kit…</source>
        <translation>正在准备恢复密钥单…</translation>
    </message>
    <message>
        <source>Saved as {path}. Print it, keep the paper somewhere safe, then delete the file.</source>
        <translation>已保存为 {path}。请打印出来，把纸张存放在安全的地方，然后删除该文件。</translation>
    </message>
    <message>
        <source>The recovery kit was sent to the printer.</source>
        <translation>恢复密钥单已发送到打印机。</translation>
    </message>
    <message>
        <source>The recovery kit</source>
        <translation>恢复密钥单</translation>
    </message>
    <message>
        <source>This is the clinic&apos;s recovery key. It opens the clinic&apos;s data if the passphrase is forgotten. It is shown only now: print the recovery kit, or save it as a PDF and print it soon.</source>
        <translation>这是诊所的恢复密钥。忘记口令时，可用它打开诊所数据。它只在此时显示：请打印恢复密钥单，或另存为 PDF 并尽快打印。</translation>
    </message>
    <message>
        <source>If the passphrase, this recovery key and every computer&apos;s saved key are all lost, the clinic&apos;s data cannot be recovered by anyone.</source>
        <translation>如果口令、此恢复密钥以及所有电脑上保存的密钥全部丢失，诊所数据将无法由任何人恢复。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>I have printed or saved the recovery kit and will keep it somewhere safe</source>
        <translation>我已打印或保存恢复密钥单，并会将其存放在安全的地方</translation>
    </message>
</context>
<context>
    <name>ResetPasswordDialog</name>
    <message>
        <source>Reset password</source>
        <translation>重置密码</translation>
    </message>
    <message>
        <source>Set a temporary password for {name} ({login}). Tell it to them in person; they must choose their own password at their next sign-in. This also unlocks the account.</source>
        <translation>为 {name}（{login}）设置临时密码。请当面告知对方；对方下次登录时必须设置自己的密码。此操作同时会解锁该账号。</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>临时密码</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次输入临时密码</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>Roles</name>
    <message>
        <source>Receptionist</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Triage nurse</source>
        <translation>导诊护士</translation>
    </message>
    <message>
        <source>Doctor</source>
        <translation>医生</translation>
    </message>
    <message>
        <source>Pharmacist</source>
        <translation>药师</translation>
    </message>
    <message>
        <source>Health manager</source>
        <translation>健康管理师</translation>
    </message>
    <message>
        <source>Customer service</source>
        <translation>客服</translation>
    </message>
    <message>
        <source>Director</source>
        <translation>院长</translation>
    </message>
</context>
<context>
    <name>SecurityTab</name>
    <message>
        <source>Clinic passphrase and recovery key</source>
        <translation>诊所口令和恢复密钥</translation>
    </message>
    <message>
        <source>The passphrase unlocks the clinic&apos;s encrypted data and its backups. Change it when someone who knew it leaves the clinic.</source>
        <translation>口令用于解锁诊所的加密数据及其备份。知道口令的人离开诊所时，请更改口令。</translation>
    </message>
    <message>
        <source>Change clinic passphrase…</source>
        <translation>更改诊所口令…</translation>
    </message>
    <message>
        <source>The recovery key opens the data if the passphrase is forgotten. Make a new one if the printed key was lost or seen by someone else.</source>
        <translation>忘记口令时，可用恢复密钥打开数据。如果打印的密钥已遗失或被他人看到，请生成新的恢复密钥。</translation>
    </message>
    <message>
        <source>New recovery key…</source>
        <translation>生成新的恢复密钥…</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>ClinicDesk makes a backup every day when the daily backup is on. Make one now before a big change, or to take a copy away on a USB disk.</source>
        <translation>开启每日备份后，ClinicDesk 每天都会自动备份。在进行重大更改之前，或需要用 U 盘带走一份副本时，请立即备份。</translation>
    </message>
    <message>
        <source>Back up now…</source>
        <translation>立即备份…</translation>
    </message>
    <message>
        <source>Daily backups go to</source>
        <translation>每日备份保存位置</translation>
    </message>
    <message>
        <source>Last daily backup</source>
        <translation>最近一次每日备份</translation>
    </message>
    <message>
        <source>…</source>
        <translation>…</translation>
    </message>
    <message>
        <source>Daily backups are turned off (see Settings › Backup).</source>
        <translation>每日备份已关闭（见 设置 › 备份）。</translation>
    </message>
    <message>
        <source>None yet; the first is made when ClinicDesk starts.</source>
        <translation>暂无；ClinicDesk 启动时会进行第一次备份。</translation>
    </message>
    <message>
        <source>The clinic passphrase is changed. Use the new one from now on.</source>
        <translation>诊所口令已更改。从现在起请使用新口令。</translation>
    </message>
    <message>
        <source>The new recovery key is in place; the old one no longer works.</source>
        <translation>新的恢复密钥已生效；旧密钥已失效。</translation>
    </message>
    <message>
        <source>Save the backup as</source>
        <translation>将备份另存为</translation>
    </message>
    <message>
        <source>ClinicDesk backup (*.cdbak)</source>
        <translation>ClinicDesk 备份 (*.cdbak)</translation>
    </message>
    <message>
        <source>Making the backup…</source>
        <translation>正在备份…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancelling the backup…</source>
        <translation>正在取消备份…</translation>
    </message>
    <message>
        <source>Copying the clinic&apos;s data…</source>
        <translation>正在复制诊所数据…</translation>
    </message>
    <message>
        <source>Checking the copy…</source>
        <translation>正在校验副本…</translation>
    </message>
    <message>
        <source>Writing the backup file…</source>
        <translation>正在写入备份文件…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Backup saved: {path} ({size}).</source>
        <translation>备份已保存：{path}（{size}）。</translation>
    </message>
    <message>
        <source>The backup was cancelled; no file was written.</source>
        <translation>备份已取消，未写入任何文件。</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Clinic</source>
        <translation>诊所</translation>
    </message>
    <message>
        <source>Security</source>
        <translation>安全</translation>
    </message>
    <message>
        <source>Backup</source>
        <translation>备份</translation>
    </message>
    <message>
        <source>Appointments</source>
        <translation>预约</translation>
    </message>
    <message>
        <source>Reception</source>
        <translation>前台</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Complaints</source>
        <translation>投诉</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>质量</translation>
    </message>
    <message>
        <source>Clinic name</source>
        <translation>诊所名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Time zone</source>
        <translation>时区</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Default phone region</source>
        <translation>默认电话地区</translation>
    </message>
    <message>
        <source>Wrong passwords before an account locks</source>
        <translation>账号锁定前允许输错密码的次数</translation>
    </message>
    <message>
        <source>Lockout window and lock time (minutes)</source>
        <translation>输错计次时段及锁定时长（分钟）</translation>
    </message>
    <message>
        <source>Lock the screen after idle minutes</source>
        <translation>闲置多少分钟后锁屏</translation>
    </message>
    <message>
        <source>Make a backup every day</source>
        <translation>每天自动备份</translation>
    </message>
    <message>
        <source>Daily backups to keep</source>
        <translation>保留的每日备份份数</translation>
    </message>
    <message>
        <source>Backup folder (empty: &apos;backups&apos; in the data folder)</source>
        <translation>备份文件夹（留空：使用数据文件夹中的 backups）</translation>
    </message>
    <message>
        <source>Bookings for tomorrow close at</source>
        <translation>次日预约截止时间</translation>
    </message>
    <message>
        <source>Doctor absence must be known by (day before)</source>
        <translation>医生停诊最晚告知时间（前一天）</translation>
    </message>
    <message>
        <source>Next day&apos;s list to triage nurse by</source>
        <translation>次日名单交给导诊护士的时间</translation>
    </message>
    <message>
        <source>Reminder message, days before</source>
        <translation>短信提醒：提前天数</translation>
    </message>
    <message>
        <source>Reminder call, days before</source>
        <translation>电话提醒：提前天数</translation>
    </message>
    <message>
        <source>Respond to an arrival within (minutes)</source>
        <translation>患者到达后接待时限（分钟）</translation>
    </message>
    <message>
        <source>Waiting-time alert after (minutes)</source>
        <translation>候诊超时提醒（分钟）</translation>
    </message>
    <message>
        <source>Cold / physical exam: message within (hours)</source>
        <translation>感冒/体检：短信回访时限（小时）</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: from day</source>
        <translation>慢病/术后电话回访：最早第几天</translation>
    </message>
    <message>
        <source>Chronic / post-operative call: by day</source>
        <translation>慢病/术后电话回访：最晚第几天</translation>
    </message>
    <message>
        <source>Everyone else: monthly random sample (%)</source>
        <translation>其他患者：每月随机抽样回访比例（%）</translation>
    </message>
    <message>
        <source>Accept a complaint within (hours)</source>
        <translation>受理投诉时限（小时）</translation>
    </message>
    <message>
        <source>Contact the complainant within (hours)</source>
        <translation>联系投诉人时限（小时）</translation>
    </message>
    <message>
        <source>Answer a simple issue within (business days)</source>
        <translation>简单问题答复时限（工作日）</translation>
    </message>
    <message>
        <source>Propose a solution within (hours)</source>
        <translation>提出解决方案时限（小时）</translation>
    </message>
    <message>
        <source>Close a complaint within (days)</source>
        <translation>投诉结案时限（天）</translation>
    </message>
    <message>
        <source>Rectification within (days)</source>
        <translation>整改时限（天）</translation>
    </message>
    <message>
        <source>Answer a complex dispute within (days)</source>
        <translation>复杂纠纷答复时限（天）</translation>
    </message>
    <message>
        <source>Day deadlines skip public holidays</source>
        <translation>按天计算的时限不含法定节假日</translation>
    </message>
    <message>
        <source>Weekly survey sample (% of patients)</source>
        <translation>每周满意度调查抽样（占患者的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual outpatient survey (% of a day)</source>
        <translation>半年度门诊满意度调查（占单日患者的百分比）</translation>
    </message>
    <message>
        <source>Semi-annual inpatient survey (% of a day)</source>
        <translation>半年度住院满意度调查（占单日患者的百分比）</translation>
    </message>
    <message>
        <source>Satisfaction target (%)</source>
        <translation>满意度目标（%）</translation>
    </message>
    <message>
        <source>Complaint closure target (%)</source>
        <translation>投诉结案率目标（%）</translation>
    </message>
    <message>
        <source>Root-cause analysis within (hours)</source>
        <translation>根本原因分析时限（小时）</translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message>
        <source>Clinic settings</source>
        <translation>诊所设置</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Security and backup</source>
        <translation>安全与备份</translation>
    </message>
</context>
<context>
    <name>SetupWizard</name>
    <message>
        <source>Set up ClinicDesk</source>
        <translation>设置 ClinicDesk</translation>
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
        <translation>不保存恢复密钥单就关闭吗？</translation>
    </message>
    <message>
        <source>The clinic has been created, but its recovery key is shown only on this page. Close without printing or saving the recovery kit?</source>
        <translation>诊所已创建，但恢复密钥只在此页面显示。确定不打印也不保存恢复密钥单就关闭吗？</translation>
    </message>
</context>
<context>
    <name>SignInWidget</name>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>e.g. wang.li</source>
        <translation>例如 wang.li</translation>
    </message>
    <message>
        <source>The screen was locked. Sign in to continue; patient data stays hidden until then.</source>
        <translation>屏幕已锁定。请登录以继续；登录前患者数据将保持隐藏。</translation>
    </message>
    <message>
        <source>Sign in with your own account.</source>
        <translation>请使用您自己的账号登录。</translation>
    </message>
    <message>
        <source>Type your user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>Type your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在验证…</translation>
    </message>
</context>
<context>
    <name>StaffDialog</name>
    <message>
        <source>Add a staff member</source>
        <translation>添加员工</translation>
    </message>
    <message>
        <source>The user name is what they type to sign in (letters a-z, digits and . _ - @). Give them the temporary password in person: they must choose their own at the first sign-in.</source>
        <translation>用户名是员工登录时输入的名称（字母 a-z、数字以及 . _ - @）。请当面告知临时密码：对方首次登录时必须设置自己的密码。</translation>
    </message>
    <message>
        <source>Edit a staff member</source>
        <translation>编辑员工</translation>
    </message>
    <message>
        <source>A user name cannot be changed. To rename a sign-in, add a new account and disable this one.</source>
        <translation>用户名无法更改。如需更换登录名，请添加一个新账号，并停用此账号。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>e.g. 张丽</source>
        <translation>例如 张丽</translation>
    </message>
    <message>
        <source>User name</source>
        <translation>用户名</translation>
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
        <translation>电话</translation>
    </message>
    <message>
        <source>Temporary password</source>
        <translation>临时密码</translation>
    </message>
    <message>
        <source>Temporary password again</source>
        <translation>再次输入临时密码</translation>
    </message>
    <message>
        <source>The two passwords are not the same.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
</context>
<context>
    <name>StaffTab</name>
    <message>
        <source>Everyone who signs in to ClinicDesk. Disable the account of someone who leaves; their name stays in the records they wrote.</source>
        <translation>所有登录 ClinicDesk 的人员。有人离职时请停用其账号；其姓名仍会保留在其填写的记录中。</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Reset password…</source>
        <translation>重置密码…</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Let a locked account sign in again before the lock ends</source>
        <translation>让被锁定的账号在锁定结束前重新登录</translation>
    </message>
    <message>
        <source>Enable</source>
        <translation>启用</translation>
    </message>
    <message>
        <source>Let this person sign in again</source>
        <translation>允许此人重新登录</translation>
    </message>
    <message>
        <source>Disable</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>Stop this person signing in; their records stay</source>
        <translation>禁止此人登录；其记录将保留</translation>
    </message>
    <message>
        <source>{name} has a temporary password now.</source>
        <translation>{name} 现在使用临时密码。</translation>
    </message>
    <message>
        <source>{name} can sign in again.</source>
        <translation>{name} 现在可以重新登录。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is disabled.</source>
        <translation>{name} 的账号已停用。</translation>
    </message>
    <message>
        <source>{name}&apos;s account is enabled again.</source>
        <translation>{name} 的账号已重新启用。</translation>
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
        <translation>用户名</translation>
    </message>
    <message>
        <source>Role</source>
        <translation>角色</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation>已停用</translation>
    </message>
    <message>
        <source>Locked until {time}</source>
        <translation>锁定至 {time}</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>Must choose a new password at the next sign-in.</source>
        <translation>下次登录时必须设置新密码。</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <source>Open the clinic</source>
        <translation>打开诊所</translation>
    </message>
    <message>
        <source>This computer has no saved key for the clinic&apos;s data. Type the clinic passphrase, or the recovery key from the printed recovery kit.</source>
        <translation>本机没有保存诊所数据的密钥。请输入诊所口令，或打印的恢复密钥单上的恢复密钥。</translation>
    </message>
    <message>
        <source>Clinic passphrase</source>
        <translation>诊所口令</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>Type the passphrase or recovery key first.</source>
        <translation>请先输入口令或恢复密钥。</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <source>Welcome to ClinicDesk</source>
        <translation>欢迎使用 ClinicDesk</translation>
    </message>
    <message>
        <source>This assistant sets up ClinicDesk for your clinic on this computer. It takes about five minutes. You will need the clinic&apos;s name and address, a user name and password for the director, and a clinic passphrase. At the end you print the clinic&apos;s recovery kit, so have a printer ready or save it as a PDF.</source>
        <translation>本向导将在这台电脑上为您的诊所设置 ClinicDesk，大约需要五分钟。您需要准备：诊所名称和地址、院长的用户名和密码，以及诊所口令。最后需要打印诊所的恢复密钥单，请准备好打印机，或将其另存为 PDF。</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>The translation files are missing, so the texts stay in English. Reinstall ClinicDesk to fix this.</source>
        <translation>缺少翻译文件，因此界面文字仍显示为英文。请重新安装 ClinicDesk 以解决此问题。</translation>
    </message>
</context>
</TS>
